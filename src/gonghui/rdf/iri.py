"""Readable, stable IRIs from Chinese names: 郑国平 → person/zheng-guoping.

Slugs are lower-case ASCII pinyin words joined by "-". A person's name is cut once, after the
surname (郑国平 → zheng-guoping, 欧阳明远 → ouyang-mingyuan); every other name is cut at word
boundaries (`words`): the known place names of the gazetteer and the words of jieba's dictionary
first, so 杭州市总工会 → hangzhou-shi-zonggonghui and 重要窗口 → zhongyao-chuangkou, and
characters no word covers are grouped into one word rather than cut one by one (瓶窑镇 →
pingyao-zhen). Anything that is not a Chinese character or ASCII letter/digit is dropped, so no
input can produce an invalid IRI. Two names with the same slug are told apart by a short hash of
the name. IRIs minted by the slug rule before this one are kept in `legacy` and redirected.
"""
from __future__ import annotations

import functools
import hashlib
import math
import re
import unicodedata

import jieba

from .. import lexicon

jieba.setLogLevel(60)
# Endings split off a place name no dictionary knows (瓶窑镇 → pingyao-zhen); a dictionary word
# ending so stays one word (城市 → chengshi, 社区 → shequ).
SUFFIXES = ("省", "市", "区", "县", "镇", "乡", "村")
_HAN = re.compile(r"[\u4e00-\u9fff]+")

# How sure a gazetteer name is taken for a word, as a jieba frequency. A full name (桐庐县, 柯桥区)
# is taken wherever it fits, even across a dictionary word that would swallow its ending (三门县总工会
# is 三门县 | 总工会, not 三门 | 县总工会); a short form (海曙) only beats the characters it covers,
# so that it never breaks a longer dictionary word (共和 in 中华人民共和国).
FULL_NAME_LOGP = 0.0
SHORT_FORM_FREQ = 100


# (text, is a person's name) → slug. Making a slug costs about half a millisecond (jieba, pypinyin);
# the build keeps this table in its cache, so a rebuild does not make the slugs of an archive again.
SLUGS: dict[tuple[str, bool], str] = {}


def slug(text: str, person: bool = False) -> str:
    """ASCII slug of a name (`person`: a person's name, cut after the surname); never empty, only
    [a-z0-9-]."""
    key = (text, person)
    found = SLUGS.get(key)
    if found is None:
        found = SLUGS[key] = _make_slug(text, person)
    return found


def _make_slug(text: str, person: bool) -> str:
    from pypinyin import Style, lazy_pinyin  # here: its import takes 0.4 s, and a cached build needs no new slug
    text = unicodedata.normalize("NFKC", text)
    if person and 2 <= len(text) <= 4 and _HAN.fullmatch(text):
        compound = lexicon.surnames()[1]
        cut = 2 if text[:2] in compound else 1
        pieces = [text[:cut], text[cut:]]
    else:
        pieces = words(text)
    parts = []
    for w in pieces:
        py = "".join(lazy_pinyin(w, style=Style.NORMAL, errors=lambda s: list(s)))
        py = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", py).encode("ascii", "ignore").decode().lower())
        if py.strip("-"):
            parts.append(py.strip("-"))
    out = "-".join(parts)
    out = re.sub(r"-{2,}", "-", out).strip("-")[:80].strip("-")
    return out or "x-" + short_hash(text)


def words(text: str) -> list[str]:
    """`text` cut into the words a slug joins with "-": 三门县总工会 → 三门 县 总工会."""
    out: list[str] = []
    at = 0
    for run in _HAN.finditer(text):
        if run.start() > at:              # Latin letters, digits, marks: jieba cuts them as before
            out += jieba.lcut(text[at:run.start()], HMM=False)
        out += _han_words(run.group())
        at = run.end()
    if at < len(text):
        out += jieba.lcut(text[at:], HMM=False)
    return out


def _han_words(run: str) -> list[str]:
    cut = _segment(run)
    places = _full_names()
    pieces: list[tuple[str, bool]] = []          # (piece, a word of its own: never grouped)
    for w in cut:
        if w in places and places[w]:
            stem, ending = places[w]
            pieces += [(stem, True), (ending, True)]
        elif len(w) > 2 and w.endswith(SUFFIXES) and _freq(w[:-1]):
            # a dictionary word made of a word and an ending (沙溪镇, 开发区): the ending comes off, as
            # a place's does; a two-character one (城市, 社区) is one word
            pieces += [(w[:-1], True), (w[-1], True)]
        else:
            pieces.append((w, len(w) > 1))
    # a place's ending and the one character after it make one word when the dictionary says so:
    # 杭州市委 → 杭州 市委, as 桐庐县委 → 桐庐 县委 (jieba knows 县委, not 桐庐县委)
    for n in range(len(pieces) - 2, 0, -1):
        (ending, _), (nxt, whole) = pieces[n], pieces[n + 1]
        if ending in SUFFIXES and not whole and pieces[n - 1][0] + ending in places and _freq(ending + nxt):
            pieces[n:n + 2] = [(ending + nxt, True)]
    out: list[str] = []
    run = ""
    for w, whole in pieces + [("", True)]:
        if not whole:
            run += w
            continue
        if run:
            out += _group(run)
        run = ""
        if w:
            out.append(w)
    return out


