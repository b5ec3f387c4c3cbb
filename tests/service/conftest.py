"""Fixtures of the service tests (defined in service_support.py, shared with the test modules)."""

from service_support import road_cache, server_factory

__all__ = ["road_cache", "server_factory"]
