"""Credentials never reach the logs."""

from __future__ import annotations

import logging

import pytest

from mailagent.logs import RedactSecrets


@pytest.mark.parametrize(
    "text",
    [
        "login failed password=hunter2 for sales",
        "AUTH PLAIN AGFnZW50AHB3",
        "Authorization: Bearer abc.def.ghi",
        "token: ya29.secretvalue",
    ],
)
def test_secret_values_are_masked(text: str) -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", (text,), None)
    RedactSecrets().filter(record)
    out = record.getMessage()
    assert "***" in out
    for secret in ("hunter2", "AGFnZW50AHB3", "abc.def.ghi", "ya29.secretvalue"):
        assert secret not in out


def test_plain_messages_untouched() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "stored %s", ("<a@b>",), None)
    RedactSecrets().filter(record)
    assert record.getMessage() == "stored <a@b>"
