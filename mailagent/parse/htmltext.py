"""HTML mail bodies: readable plain text for the pipeline, sanitised HTML for the web UI.

``html_to_text`` uses the stdlib ``html.parser`` (linear, tolerant of broken markup) and never
fetches anything: blocks become line breaks, list items "- ", table cells " | ", links
"text (url)", and script/style/head/comments/hidden elements are dropped. ``sanitize_html``
runs ``nh3`` (ammonia) with a conservative allow-list; remote images are replaced by a
placeholder unless explicitly allowed, because loading them tells the sender the mail was read.

Pure: no I/O.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

__all__ = ["html_to_text", "sanitize_html"]


def _tags(words: str) -> tuple[str, ...]:
    """Whitespace-separated names: keeps the long name tables readable."""
    return tuple(words.split())


_MAX_TEXT_HTML = 2_000_000  # html.parser needs ~1 s per MB of dense markup
_MAX_SANITIZE_HTML = 10_000_000
_MAX_STACK = 512

# Break markers in the output: a line break, a paragraph break (blank line), and an explicitly
# empty line (Outlook writes blank lines as ``<p>&nbsp;</p>``). Runs of breaks are merged.
_LINE, _PARA, _EMPTY = "\x00", "\x01", "\x02"
_BLOCK = frozenset(
    _tags(
        "address article aside center dd div dl dt fieldset figcaption figure footer form header "
        "li main nav p pre section tbody tfoot thead tr caption"
    )
)
_PARAGRAPH = frozenset(_tags("blockquote h1 h2 h3 h4 h5 h6 hr ol table ul"))
_SKIP = frozenset(_tags("script style head title template noscript object iframe"))
_VOID = frozenset(_tags("area base br col embed hr img input link meta param source track wbr"))
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")
_BREAKS = re.compile(r"[ \t]*[\x00\x01][\x00\x01 \t]*")
_BLANKS = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    """Collects text segments plus _LINE/_PARA/_EMPTY break markers (merged afterwards).

    ``stack`` mirrors the open elements so that an end tag closes everything opened inside it
    (mail HTML rarely closes its ``<p>``/``<td>``); it is bounded by ``_MAX_STACK``.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, starts a skipped subtree)
        self.skip = 0
        self.pre = 0
        self.links: list[str | None] = []
        self.link_text: list[str] = []
        self.cells: list[int] = []  # cells seen in the current row, per open table row

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        amap = {k: v or "" for k, v in attrs}
        style = amap.get("style", "")
        hidden = tag in _SKIP or "hidden" in amap or bool(_HIDDEN_STYLE.search(style))
        pushed = tag not in _VOID and len(self.stack) < _MAX_STACK
        if pushed:
            self.stack.append((tag, hidden))
            if hidden:
                self.skip += 1
        if self.skip:
            return
        if tag == "br":
            self.out.append("\n")
        elif tag in _PARAGRAPH or (tag == "p" and "mso" not in amap.get("class", "").lower()):
            self.out.append(_PARA)
        elif tag == "img" and amap.get("alt", "").strip():
            self.out.append(f"[{amap['alt'].strip()}]")
        elif tag in ("td", "th"):
            if self.cells and self.cells[-1] > 0:
                self.out.append(" | ")
            if self.cells:
                self.cells[-1] += 1
        elif tag == "tr":
            self.out.append(_LINE)
            self.cells.append(0)
        elif tag in _BLOCK:
            self.out.append(_LINE)
            if tag == "li":
                self.out.append("- ")
            if tag == "pre":
                self.pre += 1
        elif tag == "a" and pushed:  # tracked only if its end tag can be matched
            self.links.append(amap.get("href", "").strip() or None)
            self.link_text.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                break
        else:
            return  # stray end tag
        for open_tag, hidden in reversed(self.stack[depth:]):
            self._close(open_tag, hidden)
        del self.stack[depth:]

    def _close(self, tag: str, hidden: bool) -> None:
        if hidden:
            self.skip -= 1
            return
        if self.skip:
            return
        if tag == "a" and self.links:
            href, text = self.links.pop(), self.link_text.pop()
            if href and _link_differs(href, text):
                self.out.append(f" ({href})")
        elif tag == "tr" and self.cells:
            self.cells.pop()
            self.out.append(_LINE)
        elif tag in _PARAGRAPH or tag == "p":
            self.out.append(_PARA)
        elif tag in _BLOCK:
            if tag == "pre" and self.pre:
                self.pre -= 1
            self.out.append(_LINE)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if not self.pre and "\u00a0" in data and not data.strip(" \t\r\n\u00a0"):
            self.out.append(_EMPTY)
            return
        text = data if self.pre else _SPACES.sub(" ", data)
        if self.link_text:
            self.link_text[-1] += text
        self.out.append(text)


