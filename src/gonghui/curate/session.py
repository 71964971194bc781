"""One build's corrections: which pages take which, what each did over the whole build, the report.

The build asks `for_page` for each page it resolves, records what `apply_page` did there, applies
the corpus-level corrections once, and ends with `report()` (printed) and `stale()` (an error
under --strict). A page-level correction addressed to a page that is not in the build is stale too.
"""
from __future__ import annotations

from typing import Callable

from ..convert.resolve import Corpus
from .apply import CORPUS_OPS, Result, apply_corpus, apply_page, for_page
from .corrections import Correction


class Curation:
    def __init__(self, corrections: list[Correction]):
        self.corrections = corrections
        self.results = {c.id: Result(c) for c in corrections}

    def __bool__(self) -> bool:
        return bool(self.corrections)

    def for_page(self, source: str, entities) -> list[Correction]:
        return for_page(self.corrections, source, entities) if self.corrections else []

    def apply_page(self, pe, fixes: list[Correction]):
        """The corrected page (what each correction did is recorded)."""
        pe, results = apply_page(pe, fixes)
        for r in results:
            self.results[r.correction.id].absorb(r)
        return pe

    def apply_corpus(self, corpus: Corpus, names: list, key_of_iri: Callable) -> None:
        fixes = [c for c in self.corrections if c.op in CORPUS_OPS]
        for r in apply_corpus(corpus, names, fixes, key_of_iri):
            self.results[r.correction.id].absorb(r)

    def finish(self, sources: set[str]) -> None:
        """After every page: say why a correction for a page outside the build did not apply."""
        for r in self.results.values():
            c = r.correction
            if r.stale and c.page is not None and c.page not in sources:
                r.why = f"the page {c.page} is not in the build"

    def applied(self) -> list[Result]:
        return [r for r in self.results.values() if not r.stale]

    def stale(self) -> list[Result]:
        return [r for r in self.results.values() if r.stale]

    def report(self) -> str:
        """What the build prints: a line per correction, the statements removed, the stale ones and why."""
        if not self.corrections:
            return ""
        applied, stale = self.applied(), self.stale()
        lines = [f"corrections: {len(applied)} applied, {len(stale)} stale, of {len(self.corrections)}"]
        for r in applied:
            lines.append(f"  applied {r.correction.where} [{r.correction.id}]: {r.correction.describe()}")
            lines += [f"    removed: {line}" for line in r.removed]
        for r in stale:
            lines.append(f"  stale {r.correction.where} [{r.correction.id}]: {r.correction.describe()}: "
                         f"{r.why or 'it applies nowhere'}")
        return "\n".join(lines)