def _group(chars: str) -> list[str]:
    """Characters jieba left one by one: the dictionary words among them where they cover the most
    (最多跑 → 最多 跑: jieba's odds preferred 最 多), and the characters no word covers joined into
    one word (经审办 → jingshenban, not jing-shen-ban), except that a place's ending after two or
    more of them stays off (横河镇大 → 横河 镇 大)."""
    n = len(chars)
    # best[i]: (characters covered by words, -words, tokens) for chars[i:]; a token is (text, is a word)
    best: list[tuple[int, int, list]] = [(0, 0, [])] * (n + 1)
    for i in range(n - 1, -1, -1):
        covered, words, tokens = best[i + 1]
        options = [(covered, words, [(chars[i], False)] + tokens)]
        for j in range(i + 2, n + 1):
            if _freq(chars[i:j]) or chars[i:j] in lexicon.division_names():
                covered, words, tokens = best[j]
                options.append((covered + j - i, words - 1, [(chars[i:j], True)] + tokens))
        best[i] = max(options, key=lambda o: o[:2])
    out, loose = [], ""
    for text, is_word in best[0][2] + [("", True)]:
        if not is_word and text in SUFFIXES and len(loose) >= 2:
            out += [loose, text]
            loose = ""
        elif not is_word:
            loose += text
        else:
            out += [loose] if loose else []
            out += [text] if text else []
            loose = ""
    return out


def _segment(run: str) -> list[str]:
    """The most probable cut of a run of Chinese characters, as jieba's (HMM off) finds it, over
    jieba's dictionary and the gazetteer's place names."""
    n = len(run)
    best: list[tuple[float, int]] = [(0.0, n)] * (n + 1)
    for i in range(n - 1, -1, -1):
        options = []
        for j in range(i + 1, min(n, i + 40) + 1):
            logp = _logp(run[i:j])
            if logp is not None or j == i + 1:
                options.append(((_unknown() if logp is None else logp) + best[j][0], j))
        best[i] = max(options)
    out, i = [], 0
    while i < n:
        j = best[i][1]
        out.append(run[i:j])
        i = j
    return out


def _logp(w: str) -> float | None:
    if w in _full_names():
        return FULL_NAME_LOGP
    freq = _freq(w)
    if w in lexicon.division_names():
        freq = max(freq, SHORT_FORM_FREQ)
    return math.log(freq) - _jieba()[1] if freq else None


def _unknown() -> float:
    return -_jieba()[1]          # a character the dictionary lacks counts once, as in jieba


def _freq(w: str) -> int:
    return _jieba()[0].get(w, 0)


@functools.cache
def _jieba() -> tuple[dict[str, int], float]:
    # jieba's own table (no stage adds words to it; its prefix entries have frequency 0), log total
    jieba.dt.check_initialized()
    return jieba.dt.FREQ, math.log(jieba.dt.total)


@functools.cache
def _full_names() -> dict[str, tuple[str, str] | None]:
    """Division name with its ending (杭州市, and common forms like 恩施州) → (short form, ending)
    when the short form begins it (杭州市 → 杭州, 市), else None (和县: no shorter form)."""
    out: dict[str, tuple[str, str] | None] = {}
    for form in sorted(lexicon.division_names()):
        for d in lexicon.divisions_by_name(form):
            if form != d.short and out.get(form) is None:
                out[form] = (d.short, form[len(d.short):]) if form.startswith(d.short) else None
    return out


def short_hash(text: str) -> str:
    # surrogatepass: a lone surrogate (possible in any Python str) still hashes instead of raising
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:6]


def pinyin_label(text: str, person: bool = False) -> str:
    """Readable pinyin without tone marks, words capitalised: 郑国平 → Zheng Guoping."""
    s = slug(text, person)
    if s.startswith("x-"):
        return ""
    return " ".join(map(str.capitalize, s.split("-")))


class Minter:
    """Hands out distinct slugs per kind, deterministically for a given set of keys.

    Call `assign(kind, keys)` with every key of a kind (sorted); colliding slugs get a hash
    suffix, except the key that sorts first (or the key a reserved slug belongs to). `make` makes a slug of a text and its kind (the
    current rule by default; `legacy.legacy_minter` replays the old one)."""

    def __init__(self, make=None):
        self.table: dict[tuple[str, str], str] = {}
        self.make = make or (lambda text, kind: slug(text, kind == "person"))

    def assign(self, kind: str, keys: dict[str, str], reserved: dict[str, str] | None = None) -> None:
        """keys: key → the text its slug is made from; reserved: slug → the only key that may
        have it (the slugs published before, see rdf/legacy.py)."""
        by_slug: dict[str, list[str]] = {}
        for key in sorted(keys):
            by_slug.setdefault(self.make(keys[key], kind), []).append(key)
        reserved = reserved or {}
        for s, group in by_slug.items():
            owner = reserved.get(s, group[0])
            for key in group:
                self.table[(kind, key)] = s if key == owner else f"{s}-{short_hash(key)}"

    def __call__(self, kind: str, key: str) -> str:
        return self.table[(kind, key)]
