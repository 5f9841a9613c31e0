"""Bounded memos for pure functions of a text (a mail body, a line, a word).

``functools.lru_cache`` keeps its arguments as the key: memoising a function of a whole
mail body keeps up to ``maxsize`` bodies alive for the life of the process (4,096 bodies
of a mailing-list backfill are tens of MB, and the daemon's triage worker lives for weeks).
:func:`text_memo` keys by a 16-byte BLAKE2b digest of the text instead, so what a memo
holds is bounded by its entries times the size of a result, whatever the texts were; texts
longer than ``max_chars`` are not remembered at all (their results may grow with the text,
and a text that long rarely comes back). A memo only skips work: a call returns what the
function returns for the same arguments, remembered or not.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, ParamSpec, TypeVar

__all__ = ["SHORT_CHARS", "TextMemo", "digest", "text_key", "text_memo"]

P = ParamSpec("P")
R = TypeVar("R")

DIGEST_BYTES = 16  # 128 bits: a collision among a process's texts is not a real risk
_KEYWORD = object()
SHORT_CHARS = 32  # texts up to this long are kept as their own key (a digest is no smaller)


def digest(text: str) -> bytes:
    """The memo key of ``text`` (lone surrogates from odd mail decode still hash)."""
    data = text.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=DIGEST_BYTES).digest()


def text_key(text: str) -> str | bytes:
    """A text's memo key: a short text is its own key (no larger than a digest, and a
    ``str`` never equals a ``bytes``), a longer one its digest."""
    return text if len(text) <= SHORT_CHARS else digest(text)


class TextMemo(Generic[P, R]):
    """``fn`` memoised on (digest of its text arguments, its other arguments), least
    recently used first out once ``maxsize`` results are kept. Every ``str`` argument is
    keyed by its digest (a short one by itself); the others (rules, flags) must be
    hashable and are kept as they are. Thread-safe (the daemon may triage in a thread)."""

    def __init__(self, fn: Callable[P, R], maxsize: int, max_chars: int) -> None:
        self.fn = fn
        self.maxsize = maxsize
        self.max_chars = max_chars
        self._kept: OrderedDict[tuple[Hashable, ...], R] = OrderedDict()
        self._lock = threading.Lock()
        self.__doc__ = fn.__doc__
        self.__name__ = getattr(fn, "__name__", "memo")
        self.__wrapped__ = fn

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        key = self._key(args, kwargs)
        if key is None:
            return self.fn(*args, **kwargs)
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        result = self.fn(*args, **kwargs)
        with self._lock:
            self._kept[key] = result
            if len(self._kept) > self.maxsize:
                self._kept.popitem(last=False)
        return result

    def _key(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Hashable, ...] | None:
        """The key of a call, or None when a text is too long to remember."""
        key: list[Hashable] = []
        for name, value in (*((None, a) for a in args), *sorted(kwargs.items())):
            if name is not None:
                key += (_KEYWORD, name)  # never equal to a positional argument
            if isinstance(value, str):
                if len(value) > self.max_chars:
                    return None
                key.append(text_key(value))
            else:
                key.append(value)
        return tuple(key)

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


def text_memo(*, maxsize: int, max_chars: int) -> Callable[[Callable[P, R]], TextMemo[P, R]]:
    """Decorator: ``fn`` as a :class:`TextMemo` of ``maxsize`` results, texts of at most
    ``max_chars`` characters remembered."""

    def wrap(fn: Callable[P, R]) -> TextMemo[P, R]:
        return TextMemo(fn, maxsize, max_chars)

    return wrap
