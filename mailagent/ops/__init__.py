"""Operating mailagent: health and readiness, Prometheus metrics, backup/restore, retention."""
