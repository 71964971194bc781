"""Dev figures: build the invented pages of bench/dev/pages/ (annotated by GUIDE.md in
bench/dev/gold/, see bench/dev/README.md) with and without the statistical recogniser, and score
each build with the project's scorer (shared/eval/score_gold.py beside the checkout).

    python bench/bench_dev.py [--scorer PATH] [--modes model,rules-only] [--seeds]

--seeds scores the five seed pages the same way (their gold in shared/gold/), for comparison.
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


def score(pages: Path, gold: list[Path], scorer: Path, mode: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        shutil.copytree(pages, seeds)
        env = {**os.environ, "GONGHUI_RULES_ONLY": "1" if mode == "rules-only" else ""}
        subprocess.run([sys.executable, "-m", "gonghui.cli", "build", "--seeds", str(seeds), "--out",
                        str(Path(tmp) / "lod"), "--quiet", "--no-cache"], check=True, env=env, cwd=tmp)
        out = subprocess.run([sys.executable, str(scorer), str(Path(tmp) / "lod"), *map(str, gold)],
                             capture_output=True, text=True, check=True).stdout
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scorer", type=Path, default=SHARED / "eval" / "score_gold.py")
    ap.add_argument("--modes", default="model,rules-only")
    ap.add_argument("--seeds", action="store_true", help="also score the seed pages")
    ap.add_argument("--misses", action="store_true", help="print the scorer's misses too")
    args = ap.parse_args()
    sets = [("dev", HERE / "dev" / "pages", sorted((HERE / "dev" / "gold").glob("*.json")))]
    if args.seeds:
        sets.append(("seeds", ROOT / "seeds", sorted((SHARED / "gold").glob("*.json"))))
    for name, pages, gold in sets:
        for mode in args.modes.split(","):
            out = score(pages, gold, args.scorer, mode)
            lines = out.splitlines() if args.misses else [ln for ln in out.splitlines() if not ln.startswith("  ")]
            print(f"== {name}, {mode}")
            print("\n".join(lines))


if __name__ == "__main__":
    main()
