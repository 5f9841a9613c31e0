"""The statistical intent model: character + word n-gram TF-IDF -> logistic regression.

Trained on the corpus the project ships (``mailagent/data/intent_corpus.jsonl``, generated
by ``bench/make_intent_corpus.py``), never on evaluation data. Training takes a few seconds,
so :meth:`IntentModel.load_or_train` caches the fitted model under
``<store>/models/intent-<key>.joblib``, where the key hashes the corpus bytes, the
scikit-learn version and :data:`MODEL_VERSION`; a changed corpus or library retrains. The
cache is a pickle written by this process into the store directory and trusted as such.
Prediction is pure and thread-safe (the fitted pipeline is only read).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mailagent.records import InboundMail, Intent
from mailagent.triage.courtesy import strip_courtesy

if TYPE_CHECKING:  # scikit-learn and joblib load when a model is trained or read (seconds):
    # commands that never classify (config check, db upgrade, users, status) skip them
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

__all__ = [
    "CORPUS",
    "CORRECTION_WEIGHT",
    "MODEL_VERSION",
    "Example",
    "IntentModel",
    "load_corpus",
    "mail_text",
]

log = logging.getLogger(__name__)

CORPUS = Path(__file__).resolve().parent / "data" / "intent_corpus.jsonl"
MODEL_VERSION = "4"  # bump when the features or the classifier change
_DIGITS = re.compile(r"\d")
# A correction made by a person of this installation weighs as much as this many corpus
# mails: it is real mail of the kind this team receives, the corpus is written to be general.
CORRECTION_WEIGHT = 60.0
_MAX_CHARS = 4000  # the start of a mail says what it is about; long tails only cost time


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled mail of this installation (a person's correction)."""

    subject: str
    text: str
    label: str


def normalise(text: str) -> str:
    """Lower-case, every digit as 0 (order numbers and quantities generalise)."""
    return _DIGITS.sub("0", text.lower())


def mail_text(subject: str, body: str) -> str:
    """The model's view of a mail: subject line, then the new text without its greeting
    and sign-off (bounded)."""
    return f"{subject}\n{strip_courtesy(body)}"[:_MAX_CHARS]


def load_corpus(path: Path = CORPUS) -> tuple[list[str], list[str]]:
    """(texts, labels) of a JSONL corpus of ``{"subject", "text", "label"}`` rows.

    Rows whose model view (:func:`mail_text`) and label repeat an earlier row are skipped.
    """
    texts: list[str] = []
    labels: list[str] = []
    seen: set[tuple[str, str]] = set()
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            label = str(row["label"])
            Intent(label)  # raises ValueError on an unknown label
            text = mail_text(str(row.get("subject") or ""), str(row["text"]))
            if not text.strip():
                raise ValueError(f"{path}:{number}: empty text")
            if (text, label) in seen:  # mails that differ only in greeting and sign-off
                continue
            seen.add((text, label))
            texts.append(text)
            labels.append(label)
    return texts, labels


def _pipeline() -> Pipeline:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    preprocessor=normalise,
                    sublinear_tf=True,
                    min_df=2,
                    max_features=120_000,
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    preprocessor=normalise,
                    token_pattern=r"(?u)\b\w+\b",  # noqa: S106 - not a password
                    sublinear_tf=True,
                    min_df=1,
                ),
            ),
        ]
    )
    classifier = LogisticRegression(C=20.0, max_iter=3000, class_weight="balanced")
    return Pipeline([("features", features), ("classifier", classifier)])


