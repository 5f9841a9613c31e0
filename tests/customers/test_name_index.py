"""The bigram index of ``match_names`` is exact: same matches as comparing every name."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

import pytest

from mailagent.customers.names import (
    NameMatch,
    _bigrams_needed,
    match_names,
    normalise_name,
    similarity,
)

_BASE = (
    "Müller Elektronik GmbH", "Mueller Elektronik", "Acme Robotics Inc.",
    "Electrónica Ibérica S.A.",
    "Nordic Circuits AB", "Shenzhen Huaqiang Electronics Co., Ltd.", "深圳华强电子有限公司",
    "上海精密电路股份有限公司", "東京回路株式会社", "Société Générale d'Électronique SAS",
    "Øresund Komponenter A/S", "Straße & Söhne KG", "Pacific Rim Trading Pte Ltd",
    "São Paulo Componentes Ltda", "Kraków Elektronika sp. z o.o.", "Zürich Präzision AG",
    "Bharat Circuit Boards Pvt Ltd", "Circuitos del Norte S.L.", "Anatolia Elektronik A.Ş.",
    "Seoul Semicon Co.", "Hanoi PCB JSC", "Молния Электроника ООО", "Delta Boards",
    "K&K GmbH", "AB Ltd", "Tech", "Global Sourcing LLC", "Nordic Circuit",
)  # fmt: skip


def _variants(name: str, rng: random.Random) -> list[str]:
    """The name as it shows up in mail: typos, dropped letters, extra words, other case."""
    out = [name, name.upper(), f"Best regards, {name}, Purchasing", f"{name} / Einkauf"]
    for _ in range(2):
        chars = list(name)
        if len(chars) > 3:
            i = rng.randrange(len(chars))
            op = rng.randrange(3)
            if op == 0:
                del chars[i]
            elif op == 1:
                chars[i] = rng.choice("aeiouxyzäöü华电")
            else:
                chars.insert(i, rng.choice("abcdefgh 司"))
        out.append("".join(chars))
    words = name.split()
    if len(words) > 1:
        out.append(" ".join(words[:-1]))
        out.append(" ".join(reversed(words)))
    return out


def _reference(
    lines: Sequence[str], names: Sequence[tuple[int, str]], threshold: float, min_length: int
) -> list[NameMatch]:
    """``match_names`` before the index: every name against every line."""
    prepared = [(line, normalise_name(line)) for line in lines if line.strip()]
    best: dict[int, NameMatch] = {}
    for customer_id, name in names:
        norm = normalise_name(name)
        if len(norm.replace(" ", "")) < min_length:
            continue
        for line, line_norm in prepared:
            if not line_norm:
                continue
            score = similarity(norm, line_norm)
            if score >= threshold and (customer_id not in best or score > best[customer_id].score):
                best[customer_id] = NameMatch(customer_id, name, round(score, 3), line.strip())
    return sorted(best.values(), key=lambda m: (-m.score, m.customer_id))


@pytest.mark.parametrize("threshold", [0.88, 0.8, 0.7, 0.6])
def test_indexed_matching_equals_comparing_every_name(threshold: float) -> None:
    rng = random.Random(18)
    names = [(i + 1, n) for i, n in enumerate(_BASE)]
    lines = [v for n in _BASE for v in _variants(n, rng)]
    lines += ["", "   ", "Tel +49 30 1234", "www.example.com", "Mit freundlichen Grüßen"]
    found = 0
    for start in range(0, len(lines), 3):  # a signature is a few lines
        chunk = lines[start : start + 3]
        expected = _reference(chunk, names, threshold, 4)
        assert match_names(chunk, names, threshold=threshold) == expected, chunk
        found += len(expected)
    assert found > len(_BASE)  # the pairs do exercise real matches


def test_bigram_bound_holds_for_every_pair() -> None:
    """The count filter's premise, checked on the pairs directly: a pair that reaches the
    threshold shares at least the bigrams the bound asks of the name."""
    rng = random.Random(7)
    lines = [normalise_name(v) for n in _BASE for v in _variants(n, rng)]
    for name in _BASE:
        norm = normalise_name(name)
        if not norm:
            continue
        grams = Counter(norm[i : i + 2] for i in range(len(norm) - 1))
        for line in lines:
            score = similarity(norm, line)
            for threshold in (0.6, 0.7, 0.88, 0.95):
                if line and score >= threshold:
                    in_line = Counter(line[i : i + 2] for i in range(len(line) - 1))
                    shared = sum((grams & in_line).values())
                    assert shared >= _bigrams_needed(len(norm), threshold), (norm, line)
