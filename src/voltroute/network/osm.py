"""Road travel distances and times from an OpenStreetMap extract.

:class:`RoadNetwork` reads the drivable roads of an ``.osm.pbf`` file with pyrosm
(``network_type="driving"``: ways cars may use, without service roads and ways closed by access
tags), builds the directed graph of road segments, keeps its largest strongly connected component
(so every point can reach every other), and contracts pass-through nodes into chains
(:mod:`voltroute.network.graph`) for fast many-to-many fastest-path search.

Directions follow the ``oneway`` tag: ``yes``/``true``/``1`` forward only, ``-1``/``reverse``
backward only, ``reversible`` not used (its direction changes with the time of day), anything
else both ways; without a ``oneway`` tag, ``junction=roundabout``/``circular`` and
``highway=motorway``/``motorway_link`` are one-way (OSM wiki "Key:oneway", as OSRM's car
profile does). Speeds: :mod:`voltroute.network.speeds`. Segment lengths are great-circle
distances between consecutive way nodes; travel time = length / speed.

Points are snapped to the nearest road node; the straight gap between point and node counts as
driven at ``access_speed_kph`` at both ends of a trip (see :meth:`RoadNetwork.matrices`).

The graph and computed matrices are cached on disk in ``cache_dir`` when one is given.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from voltroute.model.problem import Matrices
from voltroute.network.geo import haversine_m, unit_sphere_xyz
from voltroute.network.graph import (
    Chains,
    backtrack,
    contract,
    expand_path,
    fastest_paths,
    query_graph,
    tree_predecessors,
)
from voltroute.network.speeds import (
    MAX_SPEED_KPH,
    MIN_SPEED_KPH,
    highway_speed_kph,
    parse_maxspeed,
)

__all__ = ["DEFAULT_ACCESS_SPEED_KPH", "RoadNetwork"]

FORMAT_VERSION = 1
"""Bump when the cached graph or matrices would change for the same input."""

DEFAULT_ACCESS_SPEED_KPH = 15.0
"""Speed over the gap between a point and its road node (driveway, yard, parking lot), km/h."""

DEFAULT_MAXSPEED_FACTOR = 0.8

_FORWARD = frozenset({"yes", "true", "1"})
_BACKWARD = frozenset({"-1", "reverse"})
_IMPLIED_ONEWAY_JUNCTION = frozenset({"roundabout", "circular"})
_IMPLIED_ONEWAY_HIGHWAY = frozenset({"motorway", "motorway_link"})


def file_key(path: Path) -> str:
    """sha256 of the file's bytes, with its size and modification time."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    st = path.stat()
    return f"{h.hexdigest()}-{st.st_size}-{st.st_mtime_ns}"


def _digest(*parts: Any) -> str:
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            h.update(str((part.dtype.str, part.shape)).encode())
            h.update(np.ascontiguousarray(part).tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write atomically: a reader sees the old file, no file, or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load_npz(path: Path) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, KeyError):
        return None  # missing, partial or foreign file: rebuild


