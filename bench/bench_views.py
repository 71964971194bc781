"""What each researcher view costs: time to first byte and to the last, p50 and p99, of the HTML
pages a person opens — profiles of people, organisations and slogans, the page reader, an
issue, /browse lists with and without facets, /search — against a real `gonghui serve` of a
dataset, one request at a time, over loopback.

    .venv/bin/python bench/bench_views.py LOD_DIR [--store DIR] [--requests 50]

--store keeps the loaded store (and the search index) in DIR, as `gonghui serve --store` does,
so a second run starts in seconds.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from servers import running_serve  # noqa: E402

KINDS = {"person": "Person", "org": "Organization", "slogan": "Slogan", "page": "SourcePage", "issue": "PublicationIssue"}
PREFIX = ("PREFIX schema: <http://schema.org/> PREFIX org: <http://www.w3.org/ns/org#> "
          "PREFIX gh: <https://w3id.org/gonghui/ontology#> ")
CLASS = {"person": "schema:Person", "org": "org:Organization", "slogan": "gh:Slogan", "page": "gh:SourcePage",
         "issue": "schema:PublicationIssue"}


def sample(url: str, kind: str, n: int, seed: int) -> list[str]:
    q = PREFIX + f"SELECT ?x WHERE {{ ?x a {CLASS[kind]} }} LIMIT 5000"
    rows = httpx.post(url + "/sparql", data={"query": q}, headers={"accept": "application/sparql-results+json"},
                      timeout=120).json()["results"]["bindings"]
    iris = sorted(r["x"]["value"] for r in rows)
    rnd = random.Random(seed)
    return [rnd.choice(iris) for _ in range(n)] if iris else []


def timed(client: httpx.Client, path: str) -> tuple[float, float, int]:
    start = time.perf_counter()
    with client.stream("GET", path, headers={"accept": "text/html"}) as r:
        first = None
        for chunk in r.iter_bytes():
            if first is None:
                first = time.perf_counter()
        end = time.perf_counter()
    return (first or end) - start, end - start, r.status_code


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("lod", type=Path)
    ap.add_argument("--store", type=Path, default=None)
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default="", help="measure only the views whose name contains this (or any of a,b,…)")
    args = ap.parse_args()
    extra = ["--data", str(args.lod / "gonghui.trig")] + (["--store", str(args.store)] if args.store else [])
    started = time.perf_counter()
    with running_serve(*extra, cwd=args.lod.parent) as served:
        print(f"server up in {time.perf_counter() - started:.1f} s: {served.banner.strip()}")
        views: dict[str, list[str]] = {}
        for kind in KINDS:
            views[f"/id/{kind}/… (profile)"] = [iri.replace("https://w3id.org/gonghui/id/", "/id/")
                                                 for iri in sample(served.url, kind, args.requests, args.seed)]
        views["/browse/people"] = ["/browse/people"] * args.requests
        views["/browse/organisations?kind=TradeUnion&sort=first"] = [
            "/browse/organisations?kind=TradeUnion&sort=first"] * args.requests
        views["/browse/people?offset=5000"] = ["/browse/people?offset=5000"] * args.requests
        views["/search?q=…"] = [f"/search?q={q}" for q in ["王", "总工会", "zhang", "市总工会", "工匠"] * (args.requests // 5)]
        print("\n| view | requests | TTFB p50 | TTFB p99 | total p50 | total p99 | first request | status |\n|---|---:|---:|---:|---:|---:|---:|---|")
        with httpx.Client(base_url=served.url, timeout=120) as client:
            for name, paths in views.items():
                if not paths or not any(part in name for part in args.only.split(",")):
                    continue
                cold = timed(client, paths[0])[1] * 1000      # the first: a store's blocks read, a list counted
                runs = [timed(client, p) for p in paths]
                first, total = [r[0] * 1000 for r in runs], [r[1] * 1000 for r in runs]
                codes = sorted({r[2] for r in runs})
                print(f"| {name} | {len(runs)} | {statistics.median(first):.1f} ms | {pct(first, 99):.1f} ms | "
                      f"{statistics.median(total):.1f} ms | {pct(total, 99):.1f} ms | {cold:.0f} ms | {codes} |")


if __name__ == "__main__":
    main()
