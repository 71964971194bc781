"""Benchmark the bundled endpoint: requests/s and latency percentiles for typical queries.

    .venv/bin/python bench/bench_endpoint.py --data lod/gonghui.trig
    .venv/bin/python bench/bench_endpoint.py --generate 1000000          # synthetic news graph
    .venv/bin/python bench/bench_endpoint.py --endpoint http://127.0.0.1:8000/sparql
    .venv/bin/python bench/bench_endpoint.py --data lod/gonghui.trig --oxigraph   # side by side
    .venv/bin/python bench/bench_endpoint.py --data bench/out/build/lod-10000/gonghui.trig --oxigraph \
        --store bench/out/store-10000 --oxigraph-store bench/out/oxigraph-10000     # large: load once

With --data or --generate the script starts `gonghui serve` on a free loopback port (a real
subprocess, as users run it), reports how long loading took, then runs each query for --seconds
with --clients client processes (keep-alive HTTP/1.1, one request in flight per client).
With --oxigraph it then loads the same files into a temporary store of the Oxigraph server
(`pip install oxigraph`), serves them with `oxigraph serve-read-only --union-default-graph`, runs
the same SPARQL queries the same way, and prints both side by side with the ratio of requests/s.
Generated graphs are written to bench/out/ (git-ignored) and reused.
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/gonghui/id/"
PREFIXES = """PREFIX gh: <https://w3id.org/gonghui/ontology#>
PREFIX schema: <http://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX time: <http://www.w3.org/2006/time#>
"""

# name → (kind, SPARQL or path); {person} and {org} are filled with IRIs found in the data.
QUERIES = {
    "ask-by-iri": ("sparql", "ASK { <{person}> a schema:Person }"),
    "name-by-iri": ("sparql", "SELECT ?name WHERE { <{person}> schema:name ?name }"),
    "posts-of-person": ("sparql", """SELECT ?title ?org ?date WHERE {
  ?m org:member <{person}> ; org:organization ?org . ?a gh:attests ?m ; gh:postTitle ?title .
  OPTIONAL { ?a gh:attestedAt/time:inXSDDate ?date } } ORDER BY ?date"""),
    "mentions-of-person": ("sparql", """SELECT ?date ?headline ?exact WHERE {
  ?a oa:hasBody <{person}> ; oa:hasTarget ?t . ?t oa:hasSource ?page ; oa:hasSelector ?s .
  ?s oa:start ?start ; oa:exact ?exact .
  ?article gh:sourcePage ?page ; gh:startOffset ?from ; gh:endOffset ?to ; schema:headline ?headline .
  FILTER(?from <= ?start && ?start < ?to)
  OPTIONAL { ?article schema:isPartOf/schema:datePublished ?date } } ORDER BY ?date"""),
    "suborganisations": ("sparql", """SELECT ?sub ?name WHERE {
  ?sub org:subOrganizationOf+ <{org}> ; schema:name ?name } ORDER BY ?name"""),
    "slogans-first-seen": ("sparql", """SELECT ?label (MIN(?date) AS ?first) (COUNT(DISTINCT ?a) AS ?n) WHERE {
  ?s a gh:Slogan ; skos:prefLabel ?label . ?a schema:mentions ?s ; schema:isPartOf/schema:datePublished ?date }
  GROUP BY ?s ?label ORDER BY ?first LIMIT 100"""),
    "count-by-class": ("sparql", "SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"),
    "page-html": ("get", "/id/{person_path}"),
    "page-turtle": ("get", "/id/{person_path}.ttl"),
}


# ------------------------------------------------------------------ synthetic data

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅新宇海云鹏飞志文斌晓玲"
CITIES = ["东湖", "西岭", "南川", "北塘", "青山", "临江", "安平", "福田", "长宁", "江阳"]
TRADES = ["机械", "纺织", "建设", "交通", "教育", "卫生", "商贸", "化工", "电力", "邮政"]
ROLES = [("zhuxi", "主席"), ("fu-zhuxi", "副主席"), ("dangzu-shuji", "党组书记"), ("weiyuan", "委员"),
         ("mishuzhang", "秘书长")]


def generate(target: int, out: Path) -> Path:
    """A news graph in the gonghui vocabulary with about `target` triples (N-Quads, one graph per page)."""
    rnd = random.Random(42)
    n = 0
    lines: list[str] = []
    S, G, ORG, OA, XSD = ("<http://schema.org/", "<https://w3id.org/gonghui/ontology#",
                          "<http://www.w3.org/ns/org#", "<http://www.w3.org/ns/oa#", "http://www.w3.org/2001/XMLSchema#")
    a = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

    def q(s, p, o, g=""):
        nonlocal n
        lines.append(f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n")
        n += 1

    def lit(text, lang="zh"):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + f'"@{lang}'

    def typed(value, dt):
        return f'"{value}"^^<{XSD}{dt}>'

    people = [f"<{ID}person/p{i}>" for i in range(max(50, target // 200))]
    names = {}
    for p in people:
        names[p] = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
        q(p, a, S + "Person>")
        q(p, S + "name>", lit(names[p]))
    orgs = []
    for c, city in enumerate(CITIES):
        top = f"<{ID}org/c{c}>"
        orgs.append(top)
        q(top, a, ORG + "Organization>")
        q(top, a, G + "TradeUnion>")
        q(top, S + "name>", lit(f"{city}市总工会"))
        for t, trade in enumerate(TRADES):
            mid = f"<{ID}org/c{c}-t{t}>"
            orgs.append(mid)
            q(mid, a, ORG + "Organization>")
            q(mid, S + "name>", lit(f"{city}市{trade}工会"))
            q(mid, ORG + "subOrganizationOf>", top)
            for k in range(5):
                low = f"<{ID}org/c{c}-t{t}-{k}>"
                orgs.append(low)
                q(low, a, ORG + "Organization>")
                q(low, S + "name>", lit(f"{city}市第{k + 1}{trade}厂工会"))
                q(low, ORG + "subOrganizationOf>", mid)
    for slug, label in ROLES:
        q(f"<{ID}role/{slug}>", a, ORG + "Role>")
        q(f"<{ID}role/{slug}>", "<http://www.w3.org/2004/02/skos/core#prefLabel>", lit(label))
    slogans = [f"<{ID}slogan/s{i}>" for i in range(200)]
    for i, s in enumerate(slogans):
        q(s, a, G + "Slogan>")
        q(s, "<http://www.w3.org/2004/02/skos/core#prefLabel>", lit(f"口号{i}号"))
    day, page_no = 0, 0
    with open(out, "w", encoding="utf-8") as fh:
        while n < target:
            date = time.strftime("%Y-%m-%d", time.gmtime(1577836800 + 86400 * day))
            issue = f"<{ID}issue/bench/{date}>"
            day += 1
            for _ in range(4):   # pages per issue
                stem = f"bench-{page_no}"
                page_no += 1
                g = f"<{ID}graph/{stem}>"
                page = f"<{ID}page/{stem}>"
                q(issue, a, S + "PublicationIssue>", g)
                q(issue, S + "datePublished>", typed(date, "date"), g)
                q(page, a, G + "SourcePage>", g)
                q(page, G + "fileName>", f'"{stem}.txt"', g)
                offset = 0
                for pos in range(1, 6):
                    art = f"<{ID}article/{stem}/{pos}>"
                    start, end = offset, offset + 400
                    offset = end + 1
                    q(art, a, S + "NewsArticle>", g)
                    q(art, S + "headline>", lit(f"第{pos}条新闻{page_no}"), g)
                    q(art, G + "sourcePage>", page, g)
                    q(art, G + "startOffset>", typed(start, "integer"), g)
                    q(art, G + "endOffset>", typed(end, "integer"), g)
                    q(art, S + "position>", typed(pos, "integer"), g)
                    q(art, S + "isPartOf>", issue, g)
                    for k in range(4):
                        who = rnd.choice(people)
                        ms, me = start + 20 + k * 50, start + 23 + k * 50
                        m = f"<{ID}mention/{stem}/{ms}-{me}-person"
                        q(art, S + "mentions>", who, g)
                        q(m + ">", a, OA + "Annotation>", g)
                        q(m + ">", OA + "hasBody>", who, g)
                        q(m + ">", OA + "hasTarget>", m + "#target>", g)
                        q(m + "#target>", OA + "hasSource>", page, g)
                        q(m + "#target>", OA + "hasSelector>", m + "#selector>", g)
                        q(m + "#selector>", OA + "start>", typed(ms, "nonNegativeInteger"), g)
                        q(m + "#selector>", OA + "end>", typed(me, "nonNegativeInteger"), g)
                        q(m + "#selector>", OA + "exact>", lit(names[who]), g)
                    if rnd.random() < 0.3:
                        q(art, S + "mentions>", rnd.choice(slogans), g)
                    if rnd.random() < 0.3:
                        who, where = rnd.choice(people), rnd.choice(orgs)
                        role = rnd.choice(ROLES)[0]
                        slug = lambda iri: iri[1:-1].rsplit("/", 1)[1]  # noqa: E731
                        ms = f"<{ID}membership/{slug(who)}/{slug(where)}/{role}>"
                        q(ms, a, ORG + "Membership>")
                        q(ms, ORG + "member>", who)
                        q(ms, ORG + "organization>", where)
                        q(ms, ORG + "role>", f"<{ID}role/{role}>")
                        att = f"<{ID}attestation/{stem}/{pos}/{slug(who)}/{slug(where)}/{role}>"
                        q(att, a, G + "Attestation>", g)
                        q(att, G + "attests>", ms, g)
                        q(att, G + "postTitle>", lit(role), g)
                        q(att, G + "attestedAt>", f"<{ID}date/{date}>", g)
                        q(f"<{ID}date/{date}>", "<http://www.w3.org/2006/time#inXSDDate>", typed(date, "date"))
            if len(lines) > 50_000:
                fh.writelines(lines)
                lines.clear()
        fh.writelines(lines)
    print(f"generated {n:,} quads → {out}", flush=True)
    return out


# ------------------------------------------------------------------ measuring

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(files: list[Path], timeout: float, store: Path | None = None
                 ) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-c", "from gonghui.cli import main; main()", "serve", "--port", str(port),
           "--timeout", str(timeout)]
    for f in files:
        cmd += ["--data", str(Path(f).resolve())]
    if store is not None:            # a persistent store: loaded at the first run, reused after
        cmd += ["--store", str(store.resolve())]
    t = time.monotonic()
    # from the project folder, like a user's `gonghui serve` (its default data is lod/)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    banner = proc.stdout.readline()        # printed once the query workers are ready
    if "serving" not in banner:
        proc.kill()
        raise SystemExit(f"server did not start: {banner}{proc.stdout.read()}")
    took = time.monotonic() - t
    print(banner.strip(), f"(ready in {took:.1f} s)", flush=True)
    # Keep draining the server's output so a chatty log can never block it.
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return proc, f"http://127.0.0.1:{port}/sparql", took


def start_oxigraph(files: list[Path], store: Path, reuse: bool = False) -> tuple[subprocess.Popen, str, float]:
    """The Oxigraph server over the same files: loaded into `store`, then served read-only with
    the union of the named graphs as the default graph (as `gonghui serve` answers).
    With `reuse`, a store that a previous run loaded completely is served as it is."""
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    t = time.monotonic()
    done = store / "gonghui-bench-loaded"
    if not (reuse and done.is_file()):
        for f in files:
            subprocess.run([exe, "load", "--location", str(store), "--file", str(Path(f).resolve())],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        done.write_text("\n".join(str(Path(f).resolve()) for f in files) + "\n")
        print(f"Oxigraph load: {time.monotonic() - t:.1f} s", flush=True)
    port = free_port()
    log = open(store.parent / "oxigraph-server.log", "wb")
    proc = subprocess.Popen([exe, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}",
                             # no --timeout-s: it starts a thread per query, which on this
                             # machine ran out of threads (EAGAIN) within seconds
                             "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=log)
    log.close()                            # the server holds its own copy
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() - t > 600:
                raise SystemExit("the Oxigraph server did not start") from None
            time.sleep(0.1)
    took = time.monotonic() - t
    print(f"Oxigraph server {exe} ready in {took:.1f} s (load and start)", flush=True)
    return proc, f"http://127.0.0.1:{port}/query", took


def _request(conn: http.client.HTTPConnection, kind: str, path: str, body: str | None) -> int:
    if kind == "sparql":
        conn.request("POST", path, body=body.encode(), headers={
            "content-type": "application/sparql-query", "accept": "application/sparql-results+json"})
    else:
        conn.request("GET", path, headers={"accept": "text/html" if not path.endswith(".ttl") else "text/turtle"})
    r = conn.getresponse()
    r.read()
    return r.status


def _client(args) -> tuple[list[float], int]:
    host, port, kind, path, body, seconds = args
    conn = http.client.HTTPConnection(host, port, timeout=60)
    latencies, errors = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.perf_counter()
        try:
            status = _request(conn, kind, path, body)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=60)
            status = 0
        latencies.append(time.perf_counter() - t)
        errors += status != 200
    conn.close()
    return latencies, errors


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def discover(endpoint: str) -> dict[str, str]:
    """IRIs of a well-mentioned person and a parent organisation to put into the queries."""
    ep = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(ep.hostname, ep.port, timeout=120)
    import json

    def first(query: str) -> str | None:
        conn.request("POST", ep.path, body=(PREFIXES + query).encode(), headers={
            "content-type": "application/sparql-query", "accept": "application/sparql-results+json"})
        rows = json.loads(conn.getresponse().read())["results"]["bindings"]
        return next(iter(rows[0].values()))["value"] if rows else None

    person = first("SELECT ?p WHERE { ?p a schema:Person } ORDER BY ?p LIMIT 1") or ID + "person/none"
    org = first("SELECT ?o WHERE { ?x org:subOrganizationOf ?o } ORDER BY ?o LIMIT 1") or ID + "org/none"
    return {"person": person, "org": org, "person_path": person[len(ID):] if person.startswith(ID) else "none"}


def run(endpoint: str, seconds: float, clients: int, only: list[str] | None, sparql_only: bool = False,
        fill: dict | None = None) -> dict[str, tuple]:
    """Each query for `seconds`; name → (requests/s, p50, p95, p99 ms, errors), also printed."""
    ep = urllib.parse.urlsplit(endpoint)
    fill = fill or discover(endpoint)
    results = {}
    print(f"{'query':<20} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}")
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        for name, (kind, text) in QUERIES.items():
            if (only and name not in only) or (sparql_only and kind != "sparql"):
                continue
            text = text.replace("{person}", fill["person"]).replace("{org}", fill["org"]) \
                       .replace("{person_path}", fill["person_path"])
            path, body = (ep.path, PREFIXES + text) if kind == "sparql" else (text, None)
            t = time.monotonic()
            parts = pool.map(_client, [(ep.hostname, ep.port, kind, path, body, seconds)] * clients)
            wall = time.monotonic() - t
            lat = [x for p in parts for x in p[0]]
            errors = sum(p[1] for p in parts)
            results[name] = (len(lat) / wall, pct(lat, 50), pct(lat, 95), pct(lat, 99), errors)
            print(f"{name:<20} {len(lat):>8} {len(lat) / wall:>8.0f} {pct(lat, 50):>8.1f} {pct(lat, 95):>8.1f} "
                  f"{pct(lat, 99):>8.1f} {errors:>6}", flush=True)
    return results


SIMPLE = ("ask-by-iri", "name-by-iri", "posts-of-person")          # lookups (target: ≥ 0.8× Oxigraph)
HEAVY = ("mentions-of-person", "suborganisations", "slogans-first-seen", "count-by-class")  # (≥ 1.0×)


def side_by_side(ours: dict, theirs: dict) -> None:
    print("\n| query | gonghui serve req/s | p50 / p95 / p99 ms | Oxigraph server req/s | p50 / p95 / p99 ms | ratio |")
    print("|---|---:|---|---:|---|---:|")
    for name in theirs:
        a, b = ours[name], theirs[name]
        errors = f" ({a[4]} / {b[4]} errors)" if a[4] or b[4] else ""
        print(f"| {name} | {a[0]:.0f} | {a[1]:.1f} / {a[2]:.1f} / {a[3]:.1f} | {b[0]:.0f} | "
              f"{b[1]:.1f} / {b[2]:.1f} / {b[3]:.1f} | {a[0] / b[0]:.2f}×{errors} |")
    for label, names, target in (("simple lookups", SIMPLE, 0.8), ("heavy queries", HEAVY, 1.0)):
        ratios = [ours[n][0] / theirs[n][0] for n in names if n in theirs]
        if ratios:
            low = min(ratios)
            print(f"{label}: lowest ratio {low:.2f}× (target ≥ {target}×): {'met' if low >= target else 'missed'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", nargs="+", type=Path, help="RDF files to serve")
    src.add_argument("--generate", type=int, metavar="TRIPLES", help="serve a generated news graph of this size")
    src.add_argument("--endpoint", help="benchmark an endpoint that is already running")
    ap.add_argument("--seconds", type=float, default=5.0, help="per query (default 5)")
    ap.add_argument("--clients", type=int, default=4, help="concurrent client processes (default 4)")
    ap.add_argument("--timeout", type=float, default=30.0, help="server query timeout (default 30)")
    ap.add_argument("--only", nargs="*", choices=list(QUERIES), help="run only these queries")
    ap.add_argument("--oxigraph", action="store_true",
                    help="also serve the same files with the Oxigraph server and compare (needs --data or --generate)")
    ap.add_argument("--store", type=Path, metavar="DIR",
                    help="serve through a persistent store kept here (gonghui serve --store): a large file is "
                         "loaded at the first run only")
    ap.add_argument("--oxigraph-store", type=Path, metavar="DIR",
                    help="with --oxigraph: keep the Oxigraph server's store here and reuse it at the next run")
    args = ap.parse_args()
    proc = None
    if args.endpoint:
        endpoint = args.endpoint
    else:
        files = args.data
        if args.generate:
            out = ROOT / "bench" / "out" / f"generated-{args.generate}.nq"
            out.parent.mkdir(parents=True, exist_ok=True)
            files = [out if out.is_file() else generate(args.generate, out)]
        proc, endpoint, _ = start_server(files, args.timeout, args.store)
    try:
        fill = discover(endpoint)
        ours = run(endpoint, args.seconds, args.clients, args.only, fill=fill)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
    if args.oxigraph and not args.endpoint:
        keep = args.oxigraph_store is not None
        if keep:
            store = args.oxigraph_store
            store.mkdir(parents=True, exist_ok=True)
        else:
            store = Path(tempfile.mkdtemp(prefix="oxigraph-", dir=ROOT / "bench" / "out"))
        other = None
        try:
            other, their_endpoint, _ = start_oxigraph(files, store, reuse=keep)
            theirs = run(their_endpoint, args.seconds, args.clients, args.only, sparql_only=True, fill=fill)
        finally:
            if other is not None:
                other.terminate()
                other.wait(10)
            if not keep:
                shutil.rmtree(store, ignore_errors=True)
        side_by_side(ours, theirs)


if __name__ == "__main__":
    main()
