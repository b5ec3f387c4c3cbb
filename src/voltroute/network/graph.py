"""Fastest paths on a road graph whose chains of pass-through nodes are contracted.

Most nodes of an OpenStreetMap road graph only shape a road: a node with one way in and one way
out (on a one-way road), or with the same two neighbours in and out (on a two-way road). Such
*pass-through* nodes lie on *chains* between *core* nodes (junctions, dead ends, changes of
direction rules). The core graph keeps one edge per chain and direction, with the summed travel
time and length, so a shortest-path search touches about a tenth of the nodes.

A query (a set of road nodes to connect) usually includes pass-through nodes. Those split their
chains: for one query the graph is the core graph with each affected chain replaced by its pieces
between consecutive query nodes (:func:`query_graph`). Every path of the original graph between
query or core nodes is a path of this graph with the same time and length, and vice versa, so
distances are exact (up to the order of floating-point additions).

Dijkstra's algorithm runs on the query graph (scipy); the length of each time-shortest path comes
from the shortest-path tree by pointer doubling (:func:`fastest_paths`).

Every edge of the core and query graphs is a piece of one chain, from one position to another
(a plain edge between two core nodes is a chain of one edge), so a path of the query graph
expands back to the original nodes it runs through (:func:`expand_path`).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import accumulate

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

_NO_PRED = -9999  # scipy's predecessor value for the source and unreachable nodes

# Rows (sources) × columns (query-graph nodes) handled in one Dijkstra batch: bounds the memory
# of the distance, predecessor and length arrays (about 40 bytes per element in all).
BATCH_ELEMENTS = 12_000_000


@dataclass(frozen=True, eq=False)
class Chains:
    """The contraction of a directed road graph into core nodes and chains.

    Arrays over chain positions (``chain_nodes``, ``cum_*``) are concatenated per chain;
    ``chain_ptr[c]:chain_ptr[c + 1]`` are chain ``c``'s positions, from its first core node to its
    last. ``cum_fwd_*`` run from the first node (0) forwards; ``cum_bwd_*`` from the last node (0)
    backwards, NaN on one-way chains.
    """

    num_nodes: int
    core_nodes: np.ndarray  # int64, original index of each core node
    core_of: np.ndarray  # int64 per node: core id, or -1 for a pass-through node
    chain_ptr: np.ndarray  # int64, C + 1
    chain_nodes: np.ndarray  # int64, original node at each position
    chain_twoway: np.ndarray  # bool per chain
    cum_fwd_t: np.ndarray
    cum_fwd_l: np.ndarray
    cum_bwd_t: np.ndarray
    cum_bwd_l: np.ndarray
    node_chain: np.ndarray  # int64 per node: chain of a pass-through node, -1 for core nodes
    node_pos: np.ndarray  # int64 per node: position in its chain, -1 for core nodes

    @property
    def num_core(self) -> int:
        return int(self.core_nodes.size)

    @property
    def num_chains(self) -> int:
        return int(self.chain_twoway.size)

    def arrays(self) -> dict[str, np.ndarray]:
        """All arrays by field name (for saving); ``Chains(**arrays)`` restores it."""
        out = {k: v for k, v in self.__dict__.items() if isinstance(v, np.ndarray)}
        out["num_nodes"] = np.asarray(self.num_nodes)
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Chains:
        kw = {k: np.asarray(arrays[k]) for k in cls.__dataclass_fields__ if k != "num_nodes"}
        return cls(num_nodes=int(arrays["num_nodes"]), **kw)

    def core_edges(self) -> tuple[np.ndarray, ...]:
        """Core-graph edges, one per chain and direction, not deduplicated:
        (tail core id, head core id, time, length, chain, from position, to position)."""
        ptr = self.chain_ptr
        first, last = ptr[:-1], ptr[1:] - 1
        k = last - first
        a = self.core_of[self.chain_nodes[first]]
        b = self.core_of[self.chain_nodes[last]]
        chains = np.arange(self.num_chains, dtype=np.int64)
        tw = self.chain_twoway
        zeros = np.zeros(int(tw.sum()), dtype=np.int64)
        return (
            np.concatenate([a, b[tw]]),
            np.concatenate([b, a[tw]]),
            np.concatenate([self.cum_fwd_t[last], self.cum_bwd_t[first[tw]]]),
            np.concatenate([self.cum_fwd_l[last], self.cum_bwd_l[first[tw]]]),
            np.concatenate([chains, chains[tw]]),
            np.concatenate([np.zeros_like(k), k[tw]]),
            np.concatenate([k, zeros]),
        )


def contract(
    num_nodes: int, tail: np.ndarray, head: np.ndarray, time_s: np.ndarray, length_m: np.ndarray
) -> Chains:
    """Contract the pass-through nodes of a directed graph into chains.

    The edges (``tail`` → ``head``) must have no self-loops and no parallel edges. A node is
    pass-through when it has exactly one edge in and one out, from and to different nodes
    (one-way road), or exactly two in and two out with the same two neighbours (two-way road).
    A cycle made only of pass-through nodes gets one of its nodes promoted to core.
    """
    n = int(num_nodes)
    tail = np.asarray(tail, dtype=np.int64)
    head = np.asarray(head, dtype=np.int64)
    order = np.lexsort((head, tail))
    tail, head = tail[order], head[order]
    t = np.asarray(time_s, dtype=np.float64)[order]
    ln = np.asarray(length_m, dtype=np.float64)[order]
    outdeg = np.bincount(tail, minlength=n)
    out_ptr = np.concatenate([[0], np.cumsum(outdeg)])
    in_order = np.lexsort((tail, head))
    indeg = np.bincount(head, minlength=n)
    in_ptr = np.concatenate([[0], np.cumsum(indeg)])
    in_src = tail[in_order]

    def nbr(ptr: np.ndarray, idx: np.ndarray, deg: np.ndarray, j: int) -> np.ndarray:
        pos = np.minimum(ptr[:-1] + j, max(idx.size - 1, 0))
        vals = idx[pos] if idx.size else np.zeros(n, dtype=np.int64)
        return np.where(deg > j, vals, -1)

    out0, out1 = nbr(out_ptr, head, outdeg, 0), nbr(out_ptr, head, outdeg, 1)
    in0, in1 = nbr(in_ptr, in_src, indeg, 0), nbr(in_ptr, in_src, indeg, 1)
    oneway_pass = (indeg == 1) & (outdeg == 1) & (in0 != out0)
    twoway_pass = (indeg == 2) & (outdeg == 2) & (in0 == out0) & (in1 == out1)
    is_pass = (oneway_pass | twoway_pass).tolist()
    is_twoway = twoway_pass.tolist()

    # Python lists: the walk below touches every node once and list indexing is fastest there.
    optr = out_ptr.tolist()
    ohead = head.tolist()
    ot = t.tolist()
    ol = ln.tolist()
    visited = [False] * n

    def edge(u: int, v: int) -> int:
        for e in range(optr[u], optr[u + 1]):
            if ohead[e] == v:
                return e
        raise AssertionError(f"missing edge {u}->{v}")  # pragma: no cover

    seqs: list[list[int]] = []
    fwd_t: list[list[float]] = []
    fwd_l: list[list[float]] = []
    bwd_t: list[list[float] | None] = []
    bwd_l: list[list[float] | None] = []

    def walk_from(a: int) -> None:
        for e in range(optr[a], optr[a + 1]):
            x = ohead[e]
            seq = [a, x]
            ft, fl = [ot[e]], [ol[e]]
            if not is_pass[x] or not is_twoway[x]:
                cur = x
                while is_pass[cur]:  # one-way pass-through: follow the only edge out
                    visited[cur] = True
                    e2 = optr[cur]
                    cur = ohead[e2]
                    seq.append(cur)
                    ft.append(ot[e2])
                    fl.append(ol[e2])
                bt = bl = None
            else:
                if visited[x]:
                    continue  # this two-way chain was walked from its other end
                back = edge(x, a)
                bt, bl = [ot[back]], [ol[back]]
                prev, cur = a, x
                while is_pass[cur]:
                    visited[cur] = True
                    e2 = optr[cur]
                    if ohead[e2] == prev:
                        e2 += 1
                    nxt = ohead[e2]
                    back = edge(nxt, cur)
                    seq.append(nxt)
                    ft.append(ot[e2])
                    fl.append(ol[e2])
                    bt.append(ot[back])
                    bl.append(ol[back])
                    prev, cur = cur, nxt
            seqs.append(seq)
            fwd_t.append(ft)
            fwd_l.append(fl)
            bwd_t.append(bt)
            bwd_l.append(bl)

    for a in range(n):
        if not is_pass[a]:
            walk_from(a)
    for a in range(n):  # cycles of pass-through nodes only: promote one node to core
        if is_pass[a] and not visited[a]:
            is_pass[a] = False
            visited[a] = True
            walk_from(a)

    core_mask = ~np.asarray(is_pass, dtype=bool) if n else np.zeros(0, dtype=bool)
    core_nodes = np.flatnonzero(core_mask).astype(np.int64)
    core_of = np.full(n, -1, dtype=np.int64)
    core_of[core_nodes] = np.arange(core_nodes.size, dtype=np.int64)

    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    chain_ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    total = int(chain_ptr[-1])
    chain_nodes = np.fromiter((v for s in seqs for v in s), dtype=np.int64, count=total)

    def cumulative(parts: list[list[float]]) -> np.ndarray:
        return np.fromiter(
            (x for p in parts for x in accumulate(p, initial=0.0)), dtype=np.float64, count=total
        )

    def cumulative_back(parts: list[list[float] | None], sizes: np.ndarray) -> np.ndarray:
        def gen():
            for p, size in zip(parts, sizes.tolist(), strict=True):
                if p is None:
                    yield from [np.nan] * size
                else:
                    yield from reversed(list(accumulate(reversed(p), initial=0.0)))

        return np.fromiter(gen(), dtype=np.float64, count=total)

    twoway = np.array([b is not None for b in bwd_t], dtype=bool)
    node_chain = np.full(n, -1, dtype=np.int64)
    node_pos = np.full(n, -1, dtype=np.int64)
    chain_of_pos = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
    pos_in_chain = np.arange(total, dtype=np.int64) - np.repeat(chain_ptr[:-1], lengths)
    interior = (pos_in_chain > 0) & (pos_in_chain < np.repeat(lengths, lengths) - 1)
    node_chain[chain_nodes[interior]] = chain_of_pos[interior]
    node_pos[chain_nodes[interior]] = pos_in_chain[interior]
    return Chains(
        num_nodes=n,
        core_nodes=core_nodes,
        core_of=core_of,
        chain_ptr=chain_ptr,
        chain_nodes=chain_nodes,
        chain_twoway=twoway,
        cum_fwd_t=cumulative(fwd_t),
        cum_fwd_l=cumulative(fwd_l),
        cum_bwd_t=cumulative_back(bwd_t, lengths),
        cum_bwd_l=cumulative_back(bwd_l, lengths),
        node_chain=node_chain,
        node_pos=node_pos,
    )


@dataclass(frozen=True, eq=False)
class QueryGraph:
    """The core graph with the chains that hold query nodes split at them."""

    graph: csr_matrix  # travel times, rows = tails; entries ordered like the edge arrays
    length: np.ndarray  # per edge, aligned with graph.data
    tail: np.ndarray
    head: np.ndarray
    chain: np.ndarray  # per edge: the chain it is a piece of
    pos_from: np.ndarray  # per edge: chain position of its tail
    pos_to: np.ndarray  # per edge: chain position of its head
    node_of: np.ndarray  # query-graph id of each query node (in the order given)
    original: np.ndarray  # original node of each query-graph node

    @property
    def num_nodes(self) -> int:
        return int(self.graph.shape[0])


def query_graph(chains: Chains, nodes: np.ndarray) -> QueryGraph:
    """The query graph for a set of original ``nodes`` (distinct)."""
    nodes = np.asarray(nodes, dtype=np.int64).ravel()
    if np.unique(nodes).size != nodes.size:
        raise ValueError("query nodes must be distinct")
    ncore = chains.num_core
    node_of = chains.core_of[nodes].copy()
    inner = np.flatnonzero(node_of < 0)
    c_in = chains.node_chain[nodes[inner]]
    k_in = chains.node_pos[nodes[inner]]
    node_of[inner] = ncore + np.arange(inner.size, dtype=np.int64)
    original = np.concatenate([chains.core_nodes, nodes[inner]])

    a, b, t, ln, ch, pf, pt = chains.core_edges()
    if inner.size:
        split = np.unique(c_in)
        keep = ~np.isin(ch, split)
        a, b, t, ln, ch, pf, pt = (x[keep] for x in (a, b, t, ln, ch, pf, pt))
        ptr = chains.chain_ptr
        ends = ptr[split + 1] - ptr[split] - 1
        pc = np.concatenate([c_in, split, split])
        pk = np.concatenate([k_in, np.zeros_like(split), ends])
        pid = np.concatenate(
            [
                node_of[inner],
                chains.core_of[chains.chain_nodes[ptr[split]]],
                chains.core_of[chains.chain_nodes[ptr[split + 1] - 1]],
            ]
        )
        order = np.lexsort((pk, pc))
        pc, pk, pid = pc[order], pk[order], pid[order]
        seg = np.flatnonzero(pc[:-1] == pc[1:])  # consecutive points of one chain
        sc, k0, k1 = pc[seg], pk[seg], pk[seg + 1]
        i0, i1 = ptr[sc] + k0, ptr[sc] + k1
        fa, fb = pid[seg], pid[seg + 1]
        tw = chains.chain_twoway[sc]
        new = (
            np.concatenate([fa, fb[tw]]),
            np.concatenate([fb, fa[tw]]),
            np.concatenate(
                [
                    chains.cum_fwd_t[i1] - chains.cum_fwd_t[i0],
                    chains.cum_bwd_t[i0[tw]] - chains.cum_bwd_t[i1[tw]],
                ]
            ),
            np.concatenate(
                [
                    chains.cum_fwd_l[i1] - chains.cum_fwd_l[i0],
                    chains.cum_bwd_l[i0[tw]] - chains.cum_bwd_l[i1[tw]],
                ]
            ),
            np.concatenate([sc, sc[tw]]),
            np.concatenate([k0, k1[tw]]),
            np.concatenate([k1, k0[tw]]),
        )
        a, b, t, ln, ch, pf, pt = (
            np.concatenate([x, y]) for x, y in zip((a, b, t, ln, ch, pf, pt), new, strict=True)
        )

    # One edge per (tail, head): the fastest, then the shortest.
    order = np.lexsort((ln, t, b, a))
    a, b, t, ln, ch, pf, pt = (x[order] for x in (a, b, t, ln, ch, pf, pt))
    first = np.ones(a.size, dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b, t, ln, ch, pf, pt = (x[first] for x in (a, b, t, ln, ch, pf, pt))
    nq = ncore + inner.size
    indptr = np.concatenate([[0], np.cumsum(np.bincount(a, minlength=nq))])
    graph = csr_matrix((t, b, indptr), shape=(nq, nq))
    return QueryGraph(
        graph=graph,
        length=ln,
        tail=a,
        head=b,
        chain=ch,
        pos_from=pf,
        pos_to=pt,
        node_of=node_of,
        original=original,
    )


def _tree_edge_lengths(qg: QueryGraph, pred: np.ndarray) -> np.ndarray:
    """Length of the tree edge into each node: ``out[s, v]`` = length(pred[s, v] → v), 0 at roots.

    The edges into each node are numbered; slot ``j`` compares every predecessor with the tail of
    the ``j``-th edge in, over all columns while most nodes have that many edges in, else over
    the few that do.
    """
    n = qg.num_nodes
    out = np.zeros(pred.shape, dtype=np.float64)
    indeg = np.bincount(qg.head, minlength=n)
    in_order = np.lexsort((qg.tail, qg.head))
    in_ptr = np.concatenate([[0], np.cumsum(indeg)])
    last = max(in_order.size - 1, 0)
    for j in range(int(indeg.max(initial=0))):
        has = indeg > j
        if 4 * int(has.sum()) > n:
            e = in_order[np.minimum(in_ptr[:-1] + j, last)]
            tails = np.where(has, qg.tail[e], -1).astype(pred.dtype)
            out += (pred == tails[None, :]) * np.where(has, qg.length[e], 0.0)[None, :]
        else:
            cols = np.flatnonzero(has)
            e = in_order[in_ptr[cols] + j]
            hit = pred[:, cols] == qg.tail[e][None, :]
            out[:, cols] += np.where(hit, qg.length[e][None, :], 0.0)
    return out


def _path_lengths(qg: QueryGraph, sources: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Length of the tree path from each row's source to every node, by pointer doubling.

    ``jump[v]`` starts as the predecessor of ``v`` and ``length[v]`` as the edge from it; each
    round adds the length from the jump target and doubles the jump, until every pointer is at
    its root: log2(depth of the tree) rounds of vectorised gathers.
    """
    rows, n = pred.shape
    idx = np.dtype(np.int32) if rows * n < 2**31 else np.dtype(np.int64)
    jump: np.ndarray = pred.astype(idx)
    root = np.broadcast_to(np.asarray(sources, dtype=idx)[:, None], jump.shape)
    at_root = jump < 0
    jump[at_root] = root[at_root]
    jump += (np.arange(rows, dtype=idx) * n)[:, None]  # flat indices
    jump = jump.ravel()
    length = _tree_edge_lengths(qg, pred).ravel()
    nxt = np.empty_like(jump)
    gathered = np.empty_like(length)
    while True:
        np.take(jump, jump, out=nxt)
        if np.array_equal(nxt, jump):
            break
        np.take(length, jump, out=gathered)
        length += gathered
        jump, nxt = nxt, jump
    return length.reshape(rows, n)


