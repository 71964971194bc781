"""Benchmark search: how long the index takes to build when the server starts, its memory, and
the latency of `/search` queries (index lookup, ranking and the context line of each hit) —
p50/p99 over names, parts of names, pinyin and short forms drawn from the data.

    .venv/bin/python bench/bench_search.py lod/gonghui.trig
    .venv/bin/python bench/bench_search.py bench/out/build/lod-1000/gonghui.trig --queries 2000

In-process, on the store `gonghui serve` loads (the HTTP hop adds what bench_endpoint measures
for any small request).
"""
from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pyoxigraph import Store  # noqa: E402

from gonghui.serve.search import SearchIndex  # noqa: E402
from gonghui.serve.store import load_dataset, open_store  # noqa: E402


def queries(index: SearchIndex, n: int, seed: int) -> list[str]:
    """Names whole and in part, pinyin spelt three ways, and two-character tails."""
    rows = index.db.execute("SELECT label, kind FROM thing ORDER BY id").fetchall()
    pinyin = [r[0] for r in index.db.execute("SELECT pinyin FROM words WHERE pinyin != '' ORDER BY rowid")]
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        label, kind = rnd.choice(rows)
        how = rnd.randrange(5)
        if how == 0 or len(label) < 3:
            out.append(label)
        elif how == 1:
            out.append(label[-2:])
        elif how == 2:
            start = rnd.randrange(len(label) - 1)
            out.append(label[start:start + rnd.randint(2, 4)])
        elif pinyin:
            words = rnd.choice(pinyin).split()
            out.append(" ".join(words[:2]) if how == 3 else "".join(words[:1]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--store", type=Path, help="keep the loaded store here and reuse it (as serve --store)")
    args = ap.parse_args()
    t = time.perf_counter()
    ds = open_store([args.data], args.store) if args.store else load_dataset([args.data])
    store = Store.read_only(ds.store_dir)
    print(f"loaded {ds.triples:,} triples in {time.perf_counter() - t:.1f} s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    index = SearchIndex.open(store, ds.store / "search.sqlite" if ds.store else None)   # as serve does
    built = time.perf_counter() - t
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
    print(f"index: {index.size:,} things in {built:.2f} s, peak RSS +{grown:.0f} MB")
    times, empty = [], 0
    for q in queries(index, args.queries, args.seed):
        t = time.perf_counter()
        hits = index.search(q)
        for h in hits:
            dict(h.context)
        times.append((time.perf_counter() - t) * 1000)
        empty += not hits
    times.sort()
    p99 = times[int(len(times) * 0.99) - 1]
    print(f"{len(times):,} queries: p50 {statistics.median(times):.2f} ms, p99 {p99:.2f} ms, "
          f"max {times[-1]:.2f} ms; {empty} found nothing")


if __name__ == "__main__":
    main()
