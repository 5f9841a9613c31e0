"""Split a plain-text body into the author's new text, the quoted history and the signature.

Language detection, classification and translation should only see what the customer wrote
*now*, not the thread below it. The split is line based and linear: one pass finds the first
"history starts here" marker (an attribution such as "On ... wrote:" / "在 ... 写道：", an
Outlook "-----Original Message-----" separator or "From:/Sent:/Subject:" header block, a line of
underscores); ``>``-quoted lines before it are moved to the quoted text (so inline and bottom
replies keep their new lines). The signature is what follows an RFC 3676 ``-- `` line, or a short
contact-looking block after a sign-off such as "Best regards" / "此致 敬礼" (the sign-off line
stays in the new text). Only the first ``_MAX_LINES`` lines are examined on huge bodies.

Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Split", "split_reply"]

_MAX_LINES = 20_000
_MAX_LINE = 400  # characters of a line the patterns look at
_HEADER_WINDOW = 6  # lines after "From:" searched for "Sent:"/"Subject:"
_SIGNATURE_LINES = 8

_I = re.IGNORECASE
_SEPARATOR = re.compile(
    r"^\s*[-=_*]{2,}\s*(original message|ursprüngliche nachricht|original-nachricht|"
    r"mensaje original|message d'origine|messaggio originale|mensagem original|"
    r"原始邮件|原始郵件|原邮件|forwarded message|weitergeleitete nachricht|mensaje reenviado|"
    r"message transféré|転送されたメッセージ|元のメッセージ|転送メッセージ)\s*[-=_*]{2,}\s*$"
    r"|^\s*_{20,}\s*$|^\s*begin forwarded message\s*:\s*$",
    _I,
)
_ATTRIBUTION = re.compile(
    r"^\s*(on\b.{1,300}\bwrote|am\b.{1,300}\bschrieb\b.{0,200}|el\b.{1,300}\bescribi[óo]"
    r"|le\b.{1,300}\ba\s+[ée]crit|em\b.{1,300}\bescreveu|il\b.{1,300}\bha\s+scritto"
    r"|op\b.{1,300}\bschreef\b.{0,200}|.{1,300}\bнаписал[аи]?"
    r"|.{1,300}\bwrote|.{1,300}(さんは書きました|さんが書きました)"
    r"|在.{1,300}(写道|寫道)|.{1,300}(写道|寫道)|\d{4}年\d{1,2}月\d{1,2}日.{1,200})\s*[:：]\s*$",
    _I,
)
# First lines of attributions that mail clients wrap onto two lines.
_ATTRIBUTION_START = re.compile(r"^\s*(on|am|el|le|em|il|op|在)\b|^\s*\d{4}年", _I)
_HEADER_FROM = re.compile(
    r"^\s*\*?\s*(from|von|de|da|van|发件人|發件人|寄件者|寄件人|差出人|送信者)\s*\*?\s*[:：]", _I
)
_HEADER_SENT = re.compile(
    r"^\s*\*?\s*(sent|date|gesendet|datum|enviado|fecha|envoyé|inviato|data|"
    r"发送时间|發送時間|寄件日期|日期|时间|時間|送信日時|日付)\s*\*?\s*[:：]",
    _I,
)
_HEADER_SUBJECT = re.compile(
    r"^\s*\*?\s*(subject|to|betreff|an|asunto|para|objet|à|oggetto|onderwerp|"
    r"主题|主題|主旨|收件人|收件者|件名|宛先)\s*\*?\s*[:：]",
    _I,
)
_SIGNOFF = re.compile(
    r"^\s*((best|kind|warm|warmest|kindest)\s+regards|regards|best\s+wishes|many\s+thanks|"
    r"thanks\s*(and|&)\s*(best\s+)?regards|(yours\s+)?(sincerely|faithfully|truly)|cheers|"
    r"mit\s+freundlichen\s+gr(ü|ue|u)(ß|ss)en|(viele|beste|liebe)\s+gr(ü|ue)(ß|ss)e|"
    r"saludos(\s+cordiales)?|un\s+saludo|atentamente|(bien\s+)?cordialement|"
    r"cordiali\s+saluti|с\s+уважением|(よろしく|宜しく)お願い(いた|致|申し上げ)?(します|ます)|"
    r"此致|谢谢|謝謝|祝好|顺祝商祺|順祝商祺)"
    r"(\s*[,，.!！。~]*\s*$|\s*,\s*[^\s,.!?][^,.!?？]{0,30}$)",
    _I,
)
_SALUTE = re.compile(r"^\s*(敬礼|敬禮|商祺)[!！。.]*\s*$")
_CONTACT = re.compile(
    r"@|https?://|www\.|\+?\d[\d ()./-]{6,}\d|"
    r"\b(tel|phone|mob|mobile|cell|fax|whatsapp|wechat|skype|e-?mail|add|addr|address|web|"
    r"website)\b\s*[:.：]|co\.,?\s*ltd|gmbh|\binc\b|\bllc\b|limited|s\.a\.|"
    r"电话|電話|手机|手機|传真|地址|邮箱|微信|公司",
    _I,
)


class Split(NamedTuple):
    """The three parts of a body; joined they hold every line of the input."""

    new_text: str
    quoted_text: str
    signature: str


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _next_content(lines: list[str], start: int) -> str | None:
    for line in lines[start : start + 3]:
        if line.strip():
            return line
    return None


def _attribution_len(lines: list[str], i: int) -> int:
    """1 or 2 when an attribution line (possibly wrapped) starts at ``i``; 0 otherwise.

    Every attribution ends with a colon, which is checked first: the patterns are only run
    on the rare lines that could match, keeping the scan cheap on long bodies.
    """
    line = lines[i][:_MAX_LINE].rstrip()
    if line[-1:] in (":", "：") and _ATTRIBUTION.match(line):
        return 1
    if i + 1 < len(lines) and _ATTRIBUTION_START.match(line):
        joined = f"{line} {lines[i + 1][:_MAX_LINE].strip()}"
        if joined[-1:] in (":", "：") and _ATTRIBUTION.match(joined):
            return 2
    return 0


def _is_header_block(lines: list[str], i: int) -> bool:
    if not _HEADER_FROM.match(lines[i][:_MAX_LINE]):
        return False
    window = [line[:_MAX_LINE] for line in lines[i + 1 : i + 1 + _HEADER_WINDOW]]
    return any(_HEADER_SENT.match(w) for w in window) and any(
        _HEADER_SUBJECT.match(w) for w in window
    )


def _find_history(lines: list[str]) -> tuple[int, set[int]]:
    """Index where the unprefixed history starts (``len(lines)`` if none) and quoted lines."""
    quoted: set[int] = set()
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_quoted(line):
            quoted.add(i)
        elif _SEPARATOR.match(line[:_MAX_LINE]) or _is_header_block(lines, i):
            return i, quoted
        elif n := _attribution_len(lines, i):
            following = _next_content(lines, i + n)
            if following is None or not _is_quoted(following):
                return i, quoted
            quoted.update(range(i, i + n))
            i += n
            continue
        i += 1
    return len(lines), quoted


def _signoff_signature(lines: list[str]) -> tuple[list[str], list[str]] | None:
    content = [i for i, line in enumerate(lines) if line.strip()]
    for pos in range(len(content) - 2, max(-1, len(content) - 3 - _SIGNATURE_LINES), -1):
        k = content[pos]
        if not _SIGNOFF.match(lines[k][:_MAX_LINE]):
            continue
        end = k + 1
        if pos + 1 < len(content) and _SALUTE.match(lines[content[pos + 1]]):
            end = content[pos + 1] + 1
        block = [line for line in lines[end:] if line.strip()]
        if not block or len(block) > _SIGNATURE_LINES:
            return None
        if any(len(line) > 80 or line.rstrip().endswith(("?", "？")) for line in block):
            return None
        if len(block) <= 3 or any(_CONTACT.search(line) for line in block):
            return lines[:end], lines[end:]
        return None
    return None


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].rstrip("\r") in ("-- ", "--"):
            return lines[:i], lines[i + 1 :]
    found = _signoff_signature(lines)
    return found if found else (lines, [])


def _join(lines: list[str]) -> str:
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip("\n")


def split_reply(text: str) -> Split:
    """Split ``text`` into ``(new_text, quoted_text, signature)``; see the module docstring."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    head, tail = lines[:_MAX_LINES], lines[_MAX_LINES:]
    cut, quoted = _find_history(head)
    if cut == len(head):
        head, tail, cut = head + tail, [], len(head) + len(tail)
    new_lines = [line for i, line in enumerate(head[:cut]) if i not in quoted]
    quoted_lines = [head[i] for i in sorted(quoted)] + head[cut:] + tail
    body, signature = _split_signature(new_lines)
    return Split(_join(body), _join(quoted_lines), _join(signature))
