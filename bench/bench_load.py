"""Load test of the bundled endpoint: concurrent clients, a fixed number of mixed requests, then stop.

    .venv/bin/python bench/bench_load.py                       # gonghui serve on lod/, 6 clients, 20,000 requests
    .venv/bin/python bench/bench_load.py --clients 8 --requests 50000
    .venv/bin/python bench/bench_load.py --data bench/out/generated-1000000.nq

Starts `gonghui serve` on a free loopback port (a real subprocess, from the project folder, so it
serves lod/ with the ontology and shapes; or --data FILES), finds people, organisations and issues
in the data, and sends a deterministic mix of requests: SPARQL SELECT/ASK/CONSTRUCT/DESCRIBE by GET,
POST form and POST body in JSON, CSV and Turtle, resource pages in HTML and Turtle, the service
description, VoID and an unknown IRI (404). Each client process keeps one HTTP/1.1 connection
alive and has one request in flight.

A warm-up of --warmup requests comes first; then the server's memory (RSS of the server and all
its worker processes, from /proc) is taken, the --requests measured requests run, and the memory
is taken again. A request fails when its status is not the expected one, the connection breaks or
a JSON answer does not parse. The script prints failures, requests/s, latency percentiles overall
and per kind, and the memory figures; it exits 1 when any request failed or the memory grew by
more than --max-growth percent.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import bench_endpoint

ID = "https://w3id.org/gonghui/id/"
PREFIXES = """PREFIX gh: <https://w3id.org/gonghui/ontology#>
PREFIX schema: <http://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX time: <http://www.w3.org/2006/time#>
"""
JSON_RESULTS = "application/sparql-results+json"

# The mix, in the order requests cycle through it: (name, how, text, accept, expected status).
# how: "get" (query in the URL), "post" (application/sparql-query), "form" (urlencoded), "path".
# {person}, {org}, {issue} and {person_path}/{issue_path} rotate over entities found in the data.
MIX = [
    ("ask-by-iri", "post", "ASK { <{person}> a schema:Person }", JSON_RESULTS, 200),
    ("name-by-iri", "get", "SELECT ?name WHERE { <{person}> schema:name ?name }", JSON_RESULTS, 200),
    ("posts-of-person", "post", """SELECT ?title ?org ?date WHERE {
  ?m org:member <{person}> ; org:organization ?org . ?a gh:attests ?m ; gh:postTitle ?title .
  OPTIONAL { ?a gh:attestedAt/time:inXSDDate ?date } } ORDER BY ?date""",
     JSON_RESULTS, 200),
    ("mentions-of-person", "post", """SELECT ?date ?headline ?exact WHERE {
  ?a oa:hasBody <{person}> ; oa:hasTarget ?t . ?t oa:hasSource ?page ; oa:hasSelector ?s .
  ?s oa:start ?start ; oa:exact ?exact .
  ?article gh:sourcePage ?page ; gh:startOffset ?from ; gh:endOffset ?to .
  FILTER(?from <= ?start && ?start < ?to)
  OPTIONAL { ?article schema:headline ?headline }
  OPTIONAL { ?article schema:isPartOf/schema:datePublished ?date } } ORDER BY ?date""", JSON_RESULTS, 200),
    ("members-of-org", "form", """SELECT ?person ?name WHERE {
  ?m org:organization <{org}> ; org:member ?person . ?person schema:name ?name } ORDER BY ?name""",
     "text/csv", 200),
    ("suborganisations", "get", """SELECT ?sub ?name WHERE {
  ?sub org:subOrganizationOf+ <{org}> ; schema:name ?name } ORDER BY ?name""", JSON_RESULTS, 200),
    ("issue-contents", "post", """SELECT ?article ?headline WHERE {
  ?article schema:isPartOf <{issue}> . OPTIONAL { ?article schema:headline ?headline } } ORDER BY ?article""",
     JSON_RESULTS, 200),
    ("count-by-class", "get", "SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c",
     JSON_RESULTS, 200),
    ("construct-person", "post", "CONSTRUCT { <{person}> ?p ?o } WHERE { <{person}> ?p ?o }", "text/turtle", 200),
    ("describe-org", "get", "DESCRIBE <{org}>", "application/n-triples", 200),
    ("page-html", "path", "/id/{person_path}", "text/html", 200),
    ("page-turtle", "path", "/id/{person_path}.ttl", "text/turtle", 200),
    ("issue-html", "path", "/id/{issue_path}", "text/html", 200),
    ("service-description", "path", "/sparql", "text/turtle", 200),
    ("void", "path", "/.well-known/void", "text/turtle", 200),
    ("unknown-iri", "path", "/id/person/nobody-{n}", "text/turtle", 404),
]


# ------------------------------------------------------------------ the server and its memory

def start_server(files: list[Path], timeout: float) -> tuple[subprocess.Popen, int]:
    """`gonghui serve` on a free loopback port (bench_endpoint starts it the same way)."""
    proc, endpoint, _ = bench_endpoint.start_server(files, timeout)
    return proc, urllib.parse.urlsplit(endpoint).port


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def rss(pid: int) -> tuple[int, int]:
    """(bytes of resident memory, processes) of `pid` and all its descendants, from /proc."""
    tree, todo, total, count = _children(), [pid], 0, 0
    while todo:
        p = todo.pop()
        todo += tree.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    count += 1
        except OSError:
            pass
    return total, count


class MemoryWatch:
    """Samples the server's RSS every half second: the peak during a phase."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.wait(0.5):
            self.peak = max(self.peak, rss(self.pid)[0])

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


