"""Fixed word lists found in text fast: division names, post titles and boundary words
(出席, 表示 …), each looked up by set at the places a word can start."""
from __future__ import annotations

import functools
import re

from ... import lexicon


class WordList:
    """Finds the words of a fixed list in text just as a regex alternation of them, longest
    first, would: at each place the longest word, left to right, never overlapping. re tries an
    alternation word by word at every character (6,000 division names made that the slowest step
    of the extractor); here a character-class regex finds the few places where a word could start
    and sets are looked up there."""

    def __init__(self, words):
        words = frozenset(words)
        self.singles = frozenset(w for w in words if len(w) == 1)
        self.longer = frozenset(w for w in words if len(w) >= 2)
        lengths: dict[str, set[int]] = {}
        for w in self.longer:
            lengths.setdefault(w[:2], set()).add(len(w))
        # by the first two characters: the lengths of the words starting so, longest first
        self.lengths = {head: sorted(ns, reverse=True) for head, ns in lengths.items()}

        def chars(cs):
            return "[" + "".join(map(re.escape, sorted(cs))) + "]"
        # where a word may start: a first character followed by a second one, or a one-character word
        starts = [chars({w[0] for w in self.longer}) + chars({w[1] for w in self.longer})] if self.longer else []
        starts += [chars(self.singles)] if self.singles else []
        self.candidates = re.compile("(?=" + "|".join(starts) + ")") if starts else None

    def match(self, text: str, pos: int = 0) -> int:
        """Length of the longest word starting at pos, else 0."""
        for n in self.lengths.get(text[pos:pos + 2], ()):
            if len(word := text[pos:pos + n]) == n and word in self.longer:
                return n
        return 1 if text[pos:pos + 1] in self.singles else 0

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every word found, left to right."""
        out: list[tuple[int, int]] = []
        if self.candidates is None:
            return out
        heads, singles = self.lengths, self.singles     # heads: the keys of lengths
        end = 0
        for m in self.candidates.finditer(text):
            i = m.start()
            # the set test inline before the call: most candidates fail it
            if i >= end and (text[i:i + 2] in heads or text[i] in singles) and (n := self.match(text, i)):
                out.append((i, i + n))
                end = i + n
        return out


@functools.cache
def division_words() -> WordList:
    """Every division name of two characters or more (full, short and common forms)."""
    return WordList(n for n in lexicon.division_names() if len(n) >= 2)


@functools.lru_cache(maxsize=16)
def division_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of division names left to right, the longest at each place, never overlapping.
    Cached: the page context and the place finder both read the whole page."""
    return tuple(division_words().spans(text))


def division_mentions(text: str) -> list[str]:
    return [text[s:e] for s, e in division_spans(text)]


@functools.cache
def title_words() -> WordList:
    """The post titles looked for in text."""
    return WordList(t.text for t in lexicon.titles())


@functools.cache
def _title_set() -> tuple[frozenset[str], int]:
    titles = frozenset(t.text for t in lexicon.titles())
    return titles, max(map(len, titles))


@functools.cache
def _boundary_set() -> tuple[frozenset[str], int]:
    words = lexicon.name_boundaries()
    return words, max(map(len, words))


def starts_with_boundary(text: str, pos: int, min_len: int = 1) -> bool:
    """Does a boundary word (出席, 表示, 说 …) start at pos? Set lookups, not a scan of the list."""
    words, longest = _boundary_set()
    return any(text[pos:pos + n] in words for n in range(min_len, longest + 1))


def title_ending_at(text: str, end: int, org_at_end: dict | None = None) -> tuple[int, str] | None:
    """The title printed just before `end`; where an organisation ends right before a shorter
    title, that one (市总工会|主席, not 市总|工会主席)."""
    titles, longest = _title_set()
    cands = [(end - n, text[end - n:end]) for n in range(1, min(longest, end) + 1) if text[end - n:end] in titles]
    if not cands:
        return None
    if org_at_end:
        after_org = [c for c in cands if c[0] in org_at_end]
        if after_org:
            return max(after_org, key=lambda c: len(c[1]))
    return max(cands, key=lambda c: len(c[1]))
