"""The background daemon: the main loop, the one job table and the scheduler."""
