"""Readable, stable IRIs from Chinese names: 郑国平 → person/zheng-guoping.

Slugs are lower-case ASCII pinyin words joined by "-", words cut where jieba cuts them and
administrative suffixes (省 市 区 县) split off, so 杭州市总工会 → hangzhou-shi-zonggonghui.
Anything that is not a Chinese character or ASCII letter/digit is dropped, so no input can
produce an invalid IRI. Two names with the same slug are told apart by a short hash of the name.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import jieba

from .. import lexicon

jieba.setLogLevel(60)
SUFFIXES = ("省", "市", "区", "县", "镇", "乡", "村")


# text → slug. Making a slug costs about half a millisecond (jieba, pypinyin); the build keeps
# this table in its cache, so a rebuild does not make the slugs of a whole archive again.
SLUGS: dict[str, str] = {}


def slug(text: str) -> str:
    """ASCII slug of a name; never empty, only [a-z0-9-]."""
    found = SLUGS.get(text)
    if found is None:
        found = SLUGS[text] = _make_slug(text)
    return found


def _make_slug(text: str) -> str:
    from pypinyin import Style, lazy_pinyin  # here: its import takes 0.4 s, and a cached build needs no new slug
    text = unicodedata.normalize("NFKC", text)
    words: list[str] = []
    if _looks_like_person(text):
        single, compound = lexicon.surnames()
        cut = 2 if text[:2] in compound else 1
        words = [text[:cut], text[cut:]]
    else:
        for w in jieba.lcut(text, HMM=False):
            if len(w) > 1 and w.endswith(SUFFIXES) and w[:-1] and "\u4e00" <= w[0] <= "\u9fff":
                words += [w[:-1], w[-1]]
            else:
                words.append(w)
    parts = []
    for w in words:
        py = "".join(lazy_pinyin(w, style=Style.NORMAL, errors=lambda s: list(s)))
        py = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", py).encode("ascii", "ignore").decode().lower())
        if py.strip("-"):
            parts.append(py.strip("-"))
    out = "-".join(parts)
    out = re.sub(r"-{2,}", "-", out).strip("-")[:80].strip("-")
    return out or "x-" + short_hash(text)


def _looks_like_person(text: str) -> bool:
    return 2 <= len(text) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in text) and not _is_org_like(text)


def _is_org_like(text: str) -> bool:
    return text.endswith(_org_endings())


@lru_cache(maxsize=1)
def _org_endings() -> tuple[str, ...]:
    return tuple(s.text for s in lexicon.org_suffixes()) + SUFFIXES


def short_hash(text: str) -> str:
    # surrogatepass: a lone surrogate (possible in any Python str) still hashes instead of raising
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:6]


def pinyin_label(text: str) -> str:
    """Readable pinyin without tone marks, words capitalised: 郑国平 → Zheng Guoping."""
    s = slug(text)
    if s.startswith("x-"):
        return ""
    return " ".join(map(str.capitalize, s.split("-")))


class Minter:
    """Hands out distinct slugs per kind, deterministically for a given set of keys.

    Call `assign(kind, keys)` with every key of a kind (sorted); colliding slugs get a hash
    suffix, except the key that sorts first."""

    def __init__(self):
        self.table: dict[tuple[str, str], str] = {}

    def assign(self, kind: str, keys: dict[str, str]) -> None:
        """keys: key → the text its slug is made from."""
        by_slug: dict[str, list[str]] = {}
        for key in sorted(keys):
            by_slug.setdefault(slug(keys[key]), []).append(key)
        for s, group in by_slug.items():
            for n, key in enumerate(group):
                self.table[(kind, key)] = s if n == 0 else f"{s}-{short_hash(key)}"

    def __call__(self, kind: str, key: str) -> str:
        return self.table[(kind, key)]
