"""Pipeline stages: one pure module per stage (see pipeline.py for the order)."""
