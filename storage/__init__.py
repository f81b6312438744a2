"""Persistence: SQLAlchemy 2 (async) tables, the Store implementation and Alembic migrations."""