def _kernel():  # the compiled kernel, or None when numba is unavailable
    global _KERNEL
    if _KERNEL is None:
        try:
            from voltroute.network._kernels import dijkstra_rows
        except ImportError:  # pragma: no cover - numba is a dependency
            _KERNEL = False
        else:
            _KERNEL = dijkstra_rows
    return _KERNEL or None


_KERNEL = None
ENGINES = ("auto", "numba", "scipy")


def _engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if engine == "auto":
        return "numba" if _kernel() is not None else "scipy"
    if engine == "numba" and _kernel() is None:
        raise ImportError("engine 'numba' needs the numba package")
    return engine


def _run_kernel(
    qg: QueryGraph, sources: np.ndarray, targets: np.ndarray, pred: np.ndarray | None, threads: int
) -> tuple[np.ndarray, np.ndarray]:
    kernel = _kernel()
    g = qg.graph
    indptr = g.indptr.astype(np.int64)
    indices = g.indices.astype(np.int64)
    times = np.empty((sources.size, targets.size))
    lengths = np.empty((sources.size, targets.size))
    pred_arr = pred if pred is not None else np.empty((0, 0), dtype=np.int64)

    def run(lo: int, hi: int) -> None:
        kernel(
            indptr, indices, g.data, qg.length, sources[lo:hi], targets,
            times[lo:hi], lengths[lo:hi], pred_arr[lo:hi] if pred is not None else pred_arr,
        )  # fmt: skip

    work = sources.size * (g.nnz + qg.num_nodes)
    threads = max(1, min(threads, sources.size))
    if threads == 1 or work < 200_000:
        run(0, sources.size)
    else:
        bounds = np.linspace(0, sources.size, threads + 1).astype(int).tolist()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(run, bounds[:-1], bounds[1:]))
    return times, lengths


