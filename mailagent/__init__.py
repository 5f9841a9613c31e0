"""mailagent: a correspondence assistant for export sales teams (version only; no side effects)."""

__version__ = "0.1.0"
