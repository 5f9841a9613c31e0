"""Large attachments are streamed to disk while parsing: same attachments as the in-memory
path, blobs byte-identical, nothing left in the spool, and a 42 MB mail peaks under three
times its largest part (measured in a fresh process)."""

from __future__ import annotations

import hashlib
import os
from email.message import EmailMessage
from pathlib import Path

import pytest
from support.apptools import ROOT, make_app
from support.subproc import python_json

from mailagent.capture.ingest import SPOOL_DIR, IngestStatus, ingest_raw
from mailagent.parse.message import parse_message
from mailagent.parse.spool import HEADER, Spool


def big_mail(sizes: dict[str, int], seed: int = 1) -> tuple[bytes, dict[str, bytes]]:
    msg = EmailMessage()
    msg["From"] = "Tom Baker <tom@acmerobotics.com>"
    msg["To"] = "sales@huaxin-pcb.com"
    msg["Subject"] = "Gerber files and drawings"
    msg["Message-ID"] = f"<big-{seed}@acmerobotics.com>"
    msg.set_content("Dear Kevin,\n\nplease find the files attached.\n\nTom\n")
    payloads = {}
    for name, size in sizes.items():
        data = hashlib.sha256(f"{seed}{name}".encode()).digest() * (size // 32 + 1)
        payloads[name] = data[:size]
        msg.add_attachment(payloads[name], maintype="application", subtype="zip", filename=name)
    return msg.as_bytes(), payloads


def test_spooled_parse_matches_the_in_memory_parse(tmp_path: Path) -> None:
    raw, payloads = big_mail({"gerber.zip": 1_600_000, "small.zip": 20_000, "cad.zip": 600_000})
    plain = parse_message(raw)
    with Spool(tmp_path / "spool", threshold=1_000_000) as spool:
        spooled = parse_message(raw, spool=spool)
        assert (spooled.raw_sha256, spooled.raw_size) == (plain.raw_sha256, plain.raw_size)
        assert spooled.text == plain.text and spooled.subject == plain.subject
        assert [(a.filename, a.size, a.sha256) for a in spooled.attachments] == [
            (a.filename, a.size, a.sha256) for a in plain.attachments
        ]
        big = spooled.attachments[0]
        assert big.payload == b"" and big.spool_path is not None
        assert Path(big.spool_path).read_bytes() == payloads["gerber.zip"]
        assert all(a.spool_path is None for a in spooled.attachments[1:])  # under the threshold
        assert not any(HEADER.lower() in name.lower() for name, _ in spooled.headers)
    assert list((tmp_path / "spool").iterdir()) == []  # closing the spool cleans up


def test_damaged_or_forged_parts_take_the_normal_path(tmp_path: Path) -> None:
    raw, _ = big_mail({"gerber.zip": 1_600_000})
    head, _, rest = raw.partition(b"Content-Transfer-Encoding: base64")
    damaged = head + b"Content-Transfer-Encoding: base64" + rest.replace(b"A", b"*", 3)
    forged = raw.replace(
        b"Content-Transfer-Encoding: base64",
        b"X-Mailagent-Spool: 0123\nContent-Transfer-Encoding: base64",
    )
    for sample in (damaged, forged):
        with Spool(tmp_path / "spool", threshold=1_000_000) as spool:
            got = parse_message(sample, spool=spool)
            assert got.attachments[0].spool_path is None
            assert got.attachments[0].size > 1_000_000
            assert spool.parts == {}
    assert any("damaged base64" in d for d in parse_message(damaged).defects)


def test_ingest_streams_big_attachments_into_the_blob_store(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    raw, payloads = big_mail({"gerber.zip": 2_500_000, "notes.zip": 4_000}, seed=2)
    (result,) = ingest_raw(app, [(raw, "big")], triage=False)
    assert result.status is IngestStatus.STORED
    for data in payloads.values():
        assert app.blobs.get_attachment(hashlib.sha256(data).hexdigest()) == data
    spool = Path(app.settings.store.dir) / SPOOL_DIR
    assert not spool.exists() or list(spool.iterdir()) == []
    app.close()


PROBE = """
import json, sys
sys.path.insert(0, {tests!r})
from support.apptools import make_app
from mailagent.capture.ingest import ingest_raw
from mailagent.config import ParseSettings
from pathlib import Path

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024

tmp = Path({tmp!r})
app = make_app(tmp, "sqlite:///" + str(tmp / "db.sqlite"),
               parse=ParseSettings(max_attachment_bytes=100 * 1024 * 1024))
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")  # reset the peak (VmHWM) to the current RSS
before = status("VmRSS")
raw = (tmp / "big.eml").read_bytes()
(result,) = ingest_raw(app, [(raw, "big")], triage=False)
print(json.dumps({{"status": result.status.value, "growth": status("VmHWM") - before}}))
"""


@pytest.mark.slow
def test_a_42_mb_mail_peaks_under_three_times_its_largest_part(tmp_path: Path) -> None:
    largest = 29 * 1024 * 1024
    raw, _ = big_mail({"scan.zip": largest, "drawing.zip": 1_200_000})
    assert 41_000_000 < len(raw) < 44_000_000
    (tmp_path / "big.eml").write_bytes(raw)
    del raw
    code = PROBE.format(tests=str(ROOT / "tests"), tmp=str(tmp_path))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    figures = python_json(code, env, timeout=300)
    assert figures["status"] == "stored"
    growth = figures["growth"]
    mb = 2**20
    print(f"42 MB mail: peak RSS growth {growth / mb:.0f} MB (largest part {largest / mb:.0f} MB)")
    assert growth < 3 * largest, growth / 2**20
