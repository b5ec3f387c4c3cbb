"""Contracted fastest-path search against plain Dijkstra on synthetic road graphs.

Times and lengths are small integers, so every sum is exact in floating point and the reference,
scipy's Dijkstra on the packed weight time * 2**20 + length, finds exactly the fastest-then-
shortest path that the compiled engine reports.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from voltroute.network import RoadNetwork
from voltroute.network.graph import contract, expand_path, query_graph, tree_predecessors

PACK = float(2**20)


def road_graph(seed: int, size: int = 6) -> RoadNetwork:
    """A grid of junctions joined by chains of 0-4 shape nodes, some one-way, plus oddities:
    parallel roads, a one-way and a two-way loop back to the same junction, a dead-end spur,
    a self-loop and a duplicated edge."""
    rng = np.random.default_rng(seed)
    lat: list[float] = []
    lon: list[float] = []
    tail: list[int] = []
    head: list[int] = []
    times: list[float] = []
    lengths: list[float] = []

    def node(y: float, x: float) -> int:
        lat.append(60.0 + y * 1e-3)
        lon.append(25.0 + x * 1e-3)
        return len(lat) - 1

    def edge(a: int, b: int) -> None:
        tail.append(a)
        head.append(b)
        times.append(float(rng.integers(1, 10)))
        lengths.append(float(rng.integers(1, 21)))

    def road(a: int, b: int, shape: int, direction: str) -> None:
        ya, xa, yb, xb = lat[a], lon[a], lat[b], lon[b]
        seq = [a]
        for k in range(shape):
            f = (k + 1) / (shape + 1)
            seq.append(
                node((ya + f * (yb - ya) - 60.0) * 1e3 + 0.1, (xa + f * (xb - xa) - 25.0) * 1e3)
            )
        seq.append(b)
        for u, v in zip(seq[:-1], seq[1:], strict=True):
            if direction in ("both", "fwd"):
                edge(u, v)
            if direction in ("both", "bwd"):
                edge(v, u)

    grid = [[node(i, j) for j in range(size)] for i in range(size)]
    for i in range(size):
        for j in range(size):
            for di, dj in ((0, 1), (1, 0)):
                if i + di < size and j + dj < size:
                    direction = rng.choice(["both", "both", "both", "fwd", "bwd"])
                    road(grid[i][j], grid[i + di][j + dj], int(rng.integers(0, 5)), direction)
    a, b = grid[0][0], grid[0][1]
    road(a, b, 3, "both")  # a parallel road
    road(a, b, 0, "fwd")  # a parallel direct edge
    c = grid[1][1]
    loop = [node(1.3, 1.2), node(1.4, 1.1)]
    for u, v in zip([c, *loop], [*loop, c], strict=True):
        edge(u, v)  # one-way loop back to c
    loop2 = [node(1.5, 1.5), node(1.6, 1.4), node(1.7, 1.3)]
    for u, v in zip([c, *loop2], [*loop2, c], strict=True):
        edge(u, v)
        edge(v, u)  # two-way loop back to c
    spur = [node(2.2, 2.3), node(2.4, 2.5)]
    road(grid[2][2], spur[0], 0, "both")
    road(spur[0], spur[1], 0, "both")  # dead end
    edge(grid[-1][-1], grid[-1][-1])  # self-loop: dropped
    edge(grid[-1][-2], grid[-1][-1])  # parallel duplicate: the faster stays
    return RoadNetwork.from_directed_edges(lat, lon, tail, head, length_m=lengths, time_s=times)


def reference(net: RoadNetwork, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    packed = csr_matrix(
        (net.time_s * PACK + net.length_m, (net.tail, net.head)), shape=(net.num_nodes,) * 2
    )
    w = dijkstra(packed, indices=nodes)[:, nodes]
    t = np.floor(w / PACK)
    return t, w - t * PACK


@pytest.mark.parametrize("seed", range(6))
def test_contracted_equals_plain_dijkstra(seed: int) -> None:
    net = road_graph(seed)
    assert net.chains.num_core < net.num_nodes  # something was contracted
    _, labels = connected_components(net.graph_csr(), directed=True, connection="strong")
    assert labels.max() == 0
    nodes = np.arange(net.num_nodes)
    ref_t, ref_l = reference(net, nodes)
    t, ln = net.node_matrices(nodes, engine="numba")
    assert np.array_equal(t, ref_t)
    assert np.array_equal(ln, ref_l)
    t2, l2 = net.node_matrices(nodes, engine="scipy")
    assert np.array_equal(t2, ref_t)
    assert np.all(l2 >= ref_l)  # scipy: some fastest path, not always the shortest of them


@pytest.mark.parametrize("seed", range(3))
def test_subsets_and_repeats(seed: int) -> None:
    net = road_graph(seed, size=5)
    rng = np.random.default_rng(seed)
    nodes = rng.choice(net.num_nodes, 25)  # with repeats
    ref_t, ref_l = reference(net, nodes)
    for engine in ("numba", "scipy"):
        t, ln = net.node_matrices(nodes, engine=engine)
        assert np.array_equal(t, ref_t)
        if engine == "numba":
            assert np.array_equal(ln, ref_l)


def test_paths_expand_to_original_edges_with_the_matrix_time() -> None:
    net = road_graph(7)
    rng = np.random.default_rng(7)
    nodes = np.unique(rng.choice(net.num_nodes, 30, replace=False))
    qg = query_graph(net.chains, nodes)
    times, pred = tree_predecessors(qg, qg.node_of)
    edge_time = {
        (a, b): t
        for a, b, t in zip(net.tail.tolist(), net.head.tolist(), net.time_s.tolist(), strict=True)
    }
    t_ref, _ = reference(net, nodes)
    for r, s in enumerate(qg.node_of.tolist()):
        for j, target in enumerate(qg.node_of.tolist()):
            path = [target]
            while path[-1] != s:
                path.append(int(pred[r, path[-1]]))
            road = expand_path(net.chains, qg, path[::-1])
            assert road[0] == nodes[r] and road[-1] == nodes[j]
            total = sum(edge_time[(u, v)] for u, v in zip(road[:-1], road[1:], strict=True))
            assert total == t_ref[r, j]


@pytest.mark.parametrize("twoway", [False, True])
def test_ring_without_junctions(twoway: bool) -> None:
    n = 12
    ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
    tail = list(range(n))
    head = [(i + 1) % n for i in range(n)]
    if twoway:
        tail, head = tail + head, head + tail
    net = RoadNetwork.from_directed_edges(
        60 + 1e-3 * np.sin(ang),
        25 + 1e-3 * np.cos(ang),
        tail,
        head,
        speed_kph=np.full(len(tail), 30.0),
    )
    assert net.chains.num_core == 1  # one node promoted
    nodes = np.arange(n)
    t, ln = net.node_matrices(nodes)
    plain = dijkstra(net.graph_csr(), indices=nodes)
    np.testing.assert_allclose(t, plain, rtol=1e-12)
    np.testing.assert_allclose(ln, dijkstra(net.graph_csr("length"), indices=nodes), rtol=1e-12)


def test_contract_tiny_graphs() -> None:
    one = contract(
        1, np.array([], dtype=np.int64), np.array([], dtype=np.int64), np.array([]), np.array([])
    )
    assert one.num_core == 1 and one.num_chains == 0
    two = contract(
        2, np.array([0, 1]), np.array([1, 0]), np.array([1.0, 2.0]), np.array([3.0, 4.0])
    )
    assert two.num_core == 2 and two.num_chains == 2


def test_single_node_network_and_point_matrices() -> None:
    net = RoadNetwork.from_directed_edges([60.0], [25.0], [], [], time_s=[])
    m = net.matrices([60.0, 60.001], [25.0, 25.0])
    assert m.distance_m[0, 1] == pytest.approx(111.195, rel=1e-3)  # both on the one node: direct


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        RoadNetwork.from_directed_edges([0, 0], [0, 1], [0], [1])
    with pytest.raises(ValueError, match="node range"):
        RoadNetwork.from_directed_edges([0, 0], [0, 1], [0], [2], time_s=[1.0])
    with pytest.raises(ValueError, match="positive"):
        RoadNetwork.from_directed_edges([0, 0], [0, 1], [0], [1], speed_kph=[0.0])
    net = road_graph(0, size=3)
    with pytest.raises(ValueError, match="outside"):
        net.node_matrices([net.num_nodes])
    with pytest.raises(ValueError, match="engine"):
        net.node_matrices([0, 1], engine="fast")


def test_self_loops_dropped_and_fastest_parallel_edge_kept() -> None:
    net = RoadNetwork.from_directed_edges(
        [60.0, 60.001, 60.002, 61.0],
        [25.0, 25.0, 25.0, 25.0],
        [0, 0, 1, 1, 2, 0, 3],
        [1, 1, 0, 2, 1, 0, 0],
        time_s=[5.0, 3.0, 4.0, 1.0, 1.0, 1.0, 1.0],
        node_id=[10, 11, 12, 13],
    )
    assert net.num_nodes == 3  # node 13 only leads in: not strongly connected
    assert net.node_id.tolist() == [10, 11, 12]
    assert net.num_edges == 4
    t, _ = net.node_matrices([0, 1])
    assert t[0, 1] == 3.0


@pytest.mark.parametrize("seed", range(10))
def test_random_tangles_equal_plain_dijkstra(seed: int) -> None:
    """Random overlapping paths, one- and two-way: nodes of every in/out mix, shared chains."""
    rng = np.random.default_rng(100 + seed)
    n = 80
    tail: list[int] = []
    head: list[int] = []
    for _ in range(45):
        seq = rng.choice(n, int(rng.integers(2, 9)), replace=False).tolist()
        both = rng.random() < 0.6
        for u, v in zip(seq[:-1], seq[1:], strict=True):
            tail.append(u)
            head.append(v)
            if both:
                tail.append(v)
                head.append(u)
    times = rng.integers(0, 10, len(tail)).astype(float)  # zero-time edges too
    lengths = rng.integers(1, 30, len(tail)).astype(float)
    net = RoadNetwork.from_directed_edges(
        rng.uniform(59, 60, n), rng.uniform(24, 25, n), tail, head, length_m=lengths, time_s=times
    )
    nodes = np.arange(net.num_nodes)
    ref_t, ref_l = reference(net, nodes)
    t, ln = net.node_matrices(nodes, engine="numba")
    assert np.array_equal(t, ref_t)
    assert np.array_equal(ln, ref_l)
    t2, _ = net.node_matrices(nodes, engine="scipy")
    assert np.array_equal(t2, ref_t)
