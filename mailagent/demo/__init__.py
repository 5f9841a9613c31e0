"""Bundled demo data for ``mailagent demo``.

The export sales mailbox of a (fictional) Chinese PCB maker, Shenzhen Huaxin Circuit Technology
Co., Ltd.: raw ``.eml`` messages from customers in eight countries and the customer archive
(customers, contacts, orders, price list) they refer to. ``README.md`` next to this module is
the ground truth for every message (language, intent, thread, special MIME features).

This module only locates the files; it reads and writes nothing.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["archive_dir", "mail_dir"]


def _package_dir() -> Path:
    root = resources.files(__name__)
    if isinstance(root, Path):
        return root
    return Path(__file__).resolve().parent


def mail_dir() -> Path:
    """The folder holding the demo messages (``NNN-short-name.eml``, raw RFC 5322 bytes)."""
    return _package_dir() / "mail"


def archive_dir() -> Path:
    """The folder holding the demo archive: customers, contacts, orders and pricelist CSVs."""
    return _package_dir() / "archive"
