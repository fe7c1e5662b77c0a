"""Persistence: SQLAlchemy tables (rows, not domain classes), repositories, unit of work."""
