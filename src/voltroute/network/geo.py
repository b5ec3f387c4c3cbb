"""Great-circle geometry on a spherical Earth, vectorised with numpy.

The sphere has the mean Earth radius R1 = 6,371,008.8 m (IUGG; Moritz, "Geodetic Reference
System 1980", Bulletin Géodésique 54, 1980). Against the WGS84 ellipsoid the haversine distance
is off by at most about 0.5 %, well inside the error of a road-distance estimate by circuity.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius R1 (IUGG), metres."""

# Rows of the pairwise matrix computed at once: bounds the temporaries to ~ _BLOCK_ELEMENTS floats.
_BLOCK_ELEMENTS = 4_000_000


def haversine_m(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> np.ndarray:
    """Great-circle distance in metres between points given in degrees; arguments broadcast.

    Uses the haversine formula, which is accurate for small distances too (no arccos of a number
    close to 1).
    """
    phi1 = np.radians(np.asarray(lat1, dtype=np.float64))
    phi2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dphi = phi2 - phi1
    dlam = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    h = np.sin(dphi / 2.0) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def haversine_matrix_m(lats: ArrayLike, lons: ArrayLike) -> np.ndarray:
    """Pairwise great-circle distances (metres) between points given in degrees: an n×n array.

    Symmetric with an exact zero diagonal. Computed in row blocks so that memory beyond the result
    stays bounded for thousands of points.
    """
    lat = np.radians(np.asarray(lats, dtype=np.float64).ravel())
    lon = np.radians(np.asarray(lons, dtype=np.float64).ravel())
    if lat.shape != lon.shape:
        raise ValueError(f"lats ({lat.size}) and lons ({lon.size}) must have the same length")
    n = lat.size
    out = np.empty((n, n), dtype=np.float64)
    if n == 0:
        return out
    cos_lat = np.cos(lat)
    step = max(1, _BLOCK_ELEMENTS // n)
    for r0 in range(0, n, step):
        r1 = min(n, r0 + step)
        h = np.sin((lat[None, :] - lat[r0:r1, None]) / 2.0) ** 2
        h += (cos_lat[r0:r1, None] * cos_lat[None, :]) * np.sin(
            (lon[None, :] - lon[r0:r1, None]) / 2.0
        ) ** 2
        np.clip(h, 0.0, 1.0, out=h)
        np.sqrt(h, out=h)
        np.arcsin(h, out=h)
        h *= 2.0 * EARTH_RADIUS_M
        out[r0:r1] = h
    np.fill_diagonal(out, 0.0)
    # Both triangles come from the same formula with the arguments swapped; make them identical.
    out = np.minimum(out, out.T)
    return out


def unit_sphere_xyz(lats: ArrayLike, lons: ArrayLike) -> np.ndarray:
    """Earth-centred Cartesian coordinates (metres, on the sphere of radius ``EARTH_RADIUS_M``).

    The straight-line (chord) distance between two such points grows monotonically with their
    great-circle distance, so a k-d tree over these coordinates finds the great-circle nearest
    neighbour exactly, anywhere on Earth (no projection zone, no antimeridian problem).
    """
    phi = np.radians(np.asarray(lats, dtype=np.float64).ravel())
    lam = np.radians(np.asarray(lons, dtype=np.float64).ravel())
    cos_phi = np.cos(phi)
    return EARTH_RADIUS_M * np.column_stack(
        (cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi))
    )
