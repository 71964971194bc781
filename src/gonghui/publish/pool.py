"""Pass 1, convert: read → segment → extract every page into the cache, in forked worker processes."""
from __future__ import annotations

import hashlib
import multiprocessing
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..convert import convert_page, warm_up
from ..errors import InputError
from ..model import PageEntities
from ..rdf import iri
from ..rdf.legacy import LEGACY_SLUGS, legacy_slug
from ..rdf.mapping import Mapper
from .cache import Cache


@dataclass
class Source:
    path: Path
    sha: str
    error: str | None = None


def _convert_task(args: tuple[Path, str, Path, str]) -> tuple[str | None, tuple[dict, dict]]:
    """Worker: convert one page into the cache; the error message (or None), and the slugs of
    the page's names, current and legacy (made here, in parallel, rather than in the parent when
    minting)."""
    path, sha, root, version = args
    try:
        pe = convert_page(path)
        Cache(root, version).store_page(path.name, sha, pe)
    except InputError as exc:
        return str(exc), ({}, {})
    except OSError as exc:
        return f"{path.name}: cannot write the cache ({exc.strerror or exc})", ({}, {})
    keys = sorted(Mapper.slug_texts(pe))
    return None, ({key: iri.slug(*key) for key in keys}, {text: legacy_slug(text) for text, _ in keys})


def fork_pool(workers: int):
    return multiprocessing.get_context("fork").Pool(workers)


def convert(paths: list[Path], cache: Cache, workers: int, echo: Callable | None) -> list[Source]:
    sources = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror})") from None
        sources.append(Source(path, hashlib.sha256(data).hexdigest()))
    todo = [s for s in sources if not cache.has_page(s.path.name, s.sha)]
    tasks = [(s.path, s.sha, cache.root.parent, cache.root.name) for s in todo]
    if todo:
        warm_up()
    if workers > 1 and len(todo) > 1:
        with fork_pool(min(workers, len(todo))) as pool:
            errors = []
            for n, (err, slugs) in enumerate(pool.imap(_convert_task, tasks, chunksize=1), 1):
                errors.append(err)
                iri.SLUGS.update(slugs[0])
                LEGACY_SLUGS.update(slugs[1])
                progress(echo, "converting", n, len(todo))
    else:
        errors = []
        for n, t in enumerate(tasks, 1):
            errors.append(_convert_task(t)[0])
            progress(echo, "converting", n, len(todo))
    for s, err in zip(todo, errors):
        s.error = err
    return sources


def reconvert(cache: Cache, src: Source) -> PageEntities:
    """A page whose cache entry turned out unreadable (checked only by checksum): convert again."""
    pe = convert_page(src.path)
    cache.store_page(src.path.name, src.sha, pe)
    return pe


def progress(echo, what, n, total):
    """A text progress bar on stderr, printed about twenty times over a long run."""
    if echo and total > 1 and (n == total or n % max(1, total // 20) == 0):
        done = 30 * n // total
        echo(f"  {what} [{'#' * done}{'.' * (30 - done)}] {n}/{total}", err=True)
