"""Raw RFC 5322 bytes to typed records: MIME parts, charsets, HTML, quoting, auto-replies."""