# ------------------------------------------------------------------ the requests

def discover(port: int) -> dict[str, list[str]]:
    """People, organisations with members and issues to put into the requests (sorted: deterministic)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def column(query: str) -> list[str]:
        conn.request("POST", "/sparql", body=(PREFIXES + query).encode(),
                     headers={"content-type": "application/sparql-query", "accept": JSON_RESULTS})
        rows = json.loads(conn.getresponse().read())["results"]["bindings"]
        return [next(iter(r.values()))["value"] for r in rows]

    found = {
        "person": column("SELECT DISTINCT ?p WHERE { ?p a schema:Person } ORDER BY ?p LIMIT 40"),
        "org": column("SELECT DISTINCT ?o WHERE { ?m org:organization ?o } ORDER BY ?o LIMIT 20"),
        "issue": column("SELECT DISTINCT ?i WHERE { ?i a schema:PublicationIssue } ORDER BY ?i LIMIT 20"),
    }
    conn.close()
    for kind, iris in found.items():
        if not iris:
            raise SystemExit(f"the data has no {kind}: nothing to query")
    return found


def plan(n: int, offset: int, found: dict[str, list[str]]) -> list[tuple]:
    """Requests offset … offset+n-1 of the endless deterministic mix: (name, method, path, body, headers, expected)."""
    out = []
    for i in range(offset, offset + n):
        name, how, text, accept, expected = MIX[i % len(MIX)]
        k = i // len(MIX)
        person = found["person"][k % len(found["person"])]
        org = found["org"][k % len(found["org"])]
        issue = found["issue"][k % len(found["issue"])]
        text = (text.replace("{person}", person).replace("{org}", org).replace("{issue}", issue)
                .replace("{person_path}", urllib.parse.quote(person[len(ID):]))
                .replace("{issue_path}", urllib.parse.quote(issue[len(ID):])).replace("{n}", str(k)))
        headers = {"accept": accept}
        if how == "get":
            method, path, body = "GET", "/sparql?" + urllib.parse.urlencode({"query": PREFIXES + text}), None
        elif how == "post":
            method, path, body = "POST", "/sparql", (PREFIXES + text).encode()
            headers["content-type"] = "application/sparql-query"
        elif how == "form":
            method, path, body = "POST", "/sparql", urllib.parse.urlencode({"query": PREFIXES + text}).encode()
            headers["content-type"] = "application/x-www-form-urlencoded"
        else:
            method, path, body = "GET", text, None
        out.append((name, method, path, body, headers, expected))
    return out


def client(args) -> list[tuple[str, float, str | None]]:
    """One client process: send its requests on one keep-alive connection; (name, seconds, error)."""
    port, requests = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    results = []
    for name, method, path, body, headers, expected in requests:
        start = time.perf_counter()
        error = None
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            if r.status != expected:
                error = f"status {r.status}: {data[:120]!r}"
            elif headers["accept"] == JSON_RESULTS:
                json.loads(data)
            elif expected == 200 and not data:
                error = "empty body"
        except (OSError, http.client.HTTPException, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        results.append((name, time.perf_counter() - start, error))
    conn.close()
    return results


def run_phase(pool, port: int, found, n: int, offset: int, clients: int) -> tuple[list, float]:
    requests = plan(n, offset, found)
    shares = [requests[c::clients] for c in range(clients)]     # interleaved: every client gets the whole mix
    start = time.monotonic()
    parts = pool.map(client, [(port, share) for share in shares])
    return [r for part in parts for r in part], time.monotonic() - start


pct = bench_endpoint.pct       # the p-th percentile of seconds, in milliseconds


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    mem = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    import pyoxigraph
    return (f"{cpu}, {os.cpu_count()} CPUs, {mem} GB RAM; Linux {platform.release()}; "
            f"Python {platform.python_version()}, pyoxigraph {pyoxigraph.__version__}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", nargs="+", type=Path, help="RDF files to serve (default: lod/ of the project)")
    ap.add_argument("--clients", type=int, default=6, help="concurrent client processes (default 6)")
    ap.add_argument("--requests", type=int, default=20_000, help="measured requests (default 20,000)")
    ap.add_argument("--warmup", type=int, default=2_000, help="requests before the memory baseline (default 2,000)")
    ap.add_argument("--timeout", type=float, default=10.0, help="server query timeout (default 10)")
    ap.add_argument("--max-growth", type=float, default=10.0, help="allowed RSS growth after warm-up, %% (default 10)")
    args = ap.parse_args()

    print(machine(), flush=True)
    proc, port = start_server(args.data or [], args.timeout)
    try:
        found = discover(port)
        with multiprocessing.get_context("spawn").Pool(args.clients) as pool:
            warm, _ = run_phase(pool, port, found, args.warmup, 0, args.clients)
            time.sleep(1.0)           # let freed memory settle before the baseline
            base, procs = rss(proc.pid)
            with MemoryWatch(proc.pid) as watch:
                results, wall = run_phase(pool, port, found, args.requests, args.warmup, args.clients)
            time.sleep(1.0)
            after, procs_after = rss(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()

    failed = [r for r in warm + results if r[2]]
    latencies = [r[1] for r in results]
    growth = 100 * (after - base) / base
    print(f"\n{len(results):,} requests by {args.clients} clients in {wall:.1f} s: {len(results) / wall:.0f} req/s; "
          f"failed: {len(failed)} (warm-up included)")
    print(f"latency ms: p50 {pct(latencies, 50):.1f}  p95 {pct(latencies, 95):.1f}  p99 {pct(latencies, 99):.1f}  "
          f"max {max(latencies) * 1000:.1f}")
    print(f"server RSS ({procs} processes): after warm-up {base / 2**20:.1f} MB, after the run {after / 2**20:.1f} MB "
          f"({procs_after} processes; {growth:+.1f}%), peak during the run {max(watch.peak, after) / 2**20:.1f} MB")
    print(f"\n{'kind':<20} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, *_ in MIX:
        lat = [r[1] for r in results if r[0] == name]
        print(f"{name:<20} {len(lat):>8} {pct(lat, 50):>8.1f} {pct(lat, 95):>8.1f} {pct(lat, 99):>8.1f}")
    for name, _, error in failed[:10]:
        print(f"FAILED {name}: {error}")
    ok = not failed and growth <= args.max_growth
    print("\nOK" if ok else "\nNOT OK: " + ", ".join(
        ([f"{len(failed)} failed requests"] if failed else []) +
        ([f"RSS grew {growth:.1f}% (limit {args.max_growth:g}%)"] if growth > args.max_growth else [])))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
