"""Give the fraud checks the bytes they need: stored archive attachments (to see whether
an archive is password-protected). Reads the blob store, so it lives outside ``stages/``.
"""

from __future__ import annotations

import dataclasses
import logging

from mailagent.db.blobstore import BlobStore
from mailagent.records import InboundMail

__all__ = ["ARCHIVE_SUFFIXES", "with_archive_payloads"]

log = logging.getLogger(__name__)

ARCHIVE_SUFFIXES = (".zip", ".rar", ".7z")
_HEAD = 8192  # the encryption flags sit in the first headers


def with_archive_payloads(mail: InboundMail, blobs: BlobStore) -> InboundMail:
    """``mail`` with the first bytes of each stored archive attachment filled in."""
    if not any(a.filename.lower().endswith(ARCHIVE_SUFFIXES) for a in mail.attachments):
        return mail
    filled = []
    for a in mail.attachments:
        if a.filename.lower().endswith(ARCHIVE_SUFFIXES) and not a.payload and not a.truncated:
            try:
                head = blobs.get_attachment(a.sha256)[:_HEAD]
            except OSError:
                log.warning("%s: attachment %s not readable", mail.message_id, a.sha256[:12])
                head = b""
            a = dataclasses.replace(a, payload=head)
        filled.append(a)
    return dataclasses.replace(mail, attachments=tuple(filled))
