"""Great-circle distances against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from voltroute.network.geo import (
    EARTH_RADIUS_M,
    haversine_m,
    haversine_matrix_m,
    unit_sphere_xyz,
)


def test_one_degree_of_meridian_is_pi_r_over_180() -> None:
    # On a sphere of radius R one degree of latitude is pi * R / 180 = 111,195.08 m.
    assert haversine_m(10.0, 5.0, 11.0, 5.0) == pytest.approx(
        math.pi * EARTH_RADIUS_M / 180, rel=1e-12
    )
    assert haversine_m(0.0, 0.0, 90.0, 0.0) == pytest.approx(
        math.pi * EARTH_RADIUS_M / 2, rel=1e-12
    )


def test_antipodes_are_half_a_circumference_apart() -> None:
    assert haversine_m(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_RADIUS_M, rel=1e-12)


def test_helsinki_tallinn() -> None:
    # City centres as given by Wikipedia: Helsinki 60°10'15"N 24°56'15"E, Tallinn 59°26'14"N
    # 24°44'43"E. By hand (equirectangular, fine at this range): dphi = -0.7336° = -0.012804 rad,
    # dlambda = -0.1922° = -0.0033545 rad, cos(mean lat 59.80°) = 0.50289, so
    # d = R * sqrt((0.0033545 * 0.50289)^2 + 0.012804^2) = 6,371,008.8 m * 0.0129146 = 82.28 km
    # (the Gulf of Finland crossing usually quoted as "about 80 km").
    d = haversine_m(60.1708, 24.9375, 59.4372, 24.7453)
    assert d == pytest.approx(82_280, abs=60)


def test_broadcasting_and_symmetry() -> None:
    lats = np.array([60.17, 59.44, 42.5])
    lons = np.array([24.94, 24.75, 1.52])
    d = haversine_m(lats[:, None], lons[:, None], lats[None, :], lons[None, :])
    assert d.shape == (3, 3)
    np.testing.assert_allclose(d, d.T)
    np.testing.assert_allclose(np.diag(d), 0.0, atol=1e-9)


def test_matrix_matches_pairwise_calls_and_has_zero_diagonal() -> None:
    rng = np.random.default_rng(1)
    lats = rng.uniform(-60, 60, 300)
    lons = rng.uniform(-180, 180, 300)
    m = haversine_matrix_m(lats, lons)
    ref = haversine_m(lats[:, None], lons[:, None], lats[None, :], lons[None, :])
    np.testing.assert_allclose(m, ref, rtol=1e-12, atol=1e-6)
    assert np.all(np.diag(m) == 0.0)
    assert np.array_equal(m, m.T)


def test_matrix_of_nothing_and_mismatched_input() -> None:
    assert haversine_matrix_m([], []).shape == (0, 0)
    with pytest.raises(ValueError, match="same length"):
        haversine_matrix_m([1.0, 2.0], [1.0])


def test_chord_distance_orders_like_great_circle() -> None:
    rng = np.random.default_rng(2)
    lat, lon = rng.uniform(-80, 80, 200), rng.uniform(-180, 180, 200)
    xyz = unit_sphere_xyz(lat, lon)
    chord = np.linalg.norm(xyz - xyz[0], axis=1)
    great = haversine_m(lat[0], lon[0], lat, lon)
    assert np.array_equal(np.argsort(chord, kind="stable"), np.argsort(great, kind="stable"))