class RoadNetwork:
    """A directed, strongly connected road graph with fast travel matrices between points.

    Nodes are numbered 0..num_nodes-1 (``node_lat``, ``node_lon``, ``node_id`` = OSM node id).
    Edges are directed road segments (``tail`` → ``head``) with ``length_m`` and ``time_s``.
    """

    def __init__(
        self,
        *,
        node_lat: np.ndarray,
        node_lon: np.ndarray,
        node_id: np.ndarray,
        tail: np.ndarray,
        head: np.ndarray,
        length_m: np.ndarray,
        time_s: np.ndarray,
        chains: Chains,
        key: str,
        cache_dir: str | Path | None = None,
        stats: dict[str, Any] | None = None,
    ) -> None:
        self.node_lat = node_lat
        self.node_lon = node_lon
        self.node_id = node_id
        self.tail = tail
        self.head = head
        self.length_m = length_m
        self.time_s = time_s
        self.chains = chains
        self.key = key
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.stats: dict[str, Any] = dict(stats or {})
        self._tree: cKDTree | None = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_pbf(
        cls,
        path: str | Path,
        *,
        cache_dir: str | Path | None = None,
        maxspeed_factor: float = DEFAULT_MAXSPEED_FACTOR,
    ) -> RoadNetwork:
        """Read the drivable road network of an OpenStreetMap ``.osm.pbf`` extract.

        With ``cache_dir`` the built graph is saved there (``roadnet-*.npz``), keyed by the
        file's sha256, size and modification time and the build settings, and loaded from there
        the next time instead of parsing the file again.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no OpenStreetMap extract at {path}")
        key = _digest("pbf", FORMAT_VERSION, file_key(path), float(maxspeed_factor))
        cache_file = None
        if cache_dir is not None:
            cache_file = Path(cache_dir) / f"roadnet-{path.name.split('.')[0]}-{key[:20]}.npz"
            t0 = time.perf_counter()
            arrays = _load_npz(cache_file)
            if arrays is not None:
                net = cls._from_arrays(arrays, cache_dir=Path(cache_dir))
                if net.key == key:
                    net.stats["loaded_from_cache_s"] = time.perf_counter() - t0
                    return net
        t0 = time.perf_counter()
        lat, lon, osm_id, tail, head, length, speed = read_pbf_edges(path, maxspeed_factor)
        parse_s = time.perf_counter() - t0
        net = cls.from_directed_edges(
            lat,
            lon,
            tail,
            head,
            length_m=length,
            speed_kph=speed,
            node_id=osm_id,
            key=key,
            cache_dir=cache_dir,
        )
        net.stats["parse_s"] = parse_s
        net.stats["source"] = str(path)
        if cache_file is not None:
            _save_npz(cache_file, net._to_arrays())
        return net

    @classmethod
    def from_directed_edges(
        cls,
        lat: ArrayLike,
        lon: ArrayLike,
        tail: ArrayLike,
        head: ArrayLike,
        *,
        length_m: ArrayLike | None = None,
        speed_kph: ArrayLike | None = None,
        time_s: ArrayLike | None = None,
        node_id: ArrayLike | None = None,
        key: str | None = None,
        cache_dir: str | Path | None = None,
    ) -> RoadNetwork:
        """Build from nodes (degrees) and directed edges ``tail[i]`` → ``head[i]`` (node indices).

        ``length_m`` defaults to the great-circle distance between the end nodes; give either
        ``speed_kph`` or ``time_s``. Self-loops are dropped, of parallel edges the fastest is
        kept, and only the largest strongly connected component remains (nodes renumbered;
        ``node_id`` keeps the given ids, by default the input indices).
        """
        t0 = time.perf_counter()
        ys: np.ndarray = np.asarray(lat, dtype=np.float64).ravel()
        xs: np.ndarray = np.asarray(lon, dtype=np.float64).ravel()
        n = ys.size
        ids = np.arange(n, dtype=np.int64) if node_id is None else np.asarray(node_id, np.int64)
        a = np.asarray(tail, dtype=np.int64).ravel()
        b = np.asarray(head, dtype=np.int64).ravel()
        if xs.size != n or ids.size != n:
            raise ValueError("lat, lon and node_id must have the same length")
        if a.size != b.size:
            raise ValueError("tail and head must have the same length")
        if a.size and (min(a.min(), b.min()) < 0 or max(a.max(), b.max()) >= n):
            raise ValueError("edge end outside the node range")
        ln = (
            haversine_m(ys[a], xs[a], ys[b], xs[b])
            if length_m is None
            else np.asarray(length_m, dtype=np.float64).ravel()
        )
        if (speed_kph is None) == (time_s is None):
            raise ValueError("give exactly one of speed_kph and time_s")
        if time_s is None:
            speed = np.asarray(speed_kph, dtype=np.float64).ravel()
            if np.any(~np.isfinite(speed)) or np.any(speed <= 0):
                raise ValueError("speeds must be positive")
            t = ln / (speed / 3.6)
        else:
            t = np.asarray(time_s, dtype=np.float64).ravel()
        if ln.size != a.size or t.size != a.size:
            raise ValueError("one length and one speed or time per edge")
        if np.any(~np.isfinite(t)) or np.any(t < 0) or np.any(~np.isfinite(ln)) or np.any(ln < 0):
            raise ValueError("edge lengths and times must be finite and non-negative")
        raw_nodes, raw_edges = n, a.size

        # Drop self-loops; of parallel edges keep the fastest (then the shortest).
        loop = a == b
        a, b, ln, t = a[~loop], b[~loop], ln[~loop], t[~loop]
        order = np.lexsort((ln, t, b, a))
        a, b, ln, t = a[order], b[order], ln[order], t[order]
        first = np.ones(a.size, dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        a, b, ln, t = a[first], b[first], ln[first], t[first]

        # Largest strongly connected component.
        if n:
            g = csr_matrix((np.ones(a.size), (a, b)), shape=(n, n))
            _, label = connected_components(g, directed=True, connection="strong")
            keep = label == np.bincount(label).argmax()
        else:
            keep = np.zeros(0, dtype=bool)
        new_index = np.full(n, -1, dtype=np.int64)
        new_index[keep] = np.arange(int(keep.sum()), dtype=np.int64)
        inside = keep[a] & keep[b] if a.size else np.zeros(0, dtype=bool)
        a, b, ln, t = new_index[a[inside]], new_index[b[inside]], ln[inside], t[inside]
        ys, xs, ids = ys[keep], xs[keep], ids[keep]
        order = np.lexsort((b, a))
        a, b, ln, t = a[order], b[order], ln[order], t[order]

        t1 = time.perf_counter()
        chains = contract(ys.size, a, b, t, ln)
        t2 = time.perf_counter()
        if key is None:
            key = _digest("edges", FORMAT_VERSION, ys, xs, a, b, ln, t)
        stats = {
            "raw_nodes": raw_nodes,
            "raw_edges": raw_edges,
            "nodes": int(ys.size),
            "edges": int(a.size),
            "core_nodes": chains.num_core,
            "chains": chains.num_chains,
            "build_s": t2 - t0,
            "contract_s": t2 - t1,
        }
        return cls(
            node_lat=ys, node_lon=xs, node_id=ids, tail=a, head=b, length_m=ln, time_s=t,
            chains=chains, key=key, cache_dir=cache_dir, stats=stats,
        )  # fmt: skip

    def _to_arrays(self) -> dict[str, np.ndarray]:
        arrays = {
            "node_lat": self.node_lat,
            "node_lon": self.node_lon,
            "node_id": self.node_id,
            "tail": self.tail,
            "head": self.head,
            "length_m": self.length_m,
            "time_s": self.time_s,
            "meta": np.asarray(json.dumps({"key": self.key, "stats": self.stats}, default=str)),
        }
        arrays.update({f"chains__{k}": v for k, v in self.chains.arrays().items()})
        return arrays

    @classmethod
    def _from_arrays(cls, arrays: dict[str, np.ndarray], cache_dir: Path | None) -> RoadNetwork:
        meta = json.loads(str(arrays["meta"]))
        chains = Chains.from_arrays(
            {k.removeprefix("chains__"): v for k, v in arrays.items() if k.startswith("chains__")}
        )
        return cls(
            node_lat=arrays["node_lat"], node_lon=arrays["node_lon"], node_id=arrays["node_id"],
            tail=arrays["tail"], head=arrays["head"], length_m=arrays["length_m"],
            time_s=arrays["time_s"], chains=chains, key=meta["key"], cache_dir=cache_dir,
            stats=meta.get("stats", {}),
        )  # fmt: skip

    # ------------------------------------------------------------------ basic facts
    @property
    def num_nodes(self) -> int:
        return int(self.node_lat.size)

    @property
    def num_edges(self) -> int:
        """Directed road segments."""
        return int(self.tail.size)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat) of the nodes, degrees (GeoJSON order)."""
        return (
            float(self.node_lon.min()),
            float(self.node_lat.min()),
            float(self.node_lon.max()),
            float(self.node_lat.max()),
        )

    def graph_csr(self, weight: str = "time") -> csr_matrix:
        """The uncontracted graph as a sparse matrix of ``time`` (s) or ``length`` (m)."""
        data = {"time": self.time_s, "length": self.length_m}[weight]
        n = self.num_nodes
        indptr = np.concatenate([[0], np.cumsum(np.bincount(self.tail, minlength=n))])
        return csr_matrix((data, self.head, indptr), shape=(n, n))

    def __repr__(self) -> str:
        return (
            f"RoadNetwork(nodes={self.num_nodes}, edges={self.num_edges}, "
            f"core_nodes={self.chains.num_core}, bbox={self.bbox})"
        )

    # ------------------------------------------------------------------ snapping
    def _kdtree(self) -> cKDTree:
        if self._tree is None:
            self._tree = cKDTree(unit_sphere_xyz(self.node_lat, self.node_lon))
        return self._tree

    def snap_with_distance(self, lats: ArrayLike, lons: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Nearest road node of each point and its great-circle distance from the point (m).

        The k-d tree holds the nodes as Earth-centred x/y/z, where the nearest by straight-line
        distance is the nearest by great-circle distance, so the answer is exact.
        """
        lat = np.asarray(lats, dtype=np.float64).ravel()
        lon = np.asarray(lons, dtype=np.float64).ravel()
        if lat.size != lon.size:
            raise ValueError(f"lats ({lat.size}) and lons ({lon.size}) must have the same length")
        if lat.size and not (np.all(np.abs(lat) <= 90) and np.all(np.abs(lon) <= 180)):
            raise ValueError(
                "coordinates must be finite, latitudes in [-90, 90] and longitudes in [-180, 180]"
            )
        if self.num_nodes == 0:
            raise ValueError("the road network is empty")
        _, idx = self._kdtree().query(unit_sphere_xyz(lat, lon))
        idx = np.asarray(idx, dtype=np.int64)
        return idx, haversine_m(lat, lon, self.node_lat[idx], self.node_lon[idx])

    def snap(self, lats: ArrayLike, lons: ArrayLike) -> np.ndarray:
        """Index of the nearest road node of each point."""
        return self.snap_with_distance(lats, lons)[0]

    # ------------------------------------------------------------------ matrices
    def node_matrices(
        self, nodes: ArrayLike, *, engine: str = "auto"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Time (s) and length (m) of the fastest path between every pair of road ``nodes``.

        Returns two (k, k) arrays for the k given node indices (repeats allowed). Of equally
        fast paths the shortest counts (``engine="scipy"``: any of them; see
        :func:`voltroute.network.graph.fastest_paths`).
        """
        nodes = np.asarray(nodes, dtype=np.int64).ravel()
        if nodes.size and (nodes.min() < 0 or nodes.max() >= self.num_nodes):
            raise ValueError("node index outside the network")
        uniq, inv = np.unique(nodes, return_inverse=True)
        qg = query_graph(self.chains, uniq)
        times, lengths = fastest_paths(qg, qg.node_of, qg.node_of, engine=engine)
        ix = np.ix_(inv, inv)
        return times[ix], lengths[ix]

    def matrices(
        self,
        lats: ArrayLike,
        lons: ArrayLike,
        *,
        access_speed_kph: float = DEFAULT_ACCESS_SPEED_KPH,
        max_snap_m: float | None = None,
        use_cache: bool = True,
        engine: str = "auto",
    ) -> Matrices:
        """Distance (m) and duration (s) of the fastest road trip between every pair of points.

        Trip i → j: from point i straight to its road node, the fastest path (by time) to point
        j's road node, straight to point j. The two straight gaps count their great-circle
        length as distance and are driven at ``access_speed_kph``. Two points on the same road
        node are the smaller of (gap i + gap j) and their own great-circle distance apart, at
        the access speed. The diagonal is zero. Durations keep the triangle inequality.

        ``max_snap_m`` refuses points farther than that from any road node. With a
        ``cache_dir`` the result is cached on disk, keyed by the graph, the points and the
        access speed (``use_cache=False`` skips it). ``engine``: see :meth:`node_matrices`.
        """
        if access_speed_kph <= 0:
            raise ValueError("access_speed_kph must be positive")
        lat = np.asarray(lats, dtype=np.float64).ravel()
        lon = np.asarray(lons, dtype=np.float64).ravel()
        cache_file = None
        if use_cache and self.cache_dir is not None:
            pkey = _digest("matrices", FORMAT_VERSION, self.key, lat, lon, float(access_speed_kph))
            cache_file = self.cache_dir / "matrices" / f"{self.key[:12]}-{pkey[:32]}.npz"
            cached = _load_npz(cache_file)
            if cached is not None and cached["distance_m"].shape == (lat.size, lat.size):
                if max_snap_m is not None:
                    self._check_snap(self.snap_with_distance(lat, lon)[1], max_snap_m)
                return Matrices(distance_m=cached["distance_m"], duration_s=cached["duration_s"])
        nodes, gap = self.snap_with_distance(lat, lon)
        if max_snap_m is not None:
            self._check_snap(gap, max_snap_m)
        times, lengths = self.node_matrices(nodes, engine=engine)
        speed = access_speed_kph / 3.6
        gap_s = gap / speed
        duration = times
        duration += gap_s[:, None]
        duration += gap_s[None, :]
        distance = lengths
        distance += gap[:, None]
        distance += gap[None, :]
        _, inv, count = np.unique(nodes, return_inverse=True, return_counts=True)
        shared = np.flatnonzero(count[inv] > 1)  # points whose road node another point shares
        sub_r, sub_c = np.nonzero(inv[shared][:, None] == inv[shared][None, :])
        rows, cols = shared[sub_r], shared[sub_c]
        direct = haversine_m(lat[rows], lon[rows], lat[cols], lon[cols])
        same = np.minimum(gap[rows] + gap[cols], direct)
        distance[rows, cols] = same
        duration[rows, cols] = same / speed
        np.fill_diagonal(distance, 0.0)
        np.fill_diagonal(duration, 0.0)
        if cache_file is not None:
            _save_npz(cache_file, {"distance_m": distance, "duration_s": duration})
        return Matrices(distance_m=distance, duration_s=duration)

    @staticmethod
    def _check_snap(gap: np.ndarray, max_snap_m: float) -> None:
        far = np.flatnonzero(gap > max_snap_m)
        if far.size:
            worst = int(far[np.argmax(gap[far])])
            raise ValueError(
                f"{far.size} point(s) are more than {max_snap_m:g} m from the road network "
                f"(point {worst}: {gap[worst]:.0f} m); are they inside the extract?"
            )

    # ------------------------------------------------------------------ geometry
    def route_geometry(
        self, lats: ArrayLike, lons: ArrayLike, *, engine: str = "auto"
    ) -> list[tuple[float, float]]:
        """(lon, lat) vertices of the fastest road route through the points in order.

        Each leg runs from the point to its road node, along the roads, to the next point's
        road node and to that point; consecutive repeated vertices are dropped.
        """
        lat = np.asarray(lats, dtype=np.float64).ravel()
        lon = np.asarray(lons, dtype=np.float64).ravel()
        out: list[tuple[float, float]] = []
        for leg in self.leg_geometries(lat, lon, engine=engine):
            for vertex in leg:
                if not out or out[-1] != vertex:
                    out.append(vertex)
        if not out and lat.size:
            out.append((float(lon[0]), float(lat[0])))
        return out

    def leg_geometries(
        self, lats: ArrayLike, lons: ArrayLike, *, engine: str = "auto"
    ) -> list[list[tuple[float, float]]]:
        """(lon, lat) vertices of each leg i → i+1 of the route through the points in order:
        the path whose time and length :meth:`matrices` reports (same snapping, same rule for
        two points on one road node)."""
        lat = np.asarray(lats, dtype=np.float64).ravel()
        lon = np.asarray(lons, dtype=np.float64).ravel()
        if lat.size < 2:
            return []
        nodes, gap = self.snap_with_distance(lat, lon)
        uniq, inv = np.unique(nodes, return_inverse=True)
        qg = query_graph(self.chains, uniq)
        q = qg.node_of[inv]
        direct = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
        legs: list[list[tuple[float, float]]] = []
        sources = np.unique(q[:-1])
        batch = max(1, 2_000_000 // max(qg.num_nodes, 1))
        rows: dict[int, np.ndarray] = {}
        for s0 in range(0, sources.size, batch):
            src = sources[s0 : s0 + batch]
            _, pred = tree_predecessors(qg, src, engine=engine)
            rows.update({s: pred[r] for r, s in enumerate(src.tolist())})
        for i in range(lat.size - 1):
            s, t = int(q[i]), int(q[i + 1])
            if s == t and direct[i] <= gap[i] + gap[i + 1]:
                road = []  # both on one road node and closer to each other: straight across
            else:
                road = expand_path(self.chains, qg, backtrack(rows[s], s, t) if s != t else [s])
            leg = [(float(lon[i]), float(lat[i]))]
            leg.extend(zip(self.node_lon[road].tolist(), self.node_lat[road].tolist(), strict=True))
            leg.append((float(lon[i + 1]), float(lat[i + 1])))
            deduped = [leg[0]]
            for v in leg[1:]:
                if v != deduped[-1]:
                    deduped.append(v)
            legs.append(deduped)
        return legs

    def path_coordinates(
        self, lat_a: float, lon_a: float, lat_b: float, lon_b: float
    ) -> list[tuple[float, float]]:
        """(lon, lat) vertices of the fastest road path from point a to point b."""
        return self.route_geometry([lat_a, lat_b], [lon_a, lon_b])

    def edges_lonlat(
        self,
        bbox: Sequence[float] | None = None,
        *,
        tolerance_m: float = 0.0,
    ) -> list[list[tuple[float, float]]]:
        """The road network as polylines of (lon, lat), for drawing a map.

        One polyline per chain (a road between junctions); a two-way road appears once.
        ``bbox`` = (min_lon, min_lat, max_lon, max_lat) keeps polylines with a vertex inside.
        ``tolerance_m`` > 0 thins the vertices: along each polyline a vertex is kept only
        when at least that much road length has passed since the last kept one (the end
        vertices always stay).
        """
        ch = self.chains
        ptr = ch.chain_ptr
        sizes = np.diff(ptr)
        nodes = ch.chain_nodes
        # A two-way road between two core nodes is two one-edge chains: draw it once.
        first = nodes[ptr[:-1]]
        last = nodes[ptr[1:] - 1]
        single = sizes == 2
        pair_lo = np.minimum(first, last)
        pair_hi = np.maximum(first, last)
        draw = np.ones(sizes.size, dtype=bool)
        idx = np.flatnonzero(single)
        if idx.size:
            keys = pair_lo[idx] * self.num_nodes + pair_hi[idx]
            _, first_of = np.unique(keys, return_index=True)
            draw[idx] = False
            draw[idx[first_of]] = True
        chain_of_pos = np.repeat(np.arange(sizes.size), sizes)
        pos = np.arange(nodes.size) - np.repeat(ptr[:-1], sizes)
        keep = np.ones(nodes.size, dtype=bool)
        if tolerance_m > 0:
            bucket = np.floor(ch.cum_fwd_l / tolerance_m)
            keep[1:] = bucket[1:] != bucket[:-1]
            keep[pos == 0] = True
            keep[pos == np.repeat(sizes, sizes) - 1] = True
        lon = self.node_lon[nodes]
        lat = self.node_lat[nodes]
        if bbox is not None:
            x0, y0, x1, y1 = (float(v) for v in bbox)
            inside = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
            hit = np.zeros(sizes.size, dtype=bool)
            hit[chain_of_pos[inside]] = True
            draw &= hit
        keep &= draw[chain_of_pos]
        sel = np.flatnonzero(keep)
        if not sel.size:
            return []
        pts = list(zip(lon[sel].tolist(), lat[sel].tolist(), strict=True))
        splits = np.flatnonzero(np.diff(chain_of_pos[sel])) + 1
        bounds = [0, *splits.tolist(), sel.size]
        return [pts[bounds[i] : bounds[i + 1]] for i in range(len(bounds) - 1)]


def read_pbf_edges(
    path: Path, maxspeed_factor: float = DEFAULT_MAXSPEED_FACTOR
) -> tuple[np.ndarray, ...]:
    """Nodes and directed edges of the drivable roads of an extract, with speeds.

    Returns (lat, lon, osm_id, tail, head, length_m, speed_kph).
    """
    import pyrosm  # heavy import, only when reading a file

    osm = pyrosm.OSM(str(path), keep_metadata=False)
    nodes, edges = osm.get_network(
        network_type="driving",
        nodes=True,
        extra_attributes=["maxspeed:forward", "maxspeed:backward"],
    )
    if edges is None or nodes is None or len(edges) == 0:
        raise ValueError(f"{path} has no drivable roads")
    osm_id = nodes["id"].to_numpy(dtype=np.int64)
    lat = nodes["lat"].to_numpy(dtype=np.float64)
    lon = nodes["lon"].to_numpy(dtype=np.float64)
    order = np.argsort(osm_id, kind="stable")
    sorted_ids = osm_id[order]

    def index_of(ids: np.ndarray) -> np.ndarray:
        pos = np.clip(np.searchsorted(sorted_ids, ids), 0, max(sorted_ids.size - 1, 0))
        found = sorted_ids[pos] == ids
        return np.where(found, order[pos], -1)

    u = index_of(edges["u"].to_numpy(dtype=np.int64))
    v = index_of(edges["v"].to_numpy(dtype=np.int64))
    ok = (u >= 0) & (v >= 0)

    def column(name: str) -> np.ndarray:
        if name not in edges.columns:
            return np.full(len(edges), "", dtype=object)
        return edges[name].fillna("").astype(str).str.strip().str.lower().to_numpy(dtype=object)

    highway = column("highway")
    oneway = column("oneway")
    junction = column("junction")
    untagged = oneway == ""
    forward_only = np.isin(oneway, list(_FORWARD)) | (
        untagged
        & (
            np.isin(junction, list(_IMPLIED_ONEWAY_JUNCTION))
            | np.isin(highway, list(_IMPLIED_ONEWAY_HIGHWAY))
        )
    )
    backward_only = np.isin(oneway, list(_BACKWARD))
    usable = ok & (oneway != "reversible")
    fwd = usable & ~backward_only
    bwd = usable & ~forward_only

    class_table = {h: highway_speed_kph(h) for h in set(highway.tolist())}
    class_speed = np.array([class_table[h] for h in highway], dtype=np.float64)

    def posted(name: str) -> np.ndarray:
        values = column(name)
        table = {val: parse_maxspeed(val) for val in set(values.tolist())}
        return np.array([np.nan if table[x] is None else table[x] for x in values], np.float64)

    base = posted("maxspeed")
    speeds = []
    for tag in ("maxspeed:forward", "maxspeed:backward"):
        limit = posted(tag)
        limit = np.where(np.isnan(limit), base, limit)
        speed = np.where(np.isnan(limit), class_speed, limit * maxspeed_factor)
        speeds.append(np.clip(speed, MIN_SPEED_KPH, MAX_SPEED_KPH))
    length = haversine_m(
        lat[np.maximum(u, 0)], lon[np.maximum(u, 0)], lat[np.maximum(v, 0)], lon[np.maximum(v, 0)]
    )
    tail = np.concatenate([u[fwd], v[bwd]])
    head = np.concatenate([v[fwd], u[bwd]])
    return (
        lat,
        lon,
        osm_id,
        tail,
        head,
        np.concatenate([length[fwd], length[bwd]]),
        np.concatenate([speeds[0][fwd], speeds[1][bwd]]),
    )