def default_threads() -> int:
    """Threads for the compiled kernel: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def fastest_paths(
    qg: QueryGraph,
    sources: np.ndarray,
    targets: np.ndarray,
    *,
    engine: str = "auto",
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Travel time and length of the fastest path from each source to each target.

    ``sources`` and ``targets`` are query-graph node ids. Returns two arrays of shape
    (len(sources), len(targets)); ``inf`` where a target cannot be reached. ``engine``:
    ``numba`` (compiled Dijkstra on (time, length) labels, sources split over ``threads``),
    ``scipy`` (scipy's Dijkstra on time, lengths from its predecessor trees; of equally fast
    paths it may report any), or ``auto`` (numba when installed).
    """
    sources = np.asarray(sources, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    if _engine(engine) == "numba":
        return _run_kernel(qg, sources, targets, None, threads or default_threads())
    times = np.empty((sources.size, targets.size))
    lengths = np.empty((sources.size, targets.size))
    batch = max(1, BATCH_ELEMENTS // max(qg.num_nodes, 1))
    for s0 in range(0, sources.size, batch):
        src = sources[s0 : s0 + batch]
        dist, pred = dijkstra(qg.graph, directed=True, indices=src, return_predecessors=True)
        full = _path_lengths(qg, src, pred)
        reached = np.isfinite(dist[:, targets])
        times[s0 : s0 + src.size] = dist[:, targets]
        lengths[s0 : s0 + src.size] = np.where(reached, full[:, targets], np.inf)
    return times, lengths


def tree_predecessors(
    qg: QueryGraph, sources: np.ndarray, *, engine: str = "auto"
) -> tuple[np.ndarray, np.ndarray]:
    """Times from ``sources`` (query-graph ids) to all nodes, and the predecessor of each node on
    the fastest path (negative at the source and where unreachable); the same paths as
    :func:`fastest_paths` with the same engine."""
    sources = np.asarray(sources, dtype=np.int64)
    if _engine(engine) == "numba":
        pred = np.empty((sources.size, qg.num_nodes), dtype=np.int64)
        every = np.arange(qg.num_nodes, dtype=np.int64)
        times, _ = _run_kernel(qg, sources, every, pred, default_threads())
        return times, pred
    return dijkstra(qg.graph, directed=True, indices=sources, return_predecessors=True)


def expand_path(chains: Chains, qg: QueryGraph, qnodes: list[int]) -> list[int]:
    """The original nodes along a path of query-graph nodes (consecutive ones joined by edges)."""
    if not qnodes:
        return []
    out = [int(qg.original[qnodes[0]])]
    if len(qnodes) == 1:
        return out
    keys = qg.tail * qg.num_nodes + qg.head
    hops = np.asarray(qnodes[:-1], dtype=np.int64) * qg.num_nodes + np.asarray(qnodes[1:])
    idx = np.searchsorted(keys, hops)
    if np.any(idx >= keys.size) or np.any(keys[np.minimum(idx, keys.size - 1)] != hops):
        raise ValueError("consecutive query nodes are not joined by an edge")
    for e in idx.tolist():
        base = int(chains.chain_ptr[qg.chain[e]])
        k0, k1 = int(qg.pos_from[e]), int(qg.pos_to[e])
        if k1 >= k0:
            piece = chains.chain_nodes[base + k0 + 1 : base + k1 + 1]
        else:
            piece = chains.chain_nodes[base + k1 : base + k0][::-1]
        out.extend(piece.tolist())
    return out


def backtrack(pred_row: np.ndarray, source: int, target: int) -> list[int]:
    """Nodes of the tree path from ``source`` to ``target`` given one row of predecessors."""
    path = [int(target)]
    cur = int(target)
    while cur != source:
        cur = int(pred_row[cur])
        if cur < 0:
            raise ValueError(f"node {target} is not reachable from {source}")
        path.append(cur)
    path.reverse()
    return path