class IntentModel:
    """A fitted intent classifier; ``predict`` returns (intent, probability), best first."""

    def __init__(
        self, pipeline: Pipeline, key: str, train_seconds: float = 0.0, corrections: int = 0
    ) -> None:
        self._pipeline = pipeline
        classifier = pipeline.named_steps["classifier"]
        self._intents = tuple(Intent(str(c)) for c in classifier.classes_)
        self._fast = _FastLinear(pipeline)
        self.key = key
        self.train_seconds = train_seconds
        self.corrections = corrections  # how many of this installation's examples it learnt

    @classmethod
    def train(cls, corpus: Path = CORPUS, examples: Sequence[Example] = ()) -> IntentModel:
        """Fit a new model on ``corpus`` plus this installation's ``examples`` (seconds)."""
        texts, labels = load_corpus(corpus)
        weights = [1.0] * len(texts)
        for example in examples:
            Intent(example.label)  # raises ValueError on an unknown label
            texts.append(mail_text(example.subject, example.text))
            labels.append(example.label)
            weights.append(CORRECTION_WEIGHT)
        started = time.perf_counter()
        pipeline = _pipeline()
        pipeline.fit(texts, labels, classifier__sample_weight=np.asarray(weights))
        seconds = time.perf_counter() - started
        log.info(
            "intent model trained on %d texts (%d corrections) in %.1f s",
            len(texts),
            len(examples),
            seconds,
        )
        return cls(pipeline, cache_key(corpus, examples), seconds, len(examples))

    @classmethod
    def load_or_train(
        cls, store_dir: Path, corpus: Path = CORPUS, examples: Sequence[Example] = ()
    ) -> IntentModel:
        """The cached model for ``corpus`` + ``examples`` under ``store_dir/models``.

        Trained (and cached) if missing; an installation's corrections change the key, so
        the adapted model is trained once and reused until the next correction.
        """
        key = cache_key(corpus, examples)
        path = store_dir / "models" / f"intent-{key}.joblib"
        if path.exists():
            import joblib
            from sklearn.pipeline import Pipeline

            try:
                pipeline = joblib.load(path)
                if isinstance(pipeline, Pipeline):
                    return cls(pipeline, key, corrections=len(examples))
            except Exception:  # a corrupt or foreign cache file: retrain and overwrite
                log.warning("intent model cache %s unreadable; retraining", path, exc_info=True)
        model = cls.train(corpus, examples)
        try:
            _save(model._pipeline, path)
            _prune(path)
        except OSError:
            log.warning("cannot write intent model cache %s", path, exc_info=True)
        return model

    @property
    def intents(self) -> tuple[Intent, ...]:
        return self._intents

    def predict(self, mail: InboundMail) -> list[tuple[Intent, float]]:
        """Intent probabilities for ``mail`` (subject + new text), best first."""
        return self.predict_text(mail.subject, mail.new_text)

    def predict_text(self, subject: str, body: str) -> list[tuple[Intent, float]]:
        """Probabilities for one (subject, body); the single-item fast path."""
        row = self._fast.proba(mail_text(subject, body))
        pairs = [(intent, float(p)) for intent, p in zip(self._intents, row, strict=True)]
        return sorted(pairs, key=lambda kv: -kv[1])

    def predict_many(self, items: Sequence[tuple[str, str]]) -> list[list[tuple[Intent, float]]]:
        """Probabilities for many (subject, body) pairs at once (much faster per item)."""
        if not items:
            return []
        texts = [mail_text(subject, body) for subject, body in items]
        matrix: Any = self._pipeline.predict_proba(texts)
        result = []
        for row in np.asarray(matrix, dtype=float):
            pairs = [(intent, float(p)) for intent, p in zip(self._intents, row, strict=True)]
            result.append(sorted(pairs, key=lambda kv: -kv[1]))
        return result


