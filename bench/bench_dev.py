"""Dev figures: build the invented pages of bench/dev/pages/ (annotated by GUIDE.md in
bench/dev/gold/, see bench/dev/README.md) with and without the statistical recogniser, and score
each build with the project's scorer (shared/eval/score_gold.py beside the checkout).

    python bench/bench_dev.py [--scorer PATH] [--modes model,rules-only] [--seeds]

--seeds scores the five seed pages the same way (their gold in shared/gold/), for comparison;
--heldout the pages of bench/heldout/, which are scored and never used to change a rule.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"


def score(pages: Path, gold: list[Path], scorer: Path, mode: str, by_source: bool = False) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        shutil.copytree(pages, seeds)
        env = {**os.environ, "GONGHUI_RULES_ONLY": "1" if mode == "rules-only" else ""}
        subprocess.run([sys.executable, "-m", "gonghui.cli", "build", "--seeds", str(seeds), "--out",
                        str(Path(tmp) / "lod"), "--quiet", "--no-cache"], check=True, env=env, cwd=tmp)
        out = subprocess.run([sys.executable, str(scorer), str(Path(tmp) / "lod"), *map(str, gold)],
                             capture_output=True, text=True, check=True).stdout
        if by_source:
            out += source_precision(Path(tmp) / "lod" / "gonghui.trig", gold)
    return out


def source_precision(trig: Path, gold: list[Path]) -> str:
    """How often a person found by each source (gh:foundBy of the mentions) is a person of the
    gold: a person counts once per source that found one of its mentions."""
    import json
    import unicodedata
    from collections import Counter

    import rdflib

    def norm(t):
        return "".join(ch for ch in unicodedata.normalize("NFKC", str(t)) if unicodedata.category(ch)[0] in "LN")
    names = {norm(p["name"]) for g in gold for p in json.loads(g.read_text(encoding="utf-8"))["people"]}
    ds = rdflib.Dataset(default_union=True)
    ds.parse(trig, format="trig")
    rows = ds.query("""PREFIX schema: <http://schema.org/> PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX gh: <https://w3id.org/gonghui/ontology#>
        SELECT DISTINCT ?source ?person ?name WHERE {
          ?m oa:hasBody ?person ; gh:foundBy ?source . ?person a schema:Person ; schema:name ?name }""")
    found, right = Counter(), Counter()
    for source, _, name in rows:
        found[str(source)] += 1
        right[str(source)] += norm(name) in names
    lines = ["people by source  precision  (right / found)"]
    for source, n in found.most_common():
        lines.append(f"· {source:16} {right[source] / n:.3f}  ({right[source]} / {n})")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scorer", type=Path, default=SHARED / "eval" / "score_gold.py")
    ap.add_argument("--modes", default="model,rules-only")
    ap.add_argument("--seeds", action="store_true", help="also score the seed pages")
    ap.add_argument("--heldout", action="store_true",
                    help="also score the held-out pages of bench/heldout/ (scored, never tuned on)")
    ap.add_argument("--misses", action="store_true", help="print the scorer's misses too")
    ap.add_argument("--by-source", action="store_true", help="the precision of the people each source found")
    args = ap.parse_args()
    sets = [("dev", HERE / "dev" / "pages", sorted((HERE / "dev" / "gold").glob("*.json")))]
    if args.heldout:
        sets.append(("heldout", HERE / "heldout" / "pages", sorted((HERE / "heldout" / "gold").glob("*.json"))))
    if args.seeds:
        sets.append(("seeds", ROOT / "seeds", sorted((SHARED / "gold").glob("*.json"))))
    for name, pages, gold in sets:
        for mode in args.modes.split(","):
            out = score(pages, gold, args.scorer, mode, args.by_source)
            lines = out.splitlines() if args.misses else [ln for ln in out.splitlines() if not ln.startswith("  ")]
            print(f"== {name}, {mode}")
            print("\n".join(lines))


if __name__ == "__main__":
    main()
