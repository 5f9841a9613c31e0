"""Installed translation models: list, install (file or Argos index), remove.

A model is an Argos package: a zip (``.argosmodel``) holding exactly one folder with
``metadata.json``, ``model/`` (a CTranslate2 model) and ``sentencepiece.model``. Installing
unpacks into ``<models_dir>/translate-<from>_<to>/`` through a temporary folder and an
atomic rename, so a half-written package is never visible. Archives are checked before
anything is written: no absolute paths, no ``..``, no links, one top folder, a cap on the
number of entries and on the total unpacked size (enforced while unpacking, not only from
the declared sizes), and valid metadata.

``install_from_index`` is for machines with internet: it reads the Argos package index
(JSON) and downloads the package; when the pair is not published it installs the two legs
through English. Offline it raises :class:`~mailagent.errors.TranslationError` naming the
network problem and the offline alternative. The ``cli_*`` functions hold the logic of
``mailagent translate models|install|remove`` and return text for the CLI to print.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import stat
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from mailagent.errors import TranslationError
from mailagent.translation.base import PIVOT, normalize_lang

__all__ = [
    "DEFAULT_INDEX_URL",
    "MAX_UNPACKED_BYTES",
    "ModelInfo",
    "cli_install",
    "cli_models",
    "cli_remove",
    "format_models",
    "install_from_file",
    "install_from_index",
    "list_models",
    "read_package",
    "remove",
]

log = logging.getLogger(__name__)

DEFAULT_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"
MAX_UNPACKED_BYTES = 2 * 1024**3  # real Argos packages unpack to 100-400 MB
MAX_ENTRIES = 10_000
MAX_INDEX_BYTES = 20 * 1024**2
_CODE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$")
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One installed (or downloadable) Argos translation package."""

    from_code: str
    to_code: str
    package_version: str
    path: Path
    from_name: str = ""
    to_name: str = ""
    argos_version: str = ""
    target_prefix: str = ""
    size_bytes: int = 0

    @property
    def pair(self) -> tuple[str, str]:
        return (self.from_code, self.to_code)


def read_package(folder: Path) -> ModelInfo:
    """Validate an unpacked package folder and read its metadata."""
    meta_path = folder / "metadata.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TranslationError(f"{folder}: not a model package (no metadata.json)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TranslationError(f"{meta_path}: unreadable metadata: {exc}") from exc
    if not isinstance(meta, dict):
        raise TranslationError(f"{meta_path}: metadata must be a JSON object")
    if meta.get("type", "translate") != "translate":
        raise TranslationError(f"{meta_path}: package type {meta.get('type')!r} is not translate")
    codes = []
    for key in ("from_code", "to_code"):
        value = meta.get(key)
        if not isinstance(value, str) or not _CODE.match(normalize_lang(value)):
            raise TranslationError(f"{meta_path}: {key}: missing or not a language code")
        codes.append(normalize_lang(value))
    if not (folder / "model" / "model.bin").is_file():
        raise TranslationError(f"{folder}: model/model.bin is missing")
    if not (folder / "sentencepiece.model").is_file():
        raise TranslationError(f"{folder}: sentencepiece.model is missing (BPE not supported)")
    return ModelInfo(
        from_code=codes[0],
        to_code=codes[1],
        package_version=str(meta.get("package_version", "")),
        path=folder,
        from_name=str(meta.get("from_name", "")),
        to_name=str(meta.get("to_name", "")),
        argos_version=str(meta.get("argos_version", "")),
        target_prefix=str(meta.get("target_prefix", "")),
        size_bytes=sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()),
    )


def list_models(models_dir: str | Path) -> list[ModelInfo]:
    """Installed packages, sorted by pair; broken folders are logged and skipped."""
    root = Path(models_dir)
    if not root.is_dir():
        return []
    found: list[ModelInfo] = []
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        try:
            found.append(read_package(folder))
        except TranslationError as exc:
            log.warning("skipping model folder: %s", exc)
    return sorted(found, key=lambda m: (m.pair, m.path.name))


