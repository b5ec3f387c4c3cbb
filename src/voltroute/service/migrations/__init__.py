"""Alembic migrations of the service database (run by :func:`voltroute.service.db.migrate`)."""
