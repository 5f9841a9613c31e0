"""The export-sales follow-up engine (issue 14).

Pure planning modules (``rules``, ``workdays``, ``localtime``, ``silence``, ``ladder``,
``occasions``) decide over typed frozen records and a ``now`` they are given; ``service``,
``ledger``, ``greetings`` and ``imapflags`` are the effects around them (store, drafts, IMAP
flags). ``service.run_followups(app, now)`` is the periodic job.
"""
