"""Passes 2 to 4 over converted pages: resolve them into one corpus, map and validate every graph,
write the dumps and VoID into a staging folder and commit it; nothing is published that does not validate."""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from ..convert.resolve import Corpus, add_page, add_parents
from ..curate.corrections import Correction
from ..curate.session import Curation
from ..errors import InputError
from ..rdf.mapping import Mapper
from .cache import Cache, PageSummary, write_atomic
from .commit import commit, recover, staging_prefix
from .dumps import DUMPS, FILES, SUMS, Writer
from .graphs import WORKER_STATE, map_pages
from .pool import Source, reconvert
from .void import void


def publish_sources(sources: list[Source], cache: Cache, out_dir: Path, base: str, keep_going: bool,
                    workers: int, echo: Callable | None, failed: list[tuple[str, str]],
                    corrections: list[Correction] = (), strict: bool = False,
                    retired: dict[str, str | None] | None = None) -> bool:
    """Resolve, correct, map, validate and publish. With `strict`, a stale correction is an error
    (nothing is published)."""
    if not sources:
        raise InputError("no page could be converted")
    try:
        return _publish(sources, cache, out_dir, base, keep_going, workers, echo, failed, list(corrections), strict,
                        retired or {})
    except OSError as exc:
        # disk full, read-only folder …: one line; the staging folder is gone, lod/ untouched
        raise InputError(f"{out_dir}: cannot publish ({exc.strerror or exc})") from None


def _publish(sources, cache, out_dir, base, keep_going, workers, echo, failed, corrections, strict, retired) -> bool:
    out_dir.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    cache.load_slugs()
    stubs, previous = cache.load_published(out_dir)
    try:
        return _publish_with(stubs, previous, sources, cache, out_dir, base, keep_going, workers, echo, failed,
                             corrections, strict, retired)
    finally:
        for fd in previous.values():
            os.close(fd)
        # the mapper and the entity index go now, not at exit: a library caller keeps its memory,
        # and the interpreter's last collection over them cost a 1,000-page build 1.2 s
        WORKER_STATE.clear()


def _publish_with(stubs, previous, sources, cache, out_dir, base, keep_going, workers, echo, failed,
                  corrections, strict, retired) -> bool:
    while True:
        corpus, curation = Corpus(retired_iris=retired), Curation(corrections)
        stats, names, fixes = [], [], []
        for k, s in enumerate(sources):
            brief = cache.load_summary(s.path.name, s.sha) or PageSummary.of(reconvert(cache, s))
            fixes.append(curation.for_page(s.path.name, brief.entities))
            if fixes[-1]:       # corrected before it is resolved (the page graph is corrected alike)
                pe = cache.load_page(s.path.name, s.sha) or reconvert(cache, s)
                brief = PageSummary.of(curation.apply_page(pe, fixes[-1]))
            add_page(corpus, k, brief.entities)
            stats.append(brief.stats)
            names.append(brief.names.interned())
        add_parents(corpus)
        if curation:
            curation.apply_corpus(corpus, names, _iri_keys(corpus, base, curation))
            curation.finish({s.path.name for s in sources})
            if echo:
                echo(curation.report())
            stale = curation.stale()
            if strict and stale:
                raise InputError(f"{len(stale)} stale correction(s), first {stale[0].correction.where}: "
                                 f"{stale[0].why or 'it applies nowhere'} (--strict)")
        staging = Path(tempfile.mkdtemp(prefix=staging_prefix(), dir=out_dir))
        try:
            writer = Writer(staging, previous)
            problems, bad = [], set()
            for chunk in map_pages(corpus, sources, names, cache, base, workers, echo, stubs, fixes,
                                   curation.applied()):
                if chunk.problems:
                    problems += chunk.problems
                    bad.add(chunk.source)
                if not problems:
                    writer.add(chunk)
            sums = writer.close()
            if problems:
                shutil.rmtree(staging, ignore_errors=True)
                if echo:
                    from ..rdf.problems import Report
                    echo(Report(False, problems).text())
                if keep_going and None not in bad:
                    failed += [(name, "violates the shapes") for name in sorted(bad)]
                    sources = [s for s in sources if s.path.name not in bad]
                    if sources:
                        continue
                if echo:
                    echo("gonghui: the dataset does not validate; nothing was published")
                return False
            files = {name: staging / name for name in DUMPS}
            description = void(writer.triples, writer.classes, files, sums, base)
            write_atomic(staging / "void.ttl", description)
            sums["void.ttl"] = hashlib.sha256(description).hexdigest()
            write_atomic(staging / SUMS, "".join(f"{sums[n]}  {n}\n" for n in FILES).encode())
            for name in FILES:
                os.chmod(staging / name, 0o644)
            cache.forget_published(out_dir)
            commit(staging, out_dir)
            cache.store_published(out_dir, writer.published)
        finally:
            if staging.exists() and not (staging / "COMPLETE").exists():
                shutil.rmtree(staging, ignore_errors=True)
        if echo:
            echo(summary(stats, writer.triples, failed))
        return True


def _iri_keys(corpus: Corpus, base: str, curation: Curation) -> Callable[[str, str], str | None]:
    """kind, IRI → the key of the entity it was minted for in the corpus as extracted (before the
    corpus-level corrections), for corrections that name their targets by IRI; any base."""
    table = {}
    if any("://" in ref for c in curation.corrections for ref in (c.person, c.organisation, *c.people) if ref):
        mapper = Mapper(corpus, base)
        for kind in ("person", "org"):
            for key in mapper.slug_keys()[kind]:
                table[(kind, mapper.mint(kind, key))] = key

    def key_of_iri(kind: str, iri: str) -> str | None:
        parts = iri.rstrip("/").rsplit("/", 2)
        return table.get((kind, parts[-1])) if len(parts) == 3 and parts[1] == kind else None
    return key_of_iri


def summary(stats: list[tuple], triples: int, failed: list[tuple[str, str]]) -> str:
    rows = [("page", "items", "articles", "people", "orgs", "places", "slogans")] + \
        [tuple(str(x) for x in s) for s in stats]
    if len(rows) > 41:      # a long archive: the first pages and a total
        rows = rows[:21] + [("…",) * 7]
    widths = [max(len(r[c]) for r in rows) for c in range(7)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.append(f"{triples} triples from {len(stats)} pages")
    lines += [f"left out: {name}: {error}" for name, error in failed]
    return "\n".join(lines)
