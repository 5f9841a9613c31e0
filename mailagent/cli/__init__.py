"""Command-line interface: one module per command group; ``main`` is the entry point."""
