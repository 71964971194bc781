"""`gonghui build`: seeds/ → lod/. Four passes, each bounded in memory, so an archive of tens of
thousands of pages builds on one machine:

1. convert (pool.py) — read → segment → extract every page, in worker processes, into the cache
   (cache.py) keyed by the page's content and the code version: a rebuild redoes only changed pages;
2. resolve (dataset.py) — fold the cached pages one by one into the corpus (identity, names, posts);
3. map and validate (graphs.py) — each page becomes its own named graph, rendered (render.py) and
   validated with the compiled SHACL shapes over the entity descriptions, and cached; the entities
   graph is rendered and validated in pieces, each cached on its own;
4. publish — the graphs are written in a fixed order (dumps.py, void.py) into a staging folder (an
   unchanged one copied from the dumps the last build published), then moved into `lod/` only
   when everything validated (commit.py).

Output never depends on the clock, hash order or the number of workers: building twice, with one
worker or many, gives byte-identical files. The CLI calls:

    build(seeds_dir, out_dir, …)   the whole build (passes.py), or with shard="I/N" one share of it (shards.py)
    merge(shard_files, out_dir)    publish the shares of a sharded build together
    verify(out_dir)                the dumps checked against SHA256SUMS: a list of problems
    settled(out_dir)               what `serve` and `push` call first: one whole publish, or a one-line refusal
    retired                        the register of IRIs published before (`gonghui retire`, retired.py)
"""
from . import retired
from .commit import recover, settled, verify
from .dumps import DUMPS, FILES, SUMS
from .passes import build, merge

__all__ = ["build", "merge", "verify", "recover", "settled", "retired", "DUMPS", "FILES", "SUMS"]
