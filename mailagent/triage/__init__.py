"""Deciding about a stored message: the pipeline, its worker, rules and the intent model."""
