"""The store: SQLAlchemy models, engine/session factory, named queries and migrations."""
