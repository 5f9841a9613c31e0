"""What the customer's mail asks for: documents, samples, lead time, shipping, terms, questions.

Pure. :func:`load_ask_rules` reads ``rules/asks.toml`` once (patterns compiled and checked,
errors name ``file: ask.<id>: field``); :func:`extract` finds the asks in a mail's new text,
sentence by sentence, so the reply can answer each one or leave a visible ``[[...]]``
placeholder. A document counts as asked for only when a request word is in the same
sentence (a signature saying "ISO 9001 certified, CO. LTD" asks for nothing). A sentence
asks something when it has a question mark or a question opening, or when it is a request
without one ("Kindly advise the MOQ.", "Favor informar el plazo", "请告知交期"): the
``[imperative]`` patterns per language, unless it is a courtesy phrase that asks nothing
("let me know if you have any questions"). A sentence that asks something none of the
specific kinds covers becomes a ``question``. Every ask keeps the sentence it came from
(shown to the approver as the reason).
"""

from __future__ import annotations

import bisect
import functools
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mailagent.errors import RulesError
from mailagent.memo import text_memo

__all__ = [
    "FILENAME",
    "Ask",
    "AskKind",
    "AskRules",
    "check",
    "describe",
    "extract",
    "load_ask_rules",
    "parse_ask_rules",
]

FILENAME = "asks.toml"
MAX_QUESTIONS = 6
_SENTENCE = re.compile(r"[^.!?。！？\n]*(?:[.!?。！？]+|\n|$)")
_MODES = (
    ("express", re.compile(r"express|dhl|fedex|ups|快递|快遞|クーリエ", re.I)),
    ("air", re.compile(r"\bair|a[ée]reo|luftfracht|a[ée]rien|空运|空運|航空", re.I)),
    ("sea", re.compile(r"\bsea|mar[ií]tim|seefracht|maritime|海运|海運|船便", re.I)),
)
_INCOTERM = re.compile(r"\b(EXW|FCA|FAS|FOB|CFR|CIF|CPT|CIP|DAP|DPU|DDP)\b")


_LANGUAGE = re.compile(r"[a-z]{2}")


@dataclass(frozen=True, slots=True)
class AskKind:
    id: str
    label: str
    document: bool
    patterns: tuple[re.Pattern[str], ...]
    needs_request: bool = False  # found only in a sentence that requests or asks


@dataclass(frozen=True, slots=True)
class AskRules:
    path: str
    kinds: tuple[AskKind, ...]
    request: tuple[re.Pattern[str], ...]
    # requests without a question mark, per language (ISO 639-1 code, patterns)
    imperative: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...] = ()
    courtesy: tuple[re.Pattern[str], ...] = ()  # look like requests, ask nothing


@dataclass(frozen=True, slots=True)
class Ask:
    kind: str  # an ask id from asks.toml: pi, ci, ..., sample, lead_time, shipping, question
    label: str
    sentence: str  # where it was found (trimmed)
    detail: str = ""  # shipping: "air DDP"; empty otherwise

    @property
    def document(self) -> bool:
        return self.kind in DOCUMENTS


DOCUMENTS = frozenset({"pi", "ci", "packing_list", "bl", "co", "coa", "msds", "test_report"})


def _compile(where: str, items: object) -> tuple[re.Pattern[str], ...]:
    if not isinstance(items, list) or not items or not all(isinstance(p, str) for p in items):
        raise RulesError(f"{where}: a non-empty list of regular expressions is needed")
    out = []
    for i, pattern in enumerate(items):
        try:
            out.append(re.compile(pattern, re.IGNORECASE | re.MULTILINE))
        except re.error as exc:
            raise RulesError(f"{where}[{i}]: invalid regex: {exc}") from exc
    return tuple(out)


