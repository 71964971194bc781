"""A cheap query's latency while another client floods the endpoint with slow queries.

    .venv/bin/python bench/bench_abuse.py                  # gonghui serve on lod/, 20 flooders, 30 s
    .venv/bin/python bench/bench_abuse.py --flooders 40 --seconds 60 --timeout 10
    .venv/bin/python bench/bench_abuse.py --same-address   # the flood and the cheap query from one address

Starts `gonghui serve` on lod/ (bench_endpoint.start_server: a real subprocess on a free loopback
port). `--flooders` threads, all from one address (X-Forwarded-For, which uvicorn trusts from
127.0.0.1 as it would from a proxy there), each send a slow query again as soon as the last one
is answered: a cross product of four `?x a schema:Person` (139⁴ rows on lod/) that runs until the
server stops it at --timeout. Meanwhile one client from another address sends, one after another,
a cheap non-lookup query (`SELECT (COUNT(*) AS ?n) { ?p a schema:Person }`), `ASK {}` and a lookup
(one person's name). The script prints the cheap requests' latency percentiles by kind, how the
flood was answered (status counts), failed cheap requests, and the server's peak resident memory
(server and workers, from /proc); it exits 1 when a cheap request failed.
"""
from __future__ import annotations

import argparse
import collections
import http.client
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import bench_endpoint  # noqa: E402
import bench_load  # noqa: E402

SCHEMA = "PREFIX schema: <http://schema.org/>\n"
SLOW = SCHEMA + ("SELECT (COUNT(*) AS ?n) { ?a a schema:Person . ?b a schema:Person . "
                 "?c a schema:Person . ?d a schema:Person }")
CHEAP = {
    "count-people": SCHEMA + "SELECT (COUNT(*) AS ?n) { ?p a schema:Person }",
    "ask-empty": "ASK {}",
    "name-by-iri (lookup)": SCHEMA + "SELECT ?n { <{person}> schema:name ?n }",
}


def request(conn: http.client.HTTPConnection, query: str, address: str) -> int:
    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                 headers={"accept": "application/sparql-results+json", "x-forwarded-for": address})
    reply = conn.getresponse()
    reply.read()
    return reply.status


def flood(port: int, address: str, stop: threading.Event, statuses: collections.Counter) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while not stop.is_set():
        try:
            statuses[request(conn, SLOW, address)] += 1
        except (OSError, http.client.HTTPException):
            statuses["connection error"] += 1
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--flooders", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--timeout", type=float, default=10.0, help="the server's query timeout (default 10)")
    ap.add_argument("--same-address", action="store_true", help="the cheap client shares the flood's address")
    args = ap.parse_args()

    proc, endpoint, _ = bench_endpoint.start_server([], args.timeout)
    port = urllib.parse.urlsplit(endpoint).port
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", "/sparql?" + urllib.parse.urlencode(
            {"query": SCHEMA + "SELECT ?p { ?p a schema:Person } ORDER BY ?p LIMIT 1"}), headers={"accept": "text/csv"})
        person = conn.getresponse().read().decode().split()[1]
        stop, statuses = threading.Event(), collections.Counter()
        threads = [threading.Thread(target=flood, args=(port, "10.66.0.1", stop, statuses), daemon=True)
                   for _ in range(args.flooders)]
        for t in threads:
            t.start()
        time.sleep(1.0)                      # the flood fills the workers and the queue first
        cheap_address = "10.66.0.1" if args.same_address else "10.66.0.2"
        latency: dict[str, list[float]] = {kind: [] for kind in CHEAP}
        failed, peak = collections.Counter(), 0
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            for kind, query in CHEAP.items():
                start = time.monotonic()
                try:
                    status = request(conn, query.replace("{person}", person), cheap_address)
                except (OSError, http.client.HTTPException):
                    status = "connection error"
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                latency[kind].append(time.monotonic() - start)
                if status != 200:
                    failed[status] += 1
            peak = max(peak, bench_load.rss(proc.pid)[0])
            time.sleep(0.02)
        stop.set()
        for t in threads:
            t.join(args.timeout + 5)
    finally:
        proc.terminate()
        proc.wait(20)

    print(f"{args.flooders} flooders from one address, {args.seconds:g} s, server --timeout {args.timeout:g}; "
          f"cheap client from {'the same' if args.same_address else 'another'} address")
    print(f"{'cheap request':22} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, values in latency.items():
        print(f"{kind:22} {len(values):6d} " + " ".join(f"{percentile(values, q) * 1000:8.1f}"
                                                       for q in (0.5, 0.95, 0.99, 1.0)))
    print("flood answered:", ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str)))
    print("cheap requests failed:", dict(failed) or 0)
    print(f"server RSS peak (server + workers): {peak / 2**20:.1f} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
