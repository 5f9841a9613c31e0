"""Greeting and sign-off lines of a mail, removed before its intent is scored.

"Dear Customer Support Team," and "Best regards, <name>" occur in mail of every intent:
they say nothing about what the writer wants, yet their words hit rules ("customer
support" is also how people ask for a human agent) and dilute the model's view of a short
mail. :func:`strip_courtesy` removes, in every language of the vocabulary, a leading
salutation (its own line, or the words before the first comma of a one-line mail) and
everything from the first sign-off line on (the closing formula, the name, the phone
number). When that would leave nothing, the text is returned unchanged. Pure, cheap
(two anchored regexes and a scan over the lines).
"""

from __future__ import annotations

import re

__all__ = ["strip_courtesy"]

_GREETING_WORDS = (
    # en
    r"dear|hello|hi|hey|good (?:morning|afternoon|evening|day)|greetings|to whom it may concern"
    r"|respected|attn"
    # de
    r"|sehr geehrte[rs]?|liebe[rs]?|hallo|guten (?:tag|morgen|abend)|moin|servus|grüß gott"
    # es pt it fr
    r"|estimad[oa]s?|hola|buen(?:os|as) (?:días|dias|tardes|noches)|señor(?:es|a)?"
    r"|prezad[oa]s?|car[oa]s?|olá|ola|bom dia|boa (?:tarde|noite)|exm[oa]s?\.?"
    r"|gentil[ei]|egregi[oa]|spettabile|buongiorno|buonasera|salve|ciao"
    r"|bonjour|bonsoir|cher|chère|chers|chères|madame|monsieur|salut"
    # ru tr ar
    r"|здравствуйте|добрый (?:день|вечер)|доброе утро|уважаем\w*|привет"
    r"|sayın|merhaba|iyi günler|değerli"
    r"|السلام عليكم|مرحبا|عزيزي|عزيزتي|السيد|السادة|تحية طيبة"
)
# Latin/Cyrillic/Arabic greetings must end at a word boundary; CJK ones are unspaced.
_GREETING_CJK = (
    "您好|你好|尊敬的|亲爱的|親愛的|各位|お世話になっております|いつもお世話になっております"
    "|拝啓|안녕하세요|안녕하십니까"
)
_GREETING = re.compile(
    rf"^\s*(?:(?:{_GREETING_WORDS})(?=[\s,.:;!，：]|$)|{_GREETING_CJK})", re.IGNORECASE
)
_GREETING_MAX = 80  # a salutation line is short; a longer first line is content
_GREETING_END = re.compile(r"[,，:：!！、]")
_CLOSING_WORDS = (
    r"best(?: regards| wishes)?|kind(?:est)? regards|warm(?:est)? regards|regards|sincerely"
    r"|yours (?:sincerely|faithfully|truly)|yours|thanks(?: and regards| in advance)?"
    r"|thank you(?: in advance)?|many thanks|cheers|br"
    r"|mit freundlichen grüßen|mit freundlichen grüssen|freundliche grüße|viele grüße"
    r"|beste grüße|liebe grüße|herzliche grüße|grüße|mfg|vielen dank|danke"
    r"|atentamente|saludos(?: cordiales)?|un saludo|cordialmente|gracias|muchas gracias"
    r"|cordialement|bien cordialement|salutations|meilleures salutations|bien à vous|merci"
    r"|merci d'avance|atenciosamente|abraços|obrigad[oa]|muito obrigad[oa]"
    r"|cordiali saluti|distinti saluti|saluti|grazie(?: mille)?|un cordiale saluto"
    r"|с уважением|спасибо|заранее спасибо|всего доброго|с наилучшими пожеланиями"
    r"|saygılarımla|iyi çalışmalar|teşekkürler|teşekkür ederim"
    r"|مع تحياتي|مع خالص التحيات|وتفضلوا بقبول|شكرا|شكراً"
)
# A sign-off line: the formula alone, or followed by a comma and a short name.
_CLOSING = re.compile(rf"^\s*(?:{_CLOSING_WORDS})(?!\w)[\s.!:;-]*(?:,[^.!?]{{0,30}})?$"
                      r"|^\s*(?:此致|敬礼|祝好|顺祝商祺|谢谢|謝謝|敬具|감사합니다|드림"
                      r"|よろしくお願い(?:いたします|致します|します|申し上げます)?)[\s。！!,，.]*$",
                      re.IGNORECASE)  # fmt: skip
_CLOSING_MAX = 60


def strip_courtesy(text: str) -> str:
    """``text`` without its leading salutation and its trailing sign-off block."""
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start < len(lines) and (match := _GREETING.match(lines[start])):
        first = lines[start]
        comma = _GREETING_END.search(first, match.end(), match.end() + _GREETING_MAX)
        rest = first[comma.end() :].strip() if comma is not None else ""
        if rest:  # the mail goes on after the salutation's comma, on the same line
            lines[start] = rest
        elif len(first.strip()) <= _GREETING_MAX:
            start += 1
    end = len(lines)
    seen_content = False
    for index in range(start, len(lines)):
        line = lines[index]
        if not line.strip():
            continue
        if seen_content and len(line.strip()) <= _CLOSING_MAX and _CLOSING.match(line):
            end = index
            break
        seen_content = True
    core = "\n".join(lines[start:end]).strip()
    return core if core else text
