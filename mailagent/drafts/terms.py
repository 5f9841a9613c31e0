"""Commercial terms (payment terms, units) written in the draft's language.

Pure. Payment terms come from the order or the configuration as one English phrase
("30% T/T deposit, 70% balance before shipment"); a German reply must not quote them in
English. :func:`payment_terms` recognises the usual export forms (deposit + balance
before shipment / against B/L copy, 100% in advance, L/C at sight, net N days) and writes
them in en zh es de pt fr ru ja; anything else is kept as written and the reason tells the
approver to check it. :func:`unit` names the unit ("pcs") in the language.
"""

from __future__ import annotations

import re

__all__ = ["payment_terms", "unit"]

_SPLIT = re.compile(
    r"^\s*(\d{1,3})\s*%\s*(?:T/?T\s*)?(?:deposit|advance|down ?payment)(?:\s+by\s+T/?T)?\s*"
    r"[,;/+]?\s*(?:and\s+)?(\d{1,3})\s*%\s*(?:T/?T\s*)?(?:balance\s*)?"
    r"(before shipment|before delivery|against (?:the )?(?:copy of )?B/?L(?: copy)?)\s*\.?\s*$",
    re.IGNORECASE,
)
_ADVANCE = re.compile(
    r"^\s*100\s*%\s*(?:T/?T\s*)?(?:in advance|advance|prepayment)\s*\.?\s*$", re.I
)
_LC = re.compile(r"^\s*(?:irrevocable\s+)?L/?C\s+at\s+sight\s*\.?\s*$", re.I)
_NET = re.compile(r"^\s*net\s+(\d{1,3})\s*(?:days)?\s*\.?\s*$", re.I)

_SPLIT_TEXT = {
    "en": "{d}% T/T deposit, {b}% balance {when}",
    "zh": "{d}% 电汇定金，{b}% 余款{when}",
    "es": "{d}% de anticipo por T/T, {b}% de saldo {when}",
    "de": "{d} % Anzahlung per T/T, {b} % Restzahlung {when}",
    "pt": "{d}% de sinal via T/T, {b}% de saldo {when}",
    "fr": "{d} % d'acompte par T/T, {b} % de solde {when}",
    "ru": "{d}% предоплата банковским переводом, {b}% {when}",
    "ja": "{d}% 前払金（電信送金）、残金 {b}% は{when}",
}
_WHEN = {
    "before shipment": {
        "en": "before shipment",
        "zh": "发货前付清",
        "es": "antes del embarque",
        "de": "vor Versand",
        "pt": "antes do embarque",
        "fr": "avant expédition",
        "ru": "до отгрузки",
        "ja": "出荷前",
    },
    "against bl": {
        "en": "against copy of B/L",
        "zh": "凭提单副本付清",
        "es": "contra copia del B/L",
        "de": "gegen Kopie des Konnossements (B/L)",
        "pt": "contra cópia do B/L",
        "fr": "contre copie du B/L",
        "ru": "против копии коносамента (B/L)",
        "ja": "B/L コピー受領時",
    },
}
_ADVANCE_TEXT = {
    "en": "100% T/T in advance",
    "zh": "100% 电汇预付",
    "es": "100% por T/T por adelantado",
    "de": "100 % Vorauszahlung per T/T",
    "pt": "100% antecipado via T/T",
    "fr": "100 % d'avance par T/T",
    "ru": "100% предоплата банковским переводом",
    "ja": "100% 前払い（電信送金）",
}
_LC_TEXT = {
    "en": "irrevocable L/C at sight",
    "zh": "不可撤销即期信用证",
    "es": "carta de crédito irrevocable a la vista",
    "de": "unwiderrufliches Sichtakkreditiv (L/C at sight)",
    "pt": "carta de crédito irrevogável à vista",
    "fr": "lettre de crédit irrévocable à vue",
    "ru": "безотзывный аккредитив по предъявлении",
    "ja": "取消不能一覧払信用状（L/C）",
}
_NET_TEXT = {
    "en": "net {n} days",
    "zh": "{n} 天账期",
    "es": "neto a {n} días",
    "de": "{n} Tage netto",
    "pt": "{n} dias líquidos",
    "fr": "net à {n} jours",
    "ru": "оплата в течение {n} дней",
    "ja": "{n} 日以内払い",
}
_UNITS = {
    "pcs": {
        "en": "pcs",
        "zh": "片",
        "es": "uds.",
        "de": "Stk.",
        "pt": "pçs",
        "fr": "pcs",
        "ru": "шт.",
        "ja": "枚",
    },
    "panels": {"de": "Nutzen", "zh": "拼板", "es": "paneles", "pt": "painéis", "ja": "パネル"},
}


def payment_terms(text: str, lang: str) -> tuple[str, str]:
    """``text`` in ``lang``, and a note for the approver ("" when it was translated)."""
    lang = lang if lang in _SPLIT_TEXT else "en"
    found = _SPLIT.match(text)
    if found:
        when = "before shipment" if "before" in found.group(3).lower() else "against bl"
        phrase = _SPLIT_TEXT[lang].format(d=found.group(1), b=found.group(2), when="{w}")
        return phrase.replace("{w}", _WHEN[when][lang]), ""
    if _ADVANCE.match(text):
        return _ADVANCE_TEXT[lang], ""
    if _LC.match(text):
        return _LC_TEXT[lang], ""
    net = _NET.match(text)
    if net:
        return _NET_TEXT[lang].format(n=net.group(1)), ""
    if lang == "en":
        return text, ""
    return text, f"payment terms {text!r} kept as written: check them for a {lang} reply"


def unit(name: str, lang: str) -> str:
    """A unit name in ``lang`` ("pcs" -> "Stk."), unchanged when unknown."""
    return _UNITS.get(name.strip().lower(), {}).get(lang, name)
