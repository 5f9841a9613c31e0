"""Getting mail in: IMAP (auth, IDLE), file sources, the importer and the capture stage."""
