"""Benchmark: streaming an OpenStreetMap extract (layers import-osm) and making exclusion zones.

    .venv/bin/python bench/layer_import.py [--nodes 2000000] [--skip-osm] [--skip-zones]

OSM: a synthetic .osm.pbf written with pyosmium around Indramayu (32.12) and Kab. Cirebon
(32.09): ``--nodes`` nodes of which 2 % carry a mapped tag, ways of 5 nodes over 40 % of the
nodes (a tenth of them closed and tagged as school grounds or parks, some roads), and multipolygon
relations. It is imported clipped to 32.12; reported: objects per second and the peak resident
memory, which must stay far below the file's size in nodes (streaming, not loading).
Zones: dissolving the exclusion zones of the bundled regencies with the most sites.
"""
from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np


def write_extract(path: Path, nodes: int, rng) -> dict:
    import osmium
    from osmium.osm.mutable import Node, Relation, Way

    west, south, east, north = 107.85, -6.95, 108.75, -6.25          # Indramayu and Cirebon
    lon = rng.uniform(west, east, nodes)
    lat = rng.uniform(south, north, nodes)
    tags = [{"amenity": "school"}, {"amenity": "place_of_worship", "religion": "muslim"},
            {"healthcare": "clinic"}, {"office": "government"}, {"railway": "station"}]
    counts = {"nodes": nodes, "ways": 0, "relations": 0}
    starts = list(range(1, int(nodes * 0.4), 5))              # ways over 40 % of the nodes
    rings = {w: nodes + 4 * w for w in range(1, len(starts) + 1) if w % 10 == 0}  # first node id per ring
    writer = osmium.SimpleWriter(str(path), overwrite=True)
    try:                                                       # sorted: nodes, ways, relations
        for i in range(nodes):
            t = tags[i % len(tags)] if i % 50 == 0 else {}
            writer.add_node(Node(id=i + 1, location=(float(lon[i]), float(lat[i])), tags=t))
        for w, first in rings.items():                         # small closed rings: grounds and parks
            x, y = float(lon[w]), float(lat[w])
            for k, loc in enumerate([(x, y), (x + 5e-4, y), (x + 5e-4, y + 5e-4), (x, y + 5e-4)]):
                writer.add_node(Node(id=first + k, location=loc))
        counts["nodes"] += 4 * len(rings)
        for w, start in enumerate(starts, start=1):
            if w in rings:
                ids = [rings[w] + k for k in range(4)]
                tag = {"amenity": "school"} if w % 20 == 0 else ({"leisure": "park"} if w % 30 == 0 else {})
                writer.add_way(Way(id=w, nodes=ids + ids[:1], tags=tag))
            else:
                tag = {"highway": "primary"} if w % 7 == 0 else {"highway": "residential"}
                writer.add_way(Way(id=w, nodes=list(range(start, start + 4)), tags=tag))
            counts["ways"] += 1
        for w in rings:                                        # multipolygons of the untagged rings
            if w % 20 and w % 30 and w % 50 == 0:
                writer.add_relation(Relation(id=w, members=[("w", w, "outer")],
                                             tags={"type": "multipolygon", "amenity": "university"}))
                counts["relations"] += 1
    finally:
        writer.close()
    return counts


def bench_osm(nodes: int) -> None:
    from geo.layers.importing import import_osm
    from zonasi.testing.layers import make_layers_dir

    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pbf = tmp / "synthetic.osm.pbf"
        t = time.perf_counter()
        counts = write_extract(pbf, nodes, rng)
        written = time.perf_counter() - t
        layers = make_layers_dir(tmp)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t = time.perf_counter()
        report = import_osm(pbf, layers, ["32.12"], progress=False)
        took = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        objects = counts["nodes"] + counts["ways"] + counts["relations"]
        print(f"osm: {counts} ({pbf.stat().st_size / 1e6:.1f} MB, written in {written:.1f} s)")
        print(f"osm: import-osm --regency 32.12: {report.features} features kept, {report.clipped_away} clipped "
              f"away, {took:.1f} s = {objects / took:,.0f} objects/s; peak RSS {peak:.0f} MB "
              f"(before the import {before:.0f} MB)")


def bench_zones() -> None:
    from geo import Engine
    from geo.zones.exclusion import exclusion_zones

    engine = Engine.from_directory()
    for code in ("31.71", "31.74", "32.16", "32.12", "64.02"):
        t = time.perf_counter()
        zones = exclusion_zones(engine, code)
        took = time.perf_counter() - t
        print(f"zones {code} {engine.regency_names[engine.regency_index(code)]}: {int(zones['sites'].sum())} sites "
              f"-> {len(zones)} zones in {took * 1000:.0f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=2_000_000)
    parser.add_argument("--skip-osm", action="store_true")
    parser.add_argument("--skip-zones", action="store_true")
    args = parser.parse_args()
    if not args.skip_osm:
        bench_osm(args.nodes)
    if not args.skip_zones:
        bench_zones()


if __name__ == "__main__":
    main()
