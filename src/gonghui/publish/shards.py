"""Huge archives in shares: the pages of one share (`build --shard I/N`), the portable file its
converted pages are written to, and reading such files back for `merge`."""
from __future__ import annotations

import gzip
import hashlib
import io
import pickle
from pathlib import Path

from ..errors import InputError
from .cache import Cache, code_version, write_atomic
from .pool import Source


def select_shard(paths: list[Path], shard: str) -> list[Path]:
    try:
        i, n = (int(x) for x in shard.split("/"))
        assert 1 <= i <= n
    except (ValueError, AssertionError):
        raise InputError(f"--shard {shard}: expected I/N with 1 ≤ I ≤ N") from None
    # by name, so a page stays in its shard when others are added
    return [p for p in paths if int(hashlib.sha1(p.name.encode()).hexdigest(), 16) % n == i - 1]


def write_shard(sources: list[Source], cache: Cache, out_dir: Path, shard: str, echo) -> bool:
    """A shard build leaves its converted pages in a portable file for `gonghui merge`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = [(s.path.name, s.sha, cache.load_page(s.path.name, s.sha)) for s in sources]
    name = "shard-" + shard.replace("/", "-of-") + ".pages.gz"
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as gz:
        pickle.dump((code_version(), pages), gz, protocol=pickle.HIGHEST_PROTOCOL)
    write_atomic(out_dir / name, buf.getvalue())
    if echo:
        echo(f"shard {shard}: {len(pages)} pages converted into {out_dir / name}")
    return True
