"""What corrections cost a build (issue 17): an archive built once, then rebuilt from the cache with
no corrections, with N corrections (page-level `not` and `is`, and merges), and after changing one
of them. Prints figures (markdown), asserts nothing.

    .venv/bin/python bench/bench_curate.py                  # 1,000 pages, 200 corrections
    .venv/bin/python bench/bench_curate.py --pages 200 --corrections 50

Pages come from bench/generate_archive.py into bench/out/curate/ (git-ignored). Builds run
`gonghui build --rules-only --workers 1` in a subprocess (the model adds the same time with or
without corrections); the corrections are made from the first build's own mentions, so each applies.
"""
from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate_archive import generate

OUT = HERE / "out" / "curate"
GONGHUI = "import sys; from gonghui.cli import main; sys.argv[0] = 'gonghui'; main()"
MENTIONS = """PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX schema: <http://schema.org/>
SELECT ?m ?exact WHERE { ?m a oa:Annotation ; oa:hasBody ?p ; oa:hasTarget/oa:hasSelector/oa:exact ?exact .
  ?p a schema:Person } ORDER BY ?m"""
PEOPLE = "PREFIX schema: <http://schema.org/> SELECT ?p WHERE { ?p a schema:Person } ORDER BY ?p"


def run_build(root: Path, *extra: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", GONGHUI, "build", "--rules-only", "--workers", "1", *extra],
                          cwd=root, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"build failed: {done.stderr.strip()}")
    return seconds, done.stdout


def corrections(root: Path, n: int) -> str:
    store = ox.Store()
    store.load(path=str(root / "lod" / "gonghui.trig"), format=ox.RdfFormat.TRIG)
    rng = random.Random(17)
    mentions = [(r["m"].value, r["exact"].value) for r in store.query(MENTIONS, use_default_graph_as_union=True)]
    people = [r["p"].value for r in store.query(PEOPLE, use_default_graph_as_union=True)]
    out = []
    for iri, exact in rng.sample(mentions, min(n * 4 // 5, len(mentions))):
        stem, span = iri.split("/mention/")[1].split("/")
        start, end, _ = span.split("-")
        if rng.random() < 0.5:
            out.append(f'[[correction]]\nop = "not"\nkind = "person"\npage = "{stem}.txt"\nat = [{start}, {end}]\n')
        else:
            out.append(f'[[correction]]\nop = "is"\nkind = "person"\npage = "{stem}.txt"\nat = [{start}, {end}]\n'
                       f'name = "{exact}·{start}"\n')
    pairs = rng.sample(people, min(2 * (n - len(out)), len(people) // 2 * 2))
    for a, b in zip(pairs[::2], pairs[1::2]):
        out.append(f'[[correction]]\nop = "merge"\npeople = ["{a}", "{b}"]\n')
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--corrections", type=int, default=200)
    args = ap.parse_args()
    root = OUT / f"{args.pages}"
    if root.exists():
        shutil.rmtree(root)
    generate(args.pages, root / "seeds")
    first, _ = run_build(root)
    cached, _ = run_build(root)
    toml = corrections(root, args.corrections)
    (root / "corrections").mkdir()
    (root / "corrections" / "bench.toml").write_text(toml, encoding="utf-8")
    n = toml.count("[[correction]]")
    corrected, report = run_build(root)
    summary = next(line for line in report.splitlines() if line.startswith("corrections:"))
    again, _ = run_build(root)
    changed = toml.replace('op = "not"', 'op = "not"\nnote = "changed"', 1)
    (root / "corrections" / "bench.toml").write_text(changed, encoding="utf-8")
    one, _ = run_build(root)
    print(f"### Corrections ({args.pages} pages, {n} corrections, `--rules-only --workers 1`)\n")
    print("| build | time |\n|---|---:|")
    print(f"| first build (converts every page) | {first:.1f} s |")
    print(f"| rebuild, no corrections (all cached) | {cached:.1f} s |")
    print(f"| rebuild with the {n} corrections added | {corrected:.1f} s |")
    print(f"| rebuild again, corrections unchanged | {again:.1f} s |")
    print(f"| after changing one correction's note | {one:.1f} s |")
    print(f"\n{summary}")


if __name__ == "__main__":
    main()