def install_from_file(
    archive: str | Path,
    models_dir: str | Path,
    *,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
) -> ModelInfo:
    """Check and unpack an ``.argosmodel``; replaces an installed package for the pair."""
    archive = Path(archive)
    root = Path(models_dir)
    root.mkdir(parents=True, exist_ok=True)
    try:
        zf = zipfile.ZipFile(archive)
    except (OSError, zipfile.BadZipFile) as exc:
        raise TranslationError(
            f"{archive}: not a model package (not a zip archive: {exc})"
        ) from exc
    with zf, tempfile.TemporaryDirectory(dir=root, prefix=".install-") as tmp:
        top = _check_archive(zf, archive, max_unpacked_bytes)
        _extract(zf, Path(tmp), archive, max_unpacked_bytes)
        info = read_package(Path(tmp) / top)
        final = root / f"translate-{info.from_code}_{info.to_code}"
        if final.exists():
            final.rename(Path(tmp) / ".old")  # deleted with the temporary folder
        (Path(tmp) / top).rename(final)
    for old in list_models(root):
        if old.pair == info.pair and old.path != final:
            shutil.rmtree(old.path)  # the same pair installed by hand under another name
    log.info("installed model %s→%s %s", info.from_code, info.to_code, info.package_version)
    return read_package(final)


def _check_archive(zf: zipfile.ZipFile, archive: Path, cap: int) -> str:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise TranslationError(f"{archive}: too many entries ({len(infos)})")
    tops: set[str] = set()
    total = 0
    names: set[str] = set()
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if (
            not parts
            or name.startswith(("/", "\\"))
            or re.match(r"^[A-Za-z]:", name)
            or ".." in parts
            or "\x00" in name
        ):
            raise TranslationError(f"{archive}: unsafe path in archive: {name!r}")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise TranslationError(f"{archive}: links are not allowed in a package: {name!r}")
        tops.add(parts[0])
        names.add("/".join(parts[1:]) + ("/" if info.is_dir() else ""))
        total += info.file_size
        if total > cap:
            raise TranslationError(f"{archive}: unpacks to more than {cap} bytes")
    if len(tops) != 1:
        raise TranslationError(
            f"{archive}: a package must hold exactly one top folder, found {len(tops)}"
        )
    for need in ("metadata.json", "sentencepiece.model"):
        if need not in names:
            raise TranslationError(f"{archive}: {need} is missing")
    if not any(n.startswith("model/") and n != "model/" for n in names):
        raise TranslationError(f"{archive}: model/ is missing")
    return tops.pop()


def _extract(zf: zipfile.ZipFile, dest: Path, archive: Path, cap: int) -> None:
    written = 0
    base = dest.resolve()
    for info in zf.infolist():
        target = (dest / info.filename).resolve()
        if base not in target.parents:
            raise TranslationError(f"{archive}: unsafe path in archive: {info.filename!r}")
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(target, "wb") as out:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > cap:
                    raise TranslationError(f"{archive}: unpacks to more than {cap} bytes")
                out.write(chunk)


def remove(from_code: str, to_code: str, models_dir: str | Path) -> list[ModelInfo]:
    """Delete the installed package(s) for the pair; error if none is installed."""
    pair = (normalize_lang(from_code), normalize_lang(to_code))
    gone = [m for m in list_models(models_dir) if m.pair == pair]
    if not gone:
        raise TranslationError(f"no model installed for {pair[0]}→{pair[1]}")
    for m in gone:
        shutil.rmtree(m.path)
    return gone


# -- online install ------------------------------------------------------------------------


def install_from_index(
    from_code: str,
    to_code: str,
    models_dir: str | Path,
    *,
    index_url: str = DEFAULT_INDEX_URL,
    timeout: float = 30.0,
    max_download_bytes: int = MAX_UNPACKED_BYTES,
) -> list[ModelInfo]:
    """Download and install the pair (or both legs via English) from the Argos index.

    Already installed legs are kept. Returns what was installed.
    """
    src, tgt = normalize_lang(from_code), normalize_lang(to_code)
    index = _fetch_index(index_url, timeout)
    installed = {m.pair for m in list_models(models_dir)}
    direct = _best(index, src, tgt)
    if direct is not None:
        wanted = [((src, tgt), direct)]
    else:
        legs = [((src, PIVOT), _best(index, src, PIVOT)), ((PIVOT, tgt), _best(index, PIVOT, tgt))]
        if PIVOT in (src, tgt) or any(entry is None for _, entry in legs):
            raise TranslationError(
                f"the Argos index at {index_url} has no model for {src}→{tgt}"
                + ("" if PIVOT in (src, tgt) else f" nor for both {src}→{PIVOT} and {PIVOT}→{tgt}")
            )
        wanted = [(pair, entry) for pair, entry in legs if entry is not None]
    result: list[ModelInfo] = []
    for pair, entry in wanted:
        if pair in installed and direct is None:
            continue
        with tempfile.TemporaryDirectory(prefix="mailagent-dl-") as tmp:
            path = _download(entry, Path(tmp) / "package.argosmodel", timeout, max_download_bytes)
            result.append(install_from_file(path, models_dir))
    return result


