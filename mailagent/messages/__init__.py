"""Use cases over stored messages shared by the CLI and the web UI."""
