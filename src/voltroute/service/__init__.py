"""The operations service: a REST API over plans kept in a database, solved in worker processes.

Start it with ``voltroute serve``; build it in code with :func:`voltroute.service.app.create_app`.
See docs/service.md for the API contract.
"""
