"""Travel distances and times: great-circle and planar matrices, and OpenStreetMap road networks.

Imports only :mod:`voltroute.model` of ours (plus numpy, scipy and, when reading a file, pyrosm).
"""

from voltroute.network.geo import EARTH_RADIUS_M, haversine_m, haversine_matrix_m
from voltroute.network.matrices import matrices_from_locations, travel_matrices
from voltroute.network.osm import DEFAULT_ACCESS_SPEED_KPH, RoadNetwork
from voltroute.network.speeds import edge_speed_kph, parse_maxspeed

__all__ = [
    "DEFAULT_ACCESS_SPEED_KPH",
    "EARTH_RADIUS_M",
    "RoadNetwork",
    "edge_speed_kph",
    "haversine_m",
    "haversine_matrix_m",
    "matrices_from_locations",
    "parse_maxspeed",
    "travel_matrices",
]
