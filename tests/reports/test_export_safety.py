"""Spreadsheet formula injection: hostile subjects and display names reach every export
(CLI CSV/XLSX reports, the dashboard's CSV and XLSX downloads) only as inert text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from email.utils import formataddr
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from support.apptools import ROOT, mail, make_app

from mailagent.capture.ingest import ingest_raw
from mailagent.cli.main import cli
from mailagent.cli.reports import report
from mailagent.db import models as m
from mailagent.reports import output as reportout
from mailagent.reports.cells import is_formula_like, safe_cell
from mailagent.reports.queries import Table
from mailagent.triage.worker import triage_pending
from mailagent.web.dashboard import export_csv, export_tables, export_xlsx

HOSTILE = '=HYPERLINK("http://x.example/steal","click")'


def _no_formula_xlsx(data: bytes | Path) -> list[object]:
    book = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert not is_formula_like(cell.value), (sheet.title, cell.coordinate)
                values.append(cell.value)
    return values


def _no_formula_csv(text: str) -> list[str]:
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert not [c for c in cells if is_formula_like(c)]
    return cells


def test_safe_cell_rules() -> None:
    for bad in ("=1+1", "+1+1", "-1+1", "@SUM(A1)", "\tx", "\rx", "\uff1d1+1"):
        assert safe_cell(bad) == "'" + bad
    for fine in ("-", "-3", "+4.5", "abc", "a=b", 7, -7, 1.5, None):
        assert safe_cell(fine) == fine
    assert safe_cell("a\x00b\x1bc") == "abc"


def test_hostile_mail_reaches_exports_as_text(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    app = make_app(tmp_path, db)
    when = datetime.now(UTC) - timedelta(hours=2)
    raw = mail(
        1,
        subject=HOSTILE,
        sender=formataddr((HOSTILE, "buyer@gmail.com")),
        body="Please quote 100 pcs of a 4-layer board.\n\nThanks",
        date=when,
    )
    ingest_raw(app, [(raw, "hostile")])
    triage_pending(app)
    with app.sessions() as s:
        prospect = s.query(m.Customer).filter(m.Customer.status == "prospect").one()
    assert prospect.name == HOSTILE  # stored as data, exactly as written
    names = [t.name for t in export_tables(app, 30)]
    for name in names:
        _no_formula_csv(export_csv(app, name, 30).decode("utf-8-sig"))
    cells = _no_formula_xlsx(export_xlsx(app, 30))
    assert "'" + HOSTILE in cells  # the subject / customer is there, but inert
    app.close()

    config = tmp_path / "config.toml"
    config.write_text(
        f'rules_dir = "{ROOT / "rules"}"\n[store]\nurl = "{db}"\n'
        f'dir = "{tmp_path / "store"}"\n[team]\nown_domains = ["huaxin-pcb.com"]\n',
        encoding="utf-8",
    )
    cli.add_command(report)
    run = CliRunner().invoke
    for by in ("customer", "list"):
        args = ["--config", str(config), "report", "unanswered", "--by", by, "--format", "csv"]
        result = run(cli, args)
        assert result.exit_code == 0, result.output
        assert "'" + HOSTILE.replace('"', '""') in result.output
        _no_formula_csv(result.output)
    out = tmp_path / "r.xlsx"
    args = ["--config", str(config), "report", "unanswered", "--format", "xlsx", "--out", str(out)]
    assert run(cli, args).exit_code == 0
    _no_formula_xlsx(out)


def test_writers_neutralise_headers_too(tmp_path: Path) -> None:
    table = Table("t", "T", ("=evil", "n"), ((HOSTILE, -3), ("@x", 2)))
    buf = io.StringIO()
    reportout.write_csv(table, buf)
    assert _no_formula_csv(buf.getvalue())[:2] == ["'=evil", "n"]
    out = tmp_path / "t.xlsx"
    reportout.write_xlsx([table], out)
    assert _no_formula_xlsx(out) == ["'=evil", "n", "'" + HOSTILE, -3, "'@x", 2]


# -- property: whatever the cell, no export holds a formula ------------------------------------

cell = st.one_of(
    st.none(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=30),
    st.sampled_from(
        [
            "=1+1",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1:A9)",
            "\t=x",
            "\r=x",
            "＝1+1",
            '=HYPERLINK("http://x")',
            "-",
            "-5",
            "+5.5",
        ]
    ),
)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    st.lists(st.text(max_size=12), min_size=1, max_size=4, unique=True).flatmap(
        lambda cols: st.tuples(
            st.just(tuple(cols)),
            st.lists(st.lists(cell, min_size=len(cols), max_size=len(cols)), max_size=5),
        )
    )
)
def test_exports_round_trip_without_formulas(
    spec: tuple[tuple[str, ...], list[list[object]]],
) -> None:
    columns, rows = spec
    table = Table("t", "T", columns, tuple(tuple(r) for r in rows))
    buf = io.StringIO()
    reportout.write_csv(table, buf)
    back = list(csv.reader(io.StringIO(buf.getvalue())))
    assert len(back) == len(rows) + 1
    assert not [c for row in back for c in row if is_formula_like(c)]
    out = io.BytesIO()
    reportout.write_xlsx([table], out)
    values = _no_formula_xlsx(out.getvalue())
    for original, got in zip([*columns, *(c for r in rows for c in r)], values, strict=False):
        if isinstance(original, str) and original and got is not None:
            # the text is all there, behind at most one apostrophe
            assert str(got).removeprefix("'").strip() or not original.strip()