def _bare(url: str) -> str:
    low = url.strip().lower()
    for prefix in ("mailto:", "http://", "https://", "tel:"):
        low = low.removeprefix(prefix)
    return low.removeprefix("www.").rstrip("/")


def _link_differs(href: str, text: str) -> bool:
    """Show the URL only when the text does not already say it (and there is text)."""
    return bool(text.strip()) and _bare(href) != _bare(text)


def html_to_text(markup: str) -> str:
    """Readable plain text of an HTML body (entities decoded, whitespace collapsed)."""
    parser = _TextExtractor()
    parser.feed(markup[:_MAX_TEXT_HTML])
    parser.close()
    joined = _BREAKS.sub(lambda m: "\n\n" if _PARA in m.group(0) else "\n", "".join(parser.out))
    lines = [line.strip(" ") for line in joined.replace(_EMPTY, "").split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip("\n")


# --- sanitising for display --------------------------------------------------------------

_TAGS = frozenset(
    _tags(
        "a abbr b blockquote br caption center cite code col colgroup dd del div dl dt em font "
        "h1 h2 h3 h4 h5 h6 hr i img ins kbd li ol p pre q s small span strike strong sub sup table "
        "tbody td tfoot th thead tr tt u ul"
    )
)
# Removed together with their content (nh3 requires this set to be disjoint from _TAGS).
_CLEAN_CONTENT = frozenset(
    _tags(
        "script style head title template noscript iframe object embed applet frameset frame "
        "svg math"
    )
)
_TABLE_ATTRS = {"align", "valign", "width", "height", "bgcolor", "colspan", "rowspan"}
_ATTRS: dict[str, set[str]] = {
    "*": {"title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "font": {"color", "face", "size"},
    "table": {"border", "cellpadding", "cellspacing", "align", "width", "bgcolor"},
    "td": set(_TABLE_ATTRS),
    "th": set(_TABLE_ATTRS),
    "tr": {"align", "valign", "bgcolor"},
    "p": {"align"},
    "div": {"align"},
    "col": {"width", "span"},
    "colgroup": {"width", "span"},
    "ol": {"start", "type"},
}
_SAFE_DATA_IMAGE = re.compile(r"data:image/(png|jpe?g|gif|webp|bmp);", re.IGNORECASE)
_IMG_TAG = re.compile(r"<img\b[^>]*>")
_ATTR = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


def _filter(allow_remote: bool) -> object:
    def keep(tag: str, attr: str, value: str) -> str | None:
        url = value.strip()
        low = url.lower()
        if attr == "href":
            return url if low.startswith(("http://", "https://", "mailto:", "tel:")) else None
        if attr == "src":
            if low.startswith("cid:") or _SAFE_DATA_IMAGE.match(low):
                return url
            if allow_remote and low.startswith(("http://", "https://")):
                return url
            return None
        return value

    return keep


def _cleaner(allow_remote: bool) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(_TAGS),
        clean_content_tags=set(_CLEAN_CONTENT),
        attributes={k: set(v) for k, v in _ATTRS.items()},
        attribute_filter=_filter(allow_remote),  # type: ignore[arg-type]
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        url_schemes={"http", "https", "mailto", "tel", "cid", "data"},
    )


_CLEANERS = {False: _cleaner(False), True: _cleaner(True)}


def _placeholder(match: re.Match[str]) -> str:
    attrs = dict(_ATTR.findall(match.group(0)))
    if "src" in attrs:
        return match.group(0)
    alt = html.unescape(attrs.get("alt", "")).strip() or "image"
    return f'<span title="remote image blocked">[{html.escape(alt)}]</span>'


def sanitize_html(markup: str, *, allow_remote_images: bool = False) -> str:
    """HTML safe to show in the web UI: no scripts, handlers, frames, forms or remote fetches.

    Images keep their ``src`` only for ``cid:`` parts, ``data:image/...`` (not SVG) or, when
    ``allow_remote_images`` is set, http(s); other images become ``[alt text]``. Links get
    ``rel="noopener noreferrer nofollow"`` and ``target="_blank"``.
    """
    cleaned = _CLEANERS[allow_remote_images].clean(markup[:_MAX_SANITIZE_HTML])
    return _IMG_TAG.sub(_placeholder, cleaned)
