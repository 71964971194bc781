"""Latency of the reconciliation service (/reconcile) as OpenRefine uses it. Prints figures, asserts nothing.

    .venv/bin/python bench/bench_reconcile.py                    # gonghui serve on lod/
    .venv/bin/python bench/bench_reconcile.py --people 100000    # plus an invented graph of that many people

Starts `gonghui serve` (bench_endpoint.start_server: a real subprocess on a free loopback port),
waits for the name index, then times batches of 10 and 50 queries (the people's own Chinese
names, their pinyin without spaces, and names with organisation and post constraints), entity
suggest, previews and a data extension of 50 ids; median and maximum of --rounds requests each.
With --people N it writes an invented N-Triples graph (N people, N/20 organisations, one post
each) to bench/out/ and serves that too, reporting how long the index took to be ready.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_endpoint import start_server  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/gonghui/id/"
PERSON = "http://schema.org/Person"
PEOPLE = ("SELECT ?p ?name ?pinyin { ?p a <http://schema.org/Person> ; <http://schema.org/name> ?name ; "
          "<http://www.w3.org/2000/01/rdf-schema#label> ?pinyin FILTER(langMatches(lang(?pinyin), 'zh-Latn-pinyin')) "
          "} ORDER BY ?p LIMIT 1000")


def invented_graph(n: int, out: Path) -> Path:
    """N invented people with a pinyin label and one post each in one of N/20 invented unions."""
    rng = random.Random(1)
    family, given = "乔唐韩苏梁薛邵钟", "明远悦笙海岚泽川嘉禾"
    family_py = ["qiao", "tang", "han", "su", "liang", "xue", "shao", "zhong"]
    given_py = ["ming", "yuan", "yue", "sheng", "hai", "lan", "ze", "chuan", "jia", "he"]
    rdf, s, org = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "http://schema.org/", "http://www.w3.org/ns/org#"
    path = out / f"reconcile-{n}.nt"
    with open(path, "w", encoding="utf-8") as f:
        for j in range(max(1, n // 20)):
            f.write(f'<{ID}org/u{j}> <{rdf}> <{org}Organization> .\n<{ID}org/u{j}> <{s}name> "第{j}工会"@zh .\n')
        for i in range(n):
            a, b, c = rng.randrange(8), rng.randrange(10), rng.randrange(10)
            p, m = f"<{ID}person/p{i}>", f"<{ID}membership/p{i}>"
            f.write(f'{p} <{rdf}> <{s}Person> .\n{p} <{s}name> "{family[a]}{given[b]}{given[c]}"@zh .\n'
                    f'{p} <http://www.w3.org/2000/01/rdf-schema#label> '
                    f'"{family_py[a].title()} {given_py[b].title()}{given_py[c]}"@zh-latn-pinyin .\n'
                    f'{m} <{rdf}> <{org}Membership> .\n{m} <{org}member> {p} .\n'
                    f'{m} <{org}organization> <{ID}org/u{i % max(1, n // 20)}> .\n')
    return path


def timed(label: str, call, rounds: int) -> None:
    times = []
    for i in range(rounds):
        t = time.perf_counter()
        r = call(i)
        times.append(1000 * (time.perf_counter() - t))
        if r.status_code != 200:
            print(f"  {label}: HTTP {r.status_code} {r.text[:200]}")
            return
    print(f"| {label} | {statistics.median(times):.1f} ms | {max(times):.1f} ms |", flush=True)


def run(files: list[Path], rounds: int, timeout: float) -> None:
    proc, sparql, _ = start_server(files, timeout)
    root = sparql.rsplit("/", 1)[0]
    try:
        with httpx.Client(base_url=root, timeout=60) as c:
            t = time.monotonic()
            while c.post("/reconcile", data={"queries": '{"q": {"query": "x"}}'}).status_code == 503:
                time.sleep(0.2)
            print(f"name index ready {time.monotonic() - t:.1f} s after the banner")
            rows = c.get("/sparql", params={"query": PEOPLE}, headers={"accept": "application/sparql-results+json"})
            people = [(b["p"]["value"][len(ID):], b["name"]["value"], b["pinyin"]["value"])
                      for b in rows.json()["results"]["bindings"]]

            def batch(size: int, i: int, field: int = 1, constrained: bool = False):
                chosen = [people[(i * size + k) % len(people)] for k in range(size)]
                queries = {}
                for k, person in enumerate(chosen):
                    text = person[field].replace(" ", "").lower() if field == 2 else person[field]
                    queries[f"q{k}"] = {"query": text, "type": PERSON, "limit": 5}
                    if constrained:
                        queries[f"q{k}"]["properties"] = [{"pid": "organisation", "v": "市总工会"},
                                                          {"pid": "post", "v": "主席"}]
                return c.post("/reconcile", data={"queries": json.dumps(queries, ensure_ascii=False)})

            print(f"{len(people)} people queried\n\n| request | median | max |\n|---|---:|---:|")
            timed("10 queries, Chinese names", lambda i: batch(10, i), rounds)
            timed("10 queries, pinyin without spaces", lambda i: batch(10, i, field=2), rounds)
            timed("10 queries + organisation and post", lambda i: batch(10, i, constrained=True), rounds)
            timed("50 queries, Chinese names", lambda i: batch(50, i), rounds)
            timed("suggest/entity (one character)",
                  lambda i: c.get("/reconcile/suggest/entity", params={"prefix": people[i % len(people)][1][:1]}), rounds)
            timed("preview", lambda i: c.get("/reconcile/preview", params={"id": people[i % len(people)][0]}), rounds)
            props = [{"id": p} for p in ("posts", "organisation", "role", "first_attested", "last_attested", "last_seen")]
            timed("extend 50 ids × 6 properties", lambda i: c.post("/reconcile", data={"extend": json.dumps(
                {"ids": [p[0] for p in people[(i * 50) % len(people):][:50]], "properties": props})}), rounds)
    finally:
        proc.terminate()
        proc.wait(20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=0, help="also serve an invented graph of this many people")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()
    print("## lod/")
    run([], args.rounds, args.timeout)
    if args.people:
        out = ROOT / "bench" / "out"
        out.mkdir(parents=True, exist_ok=True)
        print(f"\n## {args.people:,} invented people")
        run([invented_graph(args.people, out)], args.rounds, args.timeout)


if __name__ == "__main__":
    main()
