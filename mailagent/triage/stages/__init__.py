"""Pipeline stages: one pure module (or package) per stage; the order is in ``pipeline``."""