class _FastLinear:
    """The fitted pipeline's arithmetic for one text, without scikit-learn's per-call overhead.

    Same result as ``predict_proba`` (tested): per vectorizer, sublinear TF x IDF, L2
    normalised; concatenated; multinomial logistic regression (softmax of the scores).
    Character n-grams (``char_wb``) never cross a word, so each distinct word's in-vocabulary
    n-gram columns are computed once and kept (a bounded cache: mail reuses its words), and
    a text's counts are one ``bincount`` over its words' columns. Many times faster than
    ``predict_proba`` on a single multi-sentence mail.
    """

    # Distinct words whose columns are kept per model (cleared when full), and the longest
    # word kept: an entry is the word and an array of ~4 columns per character, ~0.5 KB for
    # a word of up to 32 characters, so ~10 MB at most (200,000 words of any length grew
    # the triage worker by ~50 MB). Longer words (links, codes) are computed each time.
    _WORD_CACHE = 20_000
    _WORD_CHARS = 32

    def __init__(self, pipeline: Pipeline) -> None:
        features: FeatureUnion = pipeline.named_steps["features"]
        classifier: LogisticRegression = pipeline.named_steps["classifier"]
        self._parts: list[tuple[Any, dict[str, int], Any, int]] = []
        self._chars: tuple[dict[str, int], Any, int, int, int] | None = None
        offset = 0
        for _, vectorizer in features.transformer_list:
            vocabulary: dict[str, int] = vectorizer.vocabulary_
            if vectorizer.analyzer == "char_wb" and self._chars is None:
                low, high = vectorizer.ngram_range
                # plain ints: a word's columns become an index array without conversions
                plain = {gram: int(column) for gram, column in vocabulary.items()}
                self._chars = (plain, vectorizer.idf_, offset, low, high)
            else:
                analyzer = vectorizer.build_analyzer()
                plain = {term: int(column) for term, column in vocabulary.items()}
                self._parts.append((analyzer, plain, vectorizer.idf_, offset))
            offset += len(vocabulary)
        # one row per feature: a text's columns are gathered as contiguous rows
        self._coef_rows = np.ascontiguousarray(np.asarray(classifier.coef_, dtype=float).T)
        self._intercept = np.asarray(classifier.intercept_, dtype=float)
        self._words: dict[str, Any] = {}

    def proba(self, text: str) -> Any:
        scores = self._intercept.copy()
        if self._chars is not None:
            self._add_chars(normalise(text), scores)
        for analyzer, vocabulary, idf, offset in self._parts:
            found = [index for index in map(vocabulary.get, analyzer(text)) if index is not None]
            if not found:
                continue
            columns, seen = np.unique(np.asarray(found, dtype=np.intp), return_counts=True)
            self._add(columns, 1.0 + np.log(seen), idf, offset, scores)
        scores -= scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()

    def _add_chars(self, normalised: str, scores: Any) -> None:
        """Add the character n-gram part of ``normalised`` text to ``scores``."""
        assert self._chars is not None
        _, idf, offset, _, _ = self._chars
        words = self._words
        if len(words) > self._WORD_CACHE:
            words.clear()
        parts = []
        for word in normalised.split():
            columns = words.get(word)
            if columns is None:
                columns = self._word_columns(word)
                if len(word) <= self._WORD_CHARS:
                    words[word] = columns
            parts.append(columns)
        if not parts:
            return
        everything = np.concatenate(parts)
        if not len(everything):
            return
        columns, seen = np.unique(everything, return_counts=True)
        self._add(columns, 1.0 + np.log(seen), idf, offset, scores)

    def _word_columns(self, word: str) -> Any:
        """The vocabulary columns of ``word``'s n-grams, as ``char_wb`` cuts them."""
        assert self._chars is not None
        vocabulary, _, _, low, high = self._chars
        padded = f" {word} "
        length = len(padded)
        if length <= low:  # a short word counts once, as a whole
            index = vocabulary.get(padded)
            return np.asarray(() if index is None else (index,), dtype=np.intp)
        grams = [
            padded[start : start + n]
            for n in range(low, min(high, length) + 1)
            for start in range(length - n + 1)
        ]
        found = [index for index in map(vocabulary.get, grams) if index is not None]
        return np.asarray(found, dtype=np.intp)

    def _add(self, columns: Any, tf: Any, idf: Any, offset: int, scores: Any) -> None:
        values = tf * idf[columns]
        values /= np.sqrt(values @ values)
        scores += values @ self._coef_rows[columns + offset]


def cache_key(corpus: Path, examples: Sequence[Example] = ()) -> str:
    """Hash of corpus bytes, the examples, scikit-learn version and MODEL_VERSION (16 hex)."""
    digest = hashlib.sha256(corpus.read_bytes())
    for example in examples:
        digest.update(json.dumps([example.subject, example.text, example.label]).encode())
    import sklearn

    digest.update(f"|sklearn={sklearn.__version__}|model={MODEL_VERSION}".encode())
    if examples:
        digest.update(f"|weight={CORRECTION_WEIGHT}".encode())
    return digest.hexdigest()[:16]


_KEEP_CACHED = 3  # model files kept per store (the newest); older adaptations are removed


def _prune(current: Path) -> None:
    """Remove all but the newest cached models (each correction writes a new one)."""
    cached = sorted(current.parent.glob("intent-*.joblib"), key=lambda p: p.stat().st_mtime)
    for old in cached[:-_KEEP_CACHED]:
        if old != current:
            old.unlink(missing_ok=True)


def _save(pipeline: Pipeline, path: Path) -> None:
    """Write atomically: a temporary file in the same directory, then rename."""
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".intent-", suffix=".tmp")
    os.close(fd)
    try:
        joblib.dump(pipeline, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