def _open(url: str, timeout: float) -> Any:
    if not url.lower().startswith(("http://", "https://")):
        raise TranslationError(f"refusing to download {url!r}: only http(s) URLs are allowed")
    request = urllib.request.Request(url, headers={"User-Agent": "mailagent"})  # noqa: S310
    try:
        return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310
    except urllib.error.HTTPError as exc:
        raise TranslationError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TranslationError(
            f"cannot download {url}: network error ({reason}); offline? "
            "copy the .argosmodel file to this machine and use "
            "mailagent translate install FROM TO --from-file PATH"
        ) from exc


def _read_capped(response: Any, cap: int, what: str) -> Iterator[bytes]:
    total = 0
    while chunk := response.read(_CHUNK):
        total += len(chunk)
        if total > cap:
            raise TranslationError(f"{what}: larger than {cap} bytes")
        yield chunk


def _fetch_index(url: str, timeout: float) -> list[dict[str, Any]]:
    with _open(url, timeout) as response:
        try:
            data = b"".join(_read_capped(response, MAX_INDEX_BYTES, url))
        except OSError as exc:
            raise TranslationError(f"cannot download {url}: network error ({exc})") from exc
    try:
        index = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TranslationError(f"{url}: not a package index (invalid JSON: {exc})") from exc
    if not isinstance(index, list):
        raise TranslationError(f"{url}: not a package index (expected a JSON list)")
    return [e for e in index if isinstance(e, dict)]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))


def _best(index: list[dict[str, Any]], src: str, tgt: str) -> dict[str, Any] | None:
    matches = [
        e
        for e in index
        if e.get("type", "translate") == "translate"
        and isinstance(e.get("from_code"), str)
        and isinstance(e.get("to_code"), str)
        and normalize_lang(e["from_code"]) == src
        and normalize_lang(e["to_code"]) == tgt
        and isinstance(e.get("links"), list)
        and e["links"]
    ]
    if not matches:
        return None
    return max(matches, key=lambda e: _version_key(str(e.get("package_version", ""))))


def _download(entry: dict[str, Any], dest: Path, timeout: float, cap: int) -> Path:
    errors: list[str] = []
    for link in entry["links"]:
        if not isinstance(link, str):
            continue
        try:
            with _open(link, timeout) as response, open(dest, "wb") as out:
                for chunk in _read_capped(response, cap, link):
                    out.write(chunk)
            return dest
        except TranslationError as exc:
            errors.append(str(exc))
        except OSError as exc:
            errors.append(f"cannot download {link}: network error ({exc})")
    pair = f"{entry.get('from_code')}→{entry.get('to_code')}"
    raise TranslationError(
        f"download of the {pair} model failed: " + "; ".join(errors or ["no links"])
    )


# -- CLI helpers ---------------------------------------------------------------------------


def format_models(models: list[ModelInfo]) -> str:
    """A plain-text table of installed models (or a hint when there are none)."""
    if not models:
        return "no translation models installed (mailagent translate install FROM TO)"
    rows = [("pair", "version", "size", "folder")]
    for m in models:
        size = f"{m.size_bytes / 1024**2:.1f} MB"
        rows.append((f"{m.from_code}→{m.to_code}", m.package_version or "?", size, str(m.path)))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(
        f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}" for r in rows
    )


def cli_models(models_dir: str | Path) -> str:
    """``mailagent translate models``."""
    return format_models(list_models(models_dir))


def cli_install(
    from_code: str | None,
    to_code: str | None,
    models_dir: str | Path,
    *,
    file: str | Path | None = None,
    index_url: str | None = None,
) -> str:
    """``mailagent translate install FROM TO [--from-file PATH]``."""
    if file is not None:
        infos = [install_from_file(file, models_dir)]
    elif from_code and to_code:
        infos = install_from_index(
            from_code, to_code, models_dir, index_url=index_url or DEFAULT_INDEX_URL
        )
    else:
        raise TranslationError("give FROM and TO language codes (and --from-file PATH offline)")
    if not infos:
        return "already installed: nothing to do"
    return "\n".join(
        f"installed {m.from_code}→{m.to_code} {m.package_version} in {m.path}" for m in infos
    )


def cli_remove(from_code: str, to_code: str, models_dir: str | Path) -> str:
    """``mailagent translate remove FROM TO``."""
    gone = remove(from_code, to_code, models_dir)
    return "\n".join(f"removed {m.from_code}→{m.to_code} ({m.path})" for m in gone)