def parse_ask_rules(text: str, path: str) -> AskRules:
    """Parse and check the TOML text of ``asks.toml``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: {exc}") from exc
    request = _compile(f"{path}: request", data.get("request"))
    imperative = _imperative(path, data.get("imperative"))
    courtesy = _compile(f"{path}: courtesy", data["courtesy"]) if "courtesy" in data else ()
    unknown_top = set(data) - {"request", "imperative", "courtesy", "ask"}
    if unknown_top:
        raise RulesError(f"{path}: unknown key(s) {', '.join(sorted(unknown_top))}")
    asks = data.get("ask")
    if not isinstance(asks, dict) or "question" not in asks:
        raise RulesError(f"{path}: ask: needs [ask.<id>] tables, including [ask.question]")
    kinds = []
    for ask_id, table in asks.items():
        where = f"{path}: ask.{ask_id}"
        if not isinstance(table, dict):
            raise RulesError(f"{where}: must be a table")
        unknown = set(table) - {"label", "document", "needs_request", "patterns"}
        if unknown:
            raise RulesError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        label = table.get("label", ask_id)
        document = table.get("document", False)
        needs_request = table.get("needs_request", document)
        if (
            not isinstance(label, str)
            or not isinstance(document, bool)
            or not isinstance(needs_request, bool)
        ):
            raise RulesError(
                f"{where}: label must be text, document and needs_request true or false"
            )
        patterns = _compile(f"{where}: patterns", table.get("patterns"))
        kinds.append(AskKind(ask_id, label, document, patterns, needs_request))
    return AskRules(path, tuple(kinds), request, imperative, courtesy)


def _imperative(path: str, table: object) -> tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]:
    """``[imperative]``: a list of patterns per ISO 639-1 language code (may be absent)."""
    if table is None:
        return ()
    if not isinstance(table, dict) or not table:
        raise RulesError(f"{path}: imperative: a table of language = [patterns] is needed")
    out = []
    for lang, items in table.items():
        if not _LANGUAGE.fullmatch(lang):
            raise RulesError(f"{path}: imperative.{lang}: not an ISO 639-1 language code")
        patterns = _compile(f"{path}: imperative.{lang}", items)
        empty = [i for i, p in enumerate(patterns) if p.search("")]
        if empty:
            raise RulesError(f"{path}: imperative.{lang}[{empty[0]}]: matches every sentence")
        out.append((lang, patterns))
    return tuple(out)


@functools.lru_cache(maxsize=4)
def load_ask_rules(rules_dir: str) -> AskRules | None:
    """``<rules_dir>/asks.toml`` (cached); None when the file does not exist."""
    path = Path(rules_dir) / FILENAME
    if not path.exists():
        return None
    return parse_ask_rules(path.read_text(encoding="utf-8"), str(path))


def _sentences(text: str) -> list[str]:
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith(">")]
    out = []
    for line in lines:
        out += [s.strip() for s in _SENTENCE.findall(line) if s.strip()]
    return out


_GAP = "\n\x00\n"  # between sentences: no word, no space run, a line break each side


class _Text:
    """The sentences of a text joined once, so each pattern scans the whole text in one
    call instead of once per sentence (a mailing-list mail has hundreds of sentences)."""

    def __init__(self, sentences: list[str]) -> None:
        self.sentences = sentences
        self.joined = _GAP.join(sentences)
        self.starts: list[int] = []
        at = 0
        for sentence in sentences:
            self.starts.append(at)
            at += len(sentence) + len(_GAP)

    def hits(self, patterns: Sequence[re.Pattern[str]]) -> set[int]:
        """Indexes of the sentences one of ``patterns`` matches (each sentence on its own:
        a hit in the joined text is confirmed on its sentence, which decides)."""
        found: set[int] = set()
        end = len(self.joined)
        for pattern in patterns:
            pos = 0
            while pos <= end and (mo := pattern.search(self.joined, pos)) is not None:
                i = bisect.bisect_right(self.starts, mo.start()) - 1
                after = self.starts[i + 1] if i + 1 < len(self.starts) else end + 1
                if i in found or pattern.search(self.sentences[i]):
                    found.add(i)
                    pos = after
                else:
                    pos = mo.start() + 1
        return found


def _shipping_detail(sentence: str) -> str:
    mode = next((name for name, pat in _MODES if pat.search(sentence)), "")
    term = _INCOTERM.search(sentence)
    return " ".join(x for x in (mode, term.group(1) if term else "") if x)


# Distinct texts whose asks are remembered. Keyed by a digest of the text (an lru_cache kept
# up to 4,096 whole mail bodies alive as its keys); a result is a few asks of at most 200
# characters each. Texts over ASK_MEMO_CHARS (a huge mailing-list digest, never repeated)
# are not remembered.
ASK_MEMO = 4096
ASK_MEMO_CHARS = 100_000


@text_memo(maxsize=ASK_MEMO, max_chars=ASK_MEMO_CHARS)
def extract(text: str, rules: AskRules | None) -> tuple[Ask, ...]:
    """The asks in ``text`` in order of first appearance (one per kind; several questions).

    Pure, so memoised per distinct text (forms, notices and one-line replies repeat)."""
    if rules is None or not text.strip():
        return ()
    found: dict[str, Ask] = {}
    questions: list[Ask] = []
    question_kind = next(k for k in rules.kinds if k.id == "question")
    doc = _Text(_sentences(text))
    requests, questions_at = doc.hits(rules.request), doc.hits(question_kind.patterns)
    courtesy_at = doc.hits(rules.courtesy)
    imperative_at = doc.hits([p for _, patterns in rules.imperative for p in patterns])
    kinds = [(k, doc.hits(k.patterns)) for k in rules.kinds if k.id != "question"]
    for i, sentence in enumerate(doc.sentences):
        short = sentence[:200]
        requested = i in requests
        asking = i not in courtesy_at and (i in questions_at or i in imperative_at)
        covered = False
        for kind, at in kinds:
            if i not in at:
                continue
            if kind.needs_request and not (requested or asking):
                continue
            covered = True
            if kind.id not in found:
                detail = _shipping_detail(sentence) if kind.id == "shipping" else ""
                found[kind.id] = Ask(kind.id, kind.label, short, detail)
        if asking and not covered and len(questions) < MAX_QUESTIONS:
            questions.append(Ask("question", question_kind.label, short))
    return (*found.values(), *questions)


def check(rules_dir: str | Path) -> list[str]:
    """What ``mailagent rules check`` prints for ``asks.toml`` (raises RulesError)."""
    rules = load_ask_rules(str(Path(rules_dir).resolve()))
    if rules is None:
        return [f"{Path(rules_dir) / FILENAME}: not present (replies list no asks)"]
    kinds = ", ".join(k.id for k in rules.kinds)
    langs = ", ".join(lang for lang, _ in rules.imperative) or "none"
    return [
        f"{rules.path}: {len(rules.kinds)} kinds of ask ({kinds}); "
        f"requests without '?' in {len(rules.imperative)} language(s) ({langs})"
    ]


def describe(asks: Sequence[Ask]) -> tuple[str, ...]:
    """One note per ask for the approver: what was found and where."""
    return tuple(f"ask {a.kind}: {a.sentence!r}" for a in asks)
