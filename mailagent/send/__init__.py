"""Sending approved drafts: the outbox state machine and the SMTP edge."""
