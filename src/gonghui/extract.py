"""Find people with their posts, organisations, places, slogans and events on one page.

jieba alone is weak here (it calls idioms names and splits rare ones), so the extractor is
rule-first and uses jieba only as a dictionary of ordinary words:

- people: bylines; post + name chains (`市总工会党组书记、常务副主席王建平主持`), name lists
  (`分别是甲、乙、丙`), names before a boundary word (`沈丽传达了`), then every further
  occurrence of a name established on the page;
- organisations: a name ending in an organisation suffix (总工会, 党组, 人大常委会, 公司 …), the
  abbreviations of the paper's own city and province resolved from context (市总工会 →
  杭州市总工会), national abbreviations from a lexicon (全总 → 中华全国总工会);
- places: the division gazetteer (full and short names) plus towns, villages and roads by suffix;
- slogans: quoted campaign and programme names and numbered formulas (三助三保, 八要八不要);
- events: named meetings with their date resolved against the issue date.
"""
from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

import jieba

from . import lexicon
from .model import (
    Document,
    EventRef,
    Mention,
    OrgRef,
    PageEntities,
    PersonRef,
    PlaceRef,
    Post,
    SloganRef,
)

CJK = "\u3400-\u9fff"
IS_CJK = re.compile(f"[{CJK}]")
NUMERALS = "一二三四五六七八九十两双百千万"


# ---------------------------------------------------------------- context

@dataclass
class Context:
    """Where the paper stands: resolves 市/省/县/区 abbreviations."""
    province: str | None = None     # full name, e.g. 浙江省
    city: str | None = None         # full name, e.g. 杭州市
    issue_date: dt.date | None = None


def page_context(doc: Document) -> Context:
    """The paper's home city and province: from the masthead title, else the page's most named ones."""
    ctx = Context()
    if doc.issue and doc.issue.date:
        ctx.issue_date = dt.date.fromisoformat(doc.issue.date)
    title = doc.issue.newspaper if doc.issue else ""
    cities: Counter[str] = Counter()
    provinces: Counter[str] = Counter()
    for name in _division_mentions(title):
        d = lexicon.divisions_by_name(name)[0]
        (provinces if d.level == "province" else cities)[d.name] += 100
    for name in _division_mentions(doc.page.text):
        divs = lexicon.divisions_by_name(name)
        d = divs[0]
        if d.level == "province":
            provinces[d.name] += 1
        elif d.level == "city" and d.code.endswith("00000000"):
            cities[d.name] += 1
    if provinces:
        ctx.province = provinces.most_common(1)[0][0]
    if cities:
        ctx.city = cities.most_common(1)[0][0]
        if not ctx.province:
            ctx.province = _parent_name(ctx.city)
    if ctx.city and not provinces:
        ctx.province = _parent_name(ctx.city)
    return ctx


def _parent_name(name: str) -> str | None:
    divs = lexicon.divisions_by_name(name)
    if divs and divs[0].parent_code:
        parent = lexicon.division_by_code(divs[0].parent_code)
        return parent.name if parent else None
    return None


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
def _divisions() -> WordList:
    """Every division name of two characters or more (full, short and common forms)."""
    return WordList(n for n in lexicon.division_names() if len(n) >= 2)


@functools.lru_cache(maxsize=16)
def _division_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of division names left to right, the longest at each place, never overlapping.
    Cached: the page context and the place finder both read the whole page."""
    return tuple(_divisions().spans(text))


def _division_mentions(text: str) -> list[str]:
    return [text[s:e] for s, e in _division_spans(text)]


# ---------------------------------------------------------------- organisations

@dataclass
class OrgHit:
    start: int
    end: int
    form: str        # as written
    name: str        # canonical
    kind: str
    parent: str | None = None
    place: str | None = None


ABBR_PREFIX = "省市县区镇"                  # 市总工会, 省委, 县总工会: the paper's or a nearby division
NATION_PREFIX = ("中华全国", "中华", "中国", "全国", "国网", "国家")
NATION_FIRST = frozenset(pre[0] for pre in NATION_PREFIX)
GENERIC_PREFIX = ("各", "有关", "相关", "全市", "全省", "全区", "全县", "基层", "各级", "部分", "其他", "所属", "本级",
                  "直属", "所在", "当地", "一些", "多家", "该", "此", "原")
LEVEL_ABBR = {"省": "province", "市": "city", "县": "county", "区": "district"}
# parts of speech that may stand inside an organisation name between its prefix and suffix
NAME_POS = ("n", "j", "b", "vn", "an", "nz", "ns", "nt", "nr", "m", "eng", "x")
STOP_CHARS = set("的了和与及或在对向从将把被让给是为等我你他她们这那其要以于就都也还又即着过并而且")
SUB_BODY = ("党组", "党委", "工会", "分会", "党支部", "支部", "团委", "纪检监察组", "机关", "委员会", "监委")
DEPARTMENT = re.compile(r"(办公室|[^总]部|处|科|室)$")   # a department is part of its parent's post, not an org of its own


@functools.cache
def _suffixes() -> WordList:
    """The organisation suffixes looked for in text: two characters or more, and 委, 部."""
    # 市委/县委 … are matched as a division prefix + 委, so that the prefix is resolved
    return WordList(s.text for s in lexicon.org_suffixes()
                    if (len(s.text) >= 2 or s.text in "委部") and not re.fullmatch(r"[省市县区镇]党?委", s.text))


PARTY_COMMITTEE_END = re.compile(r"(省|市|县|区)委$")


@functools.lru_cache(maxsize=65536)
def suffix_kind(name: str) -> str | None:
    """The kind of organisation a name ends in (the longest suffix decides), or None.
    Cached, as the functions below: pure functions of short strings asked again and again."""
    if PARTY_COMMITTEE_END.search(name):
        return "party"
    kinds, longest = _suffix_kinds()
    for n in range(min(longest, len(name)), 0, -1):
        kind = kinds.get(name[-n:])
        if kind:
            return kind
    return None


@functools.cache
def _suffix_kinds() -> tuple[dict[str, str], int]:
    kinds = {s.text: s.kind for s in lexicon.org_suffixes()}
    return kinds, max(map(len, kinds))


@functools.cache
def _suffix_texts() -> frozenset[str]:
    return frozenset(s.text for s in lexicon.org_suffixes())


class Tokens:
    """Word starts and ends of a text (jieba): an abbreviation like 市 only counts at a word
    start, and a suffix only where a word ends (部 of 部门 is no suffix)."""

    def __init__(self, text: str):
        # the offsets jieba.tokenize(text, HMM=False) gives, summed from the word lengths without
        # its tuple per word: this tokenisation is the largest single cost of the extractor
        ends = list(itertools.accumulate(map(len, jieba.cut(text, HMM=False))))
        self.ends = set(ends)
        self.starts = {0, *ends[:-1]} if ends else set()

    @staticmethod
    @functools.lru_cache(maxsize=64)     # room for the short texts find_people tokenises between
    def of(text: str) -> Tokens:
        """The tokens of a page, computed once for all the finders."""
        return Tokens(text)


def _occurrences(word: str, text: str):
    """Start offsets of `word` in text, left to right, never overlapping: what re.finditer of
    the escaped word gives, without compiling a regex per word."""
    if not word:
        yield from range(len(text) + 1)
        return
    i = text.find(word)
    while i >= 0:
        yield i
        i = text.find(word, i + len(word))


TOWN_AHEAD = re.compile(rf"[{CJK}]{{2,3}}?(镇|乡|街道)")


def _prefix_len(text: str, p: int, tokens: Tokens, home: str | None = None) -> int:
    """Length of an organisation prefix starting at p (a division, 市/省/县 …, 中国 …), else 0.
    A prefix starts a word; a short division name from outside the paper's province (建平 in
    沈建平) only after punctuation or a function word."""
    boundary = p == 0 or not IS_CJK.match(text[p - 1]) or text[p - 1] in "和与及在由对向为"
    if p not in tokens.starts and not boundary:
        return 0
    n = _divisions().match(text, p)
    if n:
        divs = lexicon.divisions_by_name(text[p:p + n])
        short = all(text[p:p + n] != d.name for d in divs)
        if short and not boundary and not (home and any(d.code.startswith(home) for d in divs)):
            return 0
        return n
    if text[p] in NATION_FIRST:
        for pre in NATION_PREFIX:
            if text.startswith(pre, p):
                return len(pre)
    if text[p] in ABBR_PREFIX:
        return 1
    ahead = text[p + 2:p + 6]
    if "镇" not in ahead and "乡" not in ahead and "街道" not in ahead:
        return 0           # no town ending where TOWN_AHEAD looks for one: skip the regex (most places)
    town = TOWN_AHEAD.match(text[p:p + 6])
    core = town.group(0)[:-len(town.group(1))] if town else ""
    if town and not lexicon.is_common_word(core) and not any(c in STOP_CHARS for c in core):
        return town.end()
    return 0


NOT_NAME_CHAR = re.compile(r"[^\u3400-\u9fffA-Za-z0-9·]")
VILLAGE_HEAD = re.compile(rf"^[{CJK}]{{2,3}}(村|社区|街道)")


@functools.lru_cache(maxsize=65536)
def _middle_ok(middle: str, suffix: str) -> bool:
    """Can `middle` stand between an organisation prefix and `suffix`? Cached: the same short
    strings come back for every suffix on a page, and jieba's answer for them never changes."""
    if len(middle) > 12 or any(c in STOP_CHARS for c in middle):
        return False
    if NOT_NAME_CHAR.search(middle) or middle.startswith(("有关", "相关", "各")):
        return False
    if suffix == "工会" and (not middle or middle in ("地区", "系统", "基层", "区域", "行业")):
        return False     # 杭州市工会, 全国工会: a place and 工会 is the union movement, not a body
    inner = _suffixes().spans(middle)[:1]
    if inner and suffix not in SUB_BODY and inner[0][1] - inner[0][0] >= 2:
        return False     # 某公司企业文化俱乐部: a place inside an organisation, not a new one
    # a village before a branch (横河镇|大山村原|党支部) and 原 (former) are part of the name
    middle = VILLAGE_HEAD.sub("", middle).replace("原", "")
    if not middle:
        return True
    return all(tag.startswith(NAME_POS) for tag in word_tags(middle))


HAN_BLOCK = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._]+)")     # jieba.posseg's re_han_internal
ONE_ALNUM = re.compile(r"[a-zA-Z0-9]")


def word_tags(text: str) -> list[str]:
    """The tags of jieba.posseg.lcut(text, HMM=False), without importing jieba.posseg (which
    reads jieba's dictionary a second time when imported): the same route through jieba's word
    graph, the tags of dict.txt, 'x' for a word it does not know or a character outside the Han
    blocks, 'eng' for a run of single letters and digits. tests/test_extract.py holds the two to
    the same answers."""
    tags, out = lexicon.jieba_tags(), []
    for block in HAN_BLOCK.split(text):
        if not HAN_BLOCK.fullmatch(block):
            out += ["x"] * len(block)
            continue
        route: dict = {}
        jieba.dt.calc(block, jieba.dt.get_DAG(block), route)
        x, letters = 0, False
        while x < len(block):
            y = route[x][1] + 1
            word = block[x:y]
            if ONE_ALNUM.fullmatch(word):
                letters = True
            else:
                if letters:
                    out.append("eng")
                    letters = False
                out.append(tags.get(word, "x"))
            x = y
        if letters:
            out.append("eng")
    return out


DIVISION_COMMITTEE = re.compile(r".{0,8}(省|市|县|区)委")
PROVINCE_CITY_FEDERATION = re.compile(r"([省市])总(?![工会])")     # 省总, 市总
THE_PARTY = re.compile(r"党的|共产党")


def find_orgs(text: str, ctx: Context, offset: int = 0) -> list[OrgHit]:
    """Organisation names: a prefix (division, 市/省/县 abbreviation or 中国 …), name words, a suffix."""
    tokens = Tokens.of(text)
    home = _home_code(ctx)
    hits: list[OrgHit] = []
    prefix_at: dict[int, int] = {}     # _prefix_len by position: the windows of near suffixes overlap
    for s0, end in _suffixes().spans(text):
        suffix = text[s0:end]
        start = None
        if end not in tokens.ends and end < len(text) and IS_CJK.match(text[end]) \
                and not _title_ending_at(text[end:end + 8], 8) and not _titles().match(text, end):
            continue
        for p in range(max(0, s0 - 14), s0):
            n = prefix_at.get(p)
            if n is None:
                n = prefix_at[p] = _prefix_len(text, p, tokens, home)
            if n and p + n <= s0 and _middle_ok(text[p + n:s0], suffix):
                start = p
                break
        if start is None:
            continue
        form = text[start:end]
        if suffix == "委" and not DIVISION_COMMITTEE.fullmatch(form):
            continue
        hits.append(OrgHit(offset + start, offset + end, form, "", ""))
    for short, (full, kind) in lexicon.abbreviations().items():
        if len(short) < 2:
            continue
        for start in _occurrences(short, text):
            if start in tokens.starts:
                hits.append(OrgHit(offset + start, offset + start + len(short), short, full, kind))
    for m in PROVINCE_CITY_FEDERATION.finditer(text):
        if m.start() in tokens.starts or (m.start() > 0 and not IS_CJK.match(text[m.start() - 1])) or \
                text[m.start() - 1:m.start()] in "、和与及":
            hits.append(OrgHit(offset + m.start(), offset + m.end(), m.group(0), "", ""))
    for m in THE_PARTY.finditer(text):
        hits.append(OrgHit(offset + m.start(), offset + m.start() + (1 if m.group(0) == "党的" else 3),
                           "党" if m.group(0) == "党的" else "共产党", "中国共产党", "party"))
    resolved = []
    for h in hits:
        if not h.name:
            r = _org_from_form(h.form, ctx, text[max(0, h.start - offset - 80):h.start - offset])
            if r is None:
                continue
            h.name, h.kind, h.parent = r
        resolved.append(h)
    # longest first among overlapping hits
    resolved.sort(key=lambda h: (-(h.end - h.start), h.start))
    kept: list[OrgHit] = []
    covered: set[int] = set()     # offsets under kept hits: testing each kept hit was quadratic
    for h in resolved:
        if covered.isdisjoint(range(h.start, h.end)):
            kept.append(h)
            covered.update(range(h.start, h.end))
    return sorted(kept, key=lambda h: h.start)


# compiled once: _org_from_form runs for every organisation hit
BRACKETED_LEVEL = re.compile(r"[((][市县区]")
TWO_LEVELS = re.compile(r"[省市县区][省市县区]")
PROVINCE_CITY_SHORT = re.compile(r"[省市]总")
FORMER = re.compile(r"原(?=党|团|工会)")
LEVEL_HEAD = re.compile(r"[省市县区]")
PARTY_COMMITTEE = re.compile(r"(.+?(?:省|市|县|区))委")


def _org_from_form(form: str, ctx: Context, before: str = "") -> tuple[str, str, str | None] | None:
    """(canonical name, kind, parent) of a written organisation form, or None if it names no one."""
    if form.startswith(GENERIC_PREFIX) or (form in _suffix_texts() and form[0] not in ABBR_PREFIX):
        return None
    if BRACKETED_LEVEL.search(form):
        return None          # 各区、县(市)总工会: a class of bodies, not one
    if TWO_LEVELS.match(form):
        return None          # 县市总工会, 县市区工会: bodies of several places
    if PROVINCE_CITY_SHORT.fullmatch(form):
        form += "工会"        # 省总, 市总: the province's or city's federation of trade unions
    dept = DEPARTMENT.search(form)
    if dept and suffix_kind(form[: dept.start()]) and dept.start() >= 3:
        return None          # 某某总工会组织宣教部: the post is held in the parent
    kind = suffix_kind(form)
    if kind is None:
        return None
    name = expand_abbreviation(FORMER.sub("", form), ctx, before)   # 原党支部书记: a former post
    if name is None:
        return None
    parent = None
    for tail in SUB_BODY:
        head = name[: -len(tail)]
        if name.endswith(tail) and len(head) >= 3 and suffix_kind(head):
            parent = head
            break
    return name, kind, parent


def expand_abbreviation(form: str, ctx: Context, before: str = "") -> str | None:
    """Full name of a written form: 市总工会 → 杭州市总工会, 省委 → 中共浙江省委,
    县总工会 next to 桐庐县 → 桐庐县总工会, 龙湾区总工会 → 温州市龙湾区总工会."""
    abbr = lexicon.abbreviations()
    if form in abbr:
        return abbr[form][0]
    head = form[0]
    if head in LEVEL_ABBR and not _division_prefix(form):
        place = _nearby_division(before, head) or {"province": ctx.province, "city": ctx.city}.get(LEVEL_ABBR[head])
        if place is None:
            return None
        form = place + form[1:]
    kind = suffix_kind(form)
    # a paper or a company keeps its own name (浙江工人日报); public bodies get the full division name
    name = form if kind in ("media", "company", "school") and not LEVEL_HEAD.match(form) \
        else _full_division_name(form, ctx)
    m = PARTY_COMMITTEE.fullmatch(name)
    if m:
        return "中共" + m.group(1) + "委"
    return name


def _nearby_division(before: str, level_char: str) -> str | None:
    """The closest division of that level named just before (same sentence)."""
    cut = max(before.rfind(c) for c in "。;!?\n")
    window = before[cut + 1:]
    found = None
    for start, end in _divisions().spans(window):     # not _division_spans: no need to cache windows
        name = window[start:end]
        d = lexicon.divisions_by_name(name)
        full = d[0].name if d else name
        if full.endswith(level_char):
            found = full
    return found


def _full_division_name(form: str, ctx: Context) -> str:
    """Expand a leading division to its full name, districts with their city (绍兴柯桥区 → 绍兴市柯桥区)."""
    prefix = _division_prefix(form)
    if not prefix:
        return form
    d = _prefer_home(lexicon.divisions_by_name(prefix), ctx)
    rest = form[len(prefix):]
    inner = _division_prefix(rest)
    if inner and d.level in ("city", "province"):
        sub = _prefer_home(lexicon.divisions_by_name(inner), ctx)
        if sub.parent_code == d.code:
            return d.name + sub.name + rest[len(inner):]
    if d.level == "district" and d.parent_code:
        parent = lexicon.division_by_code(d.parent_code)
        if parent and parent.level == "city":
            return parent.name + d.name + rest
    if d.level in ("city", "province") and prefix == d.short and rest.startswith(("市", "省")):
        return form
    if prefix == d.short and rest[:1] in LEVEL_ABBR and LEVEL_ABBR[rest[0]] != d.level:
        return form          # 北川市… is a city of that name, not the county 北川羌族自治县 + 市
    return d.name + rest


def _division_prefix(text: str) -> str | None:
    n = _divisions().match(text)
    return text[:n] if n else None


def _prefer_home(divs, ctx: Context):
    """Among same-named divisions, prefer the one in the paper's province."""
    if ctx.province:
        prov = lexicon.divisions_by_name(ctx.province)
        if prov:
            code = prov[0].code[:2]
            for d in divs:
                if d.code.startswith(code):
                    return d
    return divs[0]


# ---------------------------------------------------------------- people

@dataclass
class NameHit:
    start: int
    end: int
    name: str
    posts: list[Post] = field(default_factory=list)


@functools.cache
def _titles() -> WordList:
    """The post titles looked for in text."""
    return WordList(t.text for t in lexicon.titles())


@functools.lru_cache(maxsize=65536)
def plausible_name(name: str, strict: bool = True, allow_common: bool = False) -> bool:
    """A 2–4 character Chinese personal name: a surname and a given name, not an ordinary word."""
    if not (2 <= len(name) <= 4) or not all(IS_CJK.match(c) for c in name):
        return False
    single, compound = lexicon.surnames()
    has_surname = name[:2] in compound or name[0] in single
    if strict and not has_surname:
        return False
    if len(name) == 4 and name[:2] not in compound:
        return False
    if (lexicon.is_common_word(name) and not allow_common) or name in lexicon.title_kinds() or suffix_kind(name):
        return False
    if any(b in name[1:] for b in ("的", "了", "和", "在", "是", "等", "与", "们")) or name[0] in NOT_NAME_START:
        return False
    for k in range(1, len(name)):
        if name[k:] in lexicon.name_boundaries() and len(name[k:]) >= 2:
            return False
    return True


def name_after(text: str, pos: int, strict: bool = True) -> str | None:
    """The personal name starting at `pos`, chosen by what follows it (a boundary word,
    punctuation or the end): `郑国平出席` → 郑国平, `张伟主持` → 张伟."""
    boundaries = lexicon.name_boundaries()
    cands = []
    # 朱红认为: the third character may begin the boundary word itself
    split_word = starts_with_boundary(text, pos + 2, min_len=2)
    lengths = (2, 3, 4) if split_word else (3, 2, 4)
    for n in lengths:
        name = text[pos:pos + n]
        if len(name) < n or not plausible_name(name, strict, allow_common=split_word and n == 2):
            continue
        rest = text[pos + n:pos + n + 4]
        if _is_boundary(rest, boundaries):
            cands.append(name)
    return cands[0] if cands else None


def _is_boundary(rest: str, boundaries) -> bool:
    if not rest or not IS_CJK.match(rest[0]):
        return True
    return starts_with_boundary(rest, 0)


# characters that are surnames on paper but in running text almost always a function word
NOT_NAME_START = set("和与及对的把被在向从为以于是等将让给就都也还又其这那")
LIST_INTRO = re.compile(r"(分别是|分别为|他们是|她们是|包括|有|如|:|:)$")


COPULA_END = re.compile(r"(是|系|现任|担任)$")
COUNTED_NAMES = re.compile(rf"((?:[{CJK}]{{2,4}}、)*[{CJK}]{{2,4}})[两二三四五六七八九十]位")


def find_people(doc: Document, ctx: Context, orgs: list[OrgHit]) -> list[NameHit]:
    """Names with posts from post+name chains and lists, plus bylines."""
    text = doc.page.text
    hits: list[NameHit] = []
    org_at_end = {h.end: h for h in orgs}
    kinds = lexicon.title_kinds()
    inside_org = set()
    for h in orgs:
        inside_org.update(range(h.start, h.end))
    for _, pos in _titles().spans(text):
        t_start, title = _title_ending_at(text, pos, org_at_end)
        if (t_start in inside_org and t_start not in org_at_end) or (pos - 1) in inside_org:
            continue   # 总工 inside 总工会 is no title
        name = name_after(text, pos)
        if name is None:
            continue
        posts = _post_chain(text, t_start, title, ctx, org_at_end)
        hits.append(NameHit(pos, pos + len(name), name, posts))
        # a list continuing after the first name: 董建伟、周小兵、张卫华 …
        hits.extend(_list_after(text, pos + len(name), posts if kinds.get(title) != "post" or True else []))
    # a name followed by a title that follows names: 习近平总书记, 某某同志
    for m in AFTER_NAME.finditer(text):
        name = m.group(1)
        if plausible_name(name):
            org = TITLE_AFTER_NAME[m.group(2)]
            posts = [Post(m.group(2), m.group(2), org)] if org else []
            hits.append(NameHit(m.start(1), m.end(1), name, posts))
    # 甲、乙两位全国人大代表: names before a counted title
    for m in COUNTED_NAMES.finditer(text):
        after = text[m.end():m.end() + 12]
        t = _title_at_start(after)
        names = m.group(1).split("、")
        if t and all(plausible_name(n) for n in names):
            pos = m.start(1)
            org = _org_of_title_text(after[: after.index(t) + len(t)], ctx)
            for n in names:
                posts = [Post(after[: after.index(t) + len(t)], t, org)]
                hits.append(NameHit(pos, pos + len(n), n, posts))
                pos += len(n) + 1
    # 某某是某村党支部书记, 某某现任某公司总经理: a post printed after the name
    for h in orgs:
        verb = COPULA_END.search(text[max(0, h.start - 2):h.start])
        title = text[h.end:h.end + _titles().match(text, h.end)]
        if not (verb and title):
            continue
        end = h.start - len(verb.group(0))
        name = next((text[end - n:end] for n in (3, 2, 4) if end - n >= 0 and plausible_name(text[end - n:end])), None)
        if name:
            hits.append(NameHit(end - len(name), end, name, [Post(h.form + title, title, h.name)]))
    # name lists after an introducing phrase
    for m in re.finditer(r"(分别是|分别为|他们是|她们是)", text):
        hits.extend(_list_after(text, m.end(), [], first=True))
    # names followed by a speech or action verb at a clause start: 沈丽传达了 …
    hits.extend(_clause_initial_names(text))
    return hits


LIST_SEPARATOR = re.compile(r"(?:[((]挂职[))])?[、,]")


def _list_after(text: str, pos: int, posts: list[Post], first: bool = False) -> list[NameHit]:
    out = []
    while True:
        if not first:
            m = LIST_SEPARATOR.match(text[pos:pos + 6])
            if not m:
                break
            pos += m.end()
        first = False
        name = name_after(text, pos)
        if not name:
            break
        out.append(NameHit(pos, pos + len(name), name, list(posts)))
        pos += len(name)
    return out


CLAUSE_VERBS = ("传达", "通报", "主持", "介绍", "表示", "指出", "强调", "认为", "说", "提出", "要求", "宣布", "讲话",
                "致辞", "致词", "发言", "补充道")


CLAUSE_NAME = re.compile(r"(?:^|(?<=[,。;:!?、\n\s”]))([" + CJK + r"]{2,4}?)(" + "|".join(CLAUSE_VERBS) + ")")


def _clause_initial_names(text: str) -> list[NameHit]:
    out = []
    for m in CLAUSE_NAME.finditer(text):
        name = m.group(1)
        if plausible_name(name) and not lexicon.is_common_word(name[1:]) and len(name) >= 2:
            out.append(NameHit(m.start(1), m.end(1), name))
    return out


SEPARATORS = "、,,"
# titles printed after a name, with the body they belong to where that is general knowledge
TITLE_AFTER_NAME = {"总书记": "中共中央", "同志": None}
AFTER_NAME = re.compile(rf"([{CJK}]{{2,4}}?)({'|'.join(TITLE_AFTER_NAME)})")
NATIONAL_TITLES = {"全国人大代表": "全国人民代表大会", "全国政协委员": "中国人民政治协商会议全国委员会"}


def _title_at_start(text: str) -> str | None:
    for t in sorted(NATIONAL_TITLES, key=len, reverse=True):
        if text.startswith(t):
            return t
    n = _titles().match(text)
    return text[:n] if n else None


def _org_of_title_text(text: str, ctx: Context) -> str | None:
    if text in NATIONAL_TITLES:
        return NATIONAL_TITLES[text]
    hits = find_orgs(text, ctx)
    return hits[-1].name if hits else None


DEPARTMENT_WORD = re.compile(rf"[{CJK}]+(部|处|科|室|办公室|办)")


def _post_chain(text: str, title_start: int, title: str, ctx: Context, org_at_end: dict) -> list[Post]:
    """All posts printed before a name: `市人大常委会党组副书记、副主任,市总工会主席郑国平`."""
    posts: list[Post] = []
    segs = []
    # walk left segment by segment: [org]title, separated by 、 or ,
    t_start = title_start
    t = title
    while True:
        org = org_at_end.get(t_start)
        if org is None:
            # 某总工会组织宣教部部长: the department is part of the post, held in the parent
            for length in range(2, 9):
                dept = text[max(0, t_start - length):t_start]
                if (t_start - length) in org_at_end and DEPARTMENT_WORD.fullmatch(dept):
                    org = org_at_end[t_start - length]
                    t, t_start = dept + t, t_start - length
                    break
        segs.append((org, t))
        start = org.start if org else t_start
        if start == 0 or text[start - 1] not in SEPARATORS:
            break
        # previous segment must end with a title
        prev_end = start - 1
        m = _title_ending_at(text, prev_end, org_at_end)
        if not m:
            break
        t_start, t = m
    segs.reverse()
    base_org: OrgHit | None = None
    for org, t in segs:
        if org is None and base_org is not None:
            org_name = base_org.name
            if base_org.parent and t not in ("书记", "副书记", "成员", "党组成员"):
                org_name = base_org.parent
            form = base_org.form
            if org_name != base_org.name:
                form = base_org.form[: len(base_org.form) - (len(base_org.name) - len(org_name))]
            posts.append(Post(form + t, t, org_name))
        elif org is not None:
            base_org = org
            posts.append(Post(org.form + t, t, org.name))
        else:
            posts.append(Post(t, t, None))
    return posts


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


def _title_ending_at(text: str, end: int, org_at_end: dict | None = None) -> tuple[int, str] | None:
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


# ---------------------------------------------------------------- places

LOWER_SUFFIX = {"镇": "town", "乡": "town", "街道": "town", "村": "village", "社区": "village",
                "新区": "district", "开发区": "district", "高新区": "district"}
NOT_PLACE_CORE = ("全", "本", "各", "该", "每", "城", "乡", "农", "新农", "美丽", "小", "大", "一", "某")


BODY_OR_HEAD = re.compile(rf"[{CJK}]?[委会长]")       # 镇委, 村委会, 镇长 after a town or village
CJK_WORD = re.compile(rf"[{CJK}]+")
ROAD_CORE = re.compile(rf"[{CJK}0-9]+")


def find_places(text: str, ctx: Context, orgs: list[OrgHit]) -> list[PlaceRef]:
    """Divisions from the gazetteer (full names, and short names where they stand alone), then
    towns, villages, new districts and roads by their suffix right after a division or a word start."""
    tokens = Tokens.of(text)
    home = _home_code(ctx)
    places: dict[str, PlaceRef] = {}
    ends: set[int] = set()

    def add(name, level, code, parent, start, end):
        ref = places.setdefault(name, PlaceRef(name, level, code, parent))
        ref.mentions.append(Mention(start, end, name, None))
        ends.add(end)

    for start, end in _division_spans(text):
        name = text[start:end]
        divs = lexicon.divisions_by_name(name)
        if not divs:
            continue
        d = _prefer_home(divs, ctx)
        at_start = start in tokens.starts or start in ends or (start > 0 and not IS_CJK.match(text[start - 1]))
        in_home = home is not None and d.code.startswith(home)
        prefecture = d.level == "province" or d.code.endswith("00000000")
        if name != d.name:                                  # a short form: 杭州, 桐庐
            if lexicon.is_common_word(name) and not prefecture:
                continue
            if not prefecture and not (in_home and _short_ok(text, start, end)):
                continue
            if not at_start:
                continue
        elif not (at_start or in_home):
            continue
        add(name, d.level, d.code, _parent_name(d.name), start, end)
    for m in re.finditer(r"街道|社区|新区|开发区|高新区|镇|乡|村", text):
        suffix = m.group(0)
        if BODY_OR_HEAD.match(text[m.end():m.end() + 2]) and suffix in "镇乡村":
            continue                       # 镇委, 村委会, 镇长: not the place itself
        for length in (2, 3):
            start = m.start() - length
            core = text[max(0, start):m.start()]
            if start < 0 or not (start in ends or start in tokens.starts):
                continue
            # 横河镇|大山村: after a place (or before 新区) a common word may be a name
            lenient = start in ends or suffix in ("新区", "开发区", "高新区")
            if not CJK_WORD.fullmatch(core) or (core.startswith(NOT_PLACE_CORE) and not lenient) \
                    or core[0] in "镇乡村区县市" \
                    or (lexicon.is_common_word(core) and not lenient) or lexicon.is_common_word(core + suffix) \
                    or any(c in STOP_CHARS for c in core):
                continue
            add(core + suffix, LOWER_SUFFIX[suffix], None, None, start, m.end())
            break
    for m in re.finditer(r"大道|大街|路|街", text):
        if m.end() not in tokens.ends and m.end() < len(text) and IS_CJK.match(text[m.end()]):
            continue           # 路 inside a longer word (路线, 街道) is no road
        for length in (2, 3, 4):
            start = m.start() - length
            if start < 0:
                break
            core = text[start:m.start()]
            # a road follows a place (杭州|文一西路), 在/于, or another road in a list (…路、之江路)
            after_road = text[start - 1:start] == "、" and (start - 1) in ends and text[start - 2:start - 1] in "路街道"
            if not (start in ends or after_road or text[start - 1:start] in "在于") \
                    or not ROAD_CORE.fullmatch(core) or any(c in STOP_CHARS for c in core):
                continue
            name = core + m.group(0)
            if lexicon.is_common_word(name) or (lexicon.is_common_word(core) and start not in ends):
                continue
            add(name, "site", None, None, start, m.end())
            break
    return list(places.values())


def _short_ok(text: str, start: int, end: int) -> bool:
    """A short county name (桐庐) counts where it stands alone: in a list or after 在/赴/到."""
    after = text[end:end + 1]
    before = text[max(0, start - 1):start]
    return (after in "、,,。和与及等" or before in "、在赴到于") and after not in ("市", "县", "区")


def _home_code(ctx: Context) -> str | None:
    if ctx.province:
        divs = lexicon.divisions_by_name(ctx.province)
        if divs:
            return divs[0].code[:2]
    return None


# ---------------------------------------------------------------- slogans

QUOTED = re.compile(r"“([^“”\n]{2,40})”")
FORMULA = re.compile(rf"[{NUMERALS}]个?[{CJK}]{{1,2}}[{NUMERALS}]不?[{CJK}]{{1,2}}")
NUMBERED = re.compile(rf"^([{NUMERALS}]+个?[{CJK}]{{1,4}}|[{NUMERALS}][{CJK}]{{1,2}}[{NUMERALS}]不?[{CJK}]{{1,2}}|[{CJK}]?[{NUMERALS}][{CJK}]{{1,2}}[{CJK}]?[{NUMERALS}][{CJK}]{{1,2}})$")
SPEECH_LEAD = re.compile(r"(说|表示|认为|提出|指出|强调|(?<!报)道|称|问|:|:)\s*$")


def find_slogans(text: str) -> list[SloganRef]:
    found: dict[str, SloganRef] = {}
    quoted: list[tuple[int, int]] = []

    def add(label, start, end):
        ref = found.setdefault(label, SloganRef(label))
        ref.mentions.append(Mention(start, end, text[start:end], None))

    for m in QUOTED.finditer(text):
        label = m.group(1).strip()
        quoted.append((m.start(), m.end()))
        if not _is_slogan(label, text[max(0, m.start() - 4):m.start()]):
            continue
        # 三个“一号工程”: a counted quote is one formula
        count = re.search(rf"[{NUMERALS}]个$", text[max(0, m.start() - 2):m.start()])
        if count:
            add(count.group(0) + label, m.start() - 2, m.end())
            found[count.group(0) + label].variants.add(text[m.start() - 2:m.end()])
            continue
        add(label, m.start(1), m.end(1))
    for m in FORMULA.finditer(text):
        label = m.group(0)
        if any(s <= m.start() < e for s, e in quoted) or not _is_formula(label):
            continue
        add(label, m.start(), m.end())
    return list(found.values())


def _is_formula(label: str) -> bool:
    """三助三保, 八要八不要, 两学一做: two numbered halves of the same length."""
    m = re.fullmatch(rf"([{NUMERALS}])([{CJK}]{{1,2}})([{NUMERALS}])(不?)([{CJK}]{{1,2}})", label)
    if not m or len(m.group(2)) != len(m.group(5)):
        return False
    return not re.search(r"[月日年岁名人次家个项条位]", label)


def _is_slogan(label: str, before: str) -> bool:
    if re.search(r"[。!?!?]", label) or SPEECH_LEAD.search(before):
        return False
    if re.search(r"什么|怎么|如何|哪|吗|呢", label) or re.fullmatch(rf"[{NUMERALS}0-9]+", label):
        return False          # a quoted question or a bare number (“五一”) is no slogan
    if re.search(r"(者|班组|奖|成果|人)$", label) and not NUMBERED.match(label) and len(label) <= 6:
        return False          # honour titles and quoted people-words (先进劳动者, 娘家人)
    if re.search(r"[,,]", label) and len(label) > 16:
        return False
    if NUMBERED.match(label):
        return True
    if len(label) <= 4 and lexicon.is_common_word(label):
        return False     # a quoted ordinary word (娘家人, 牛鼻子) is emphasis, not a slogan
    if len(label) <= 3 and not re.search(r"[A-Za-z0-9]", label):
        return not re.search(r"(人|者|们|手|员|子)$", label)
    return True


# ---------------------------------------------------------------- events

EVENT_RE = re.compile(rf"(召开|举行|举办|开展|参加|出席|启动)(了)?([{CJK}“”()()、·0-9—]{{2,40}}?(全体会议|全会|大会|会议|座谈会|交流会|培训班|仪式|生日会|讨论会|学习会|推进会|动员会|表彰会|论坛|峰会|汇演|比赛|竞赛))")
DATE_MD = re.compile(r"(\d{1,2})月(\d{1,2})日")
RELATIVE = {"昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "前天": -2}


def find_events(text: str, ctx: Context) -> list[EventRef]:
    events: dict[str, EventRef] = {}
    for m in EVENT_RE.finditer(text):
        name = m.group(3)
        sentence_start = max(text.rfind("。", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        sentence = text[sentence_start:m.start()]
        date = _resolve_date(sentence, ctx)
        ref = events.setdefault(name, EventRef(name, date))
        ref.date = ref.date or date
        ref.mentions.append(Mention(m.start(3), m.end(3), name, None))
    return list(events.values())


def _resolve_date(sentence: str, ctx: Context) -> str | None:
    if ctx.issue_date is None:
        return None
    if m := DATE_MD.search(sentence):
        month, day = int(m.group(1)), int(m.group(2))
        year = ctx.issue_date.year
        try:
            d = dt.date(year, month, day)
        except ValueError:
            return None
        if d > ctx.issue_date + dt.timedelta(days=31):
            d = d.replace(year=year - 1)   # a December date in a January issue
        return d.isoformat()
    for word, delta in RELATIVE.items():
        if word in sentence:
            return (ctx.issue_date + dt.timedelta(days=delta)).isoformat()
    return None


# ---------------------------------------------------------------- the page

def extract(doc: Document) -> PageEntities:
    """Everything found on one page, with mentions pinned to the normalised text."""
    text = doc.page.text
    ctx = page_context(doc)
    item_of = _item_index(doc)
    orgs = find_orgs(text, ctx)
    ents = PageEntities(document=doc)

    # organisations
    by_org: dict[str, OrgRef] = {}
    for h in orgs:
        ref = by_org.setdefault(h.name, OrgRef(h.name, h.kind, parent=h.parent))
        ref.forms.add(h.form)
        ref.mentions.append(Mention(h.start, h.end, h.form, item_of(h.start)))
    # the newspaper is an organisation too: its staff hold posts in it
    paper = doc.issue.newspaper if doc.issue and doc.issue.newspaper else None
    if paper:
        ref = by_org.setdefault(paper, OrgRef(paper, "media"))
        ref.forms.add(paper)

    # people
    people: dict[str, PersonRef] = {}

    def person(name: str) -> PersonRef:
        return people.setdefault(name, PersonRef(name))

    for idx, item in enumerate(doc.items):
        for c in item.credits:
            p = person(c.name)
            p.mentions.append(Mention(c.start, c.end, c.name, idx))
            role = c.qualifier or {"photographer": "摄影", "author": "作者", "speaker": None}.get(c.role)
            if role and paper and c.role in ("reporter", "photographer", "correspondent") and c.qualifier and "记者" in c.qualifier:
                p.posts.append(Post(c.qualifier, c.qualifier, paper, Mention(c.start, c.end, c.name, idx)))
    if doc.issue and doc.issue.editor and plausible_name(doc.issue.editor, strict=False):
        p = person(doc.issue.editor)
        off = text.find(doc.issue.editor, doc.issue.start)
        p.mentions.append(Mention(off, off + len(doc.issue.editor), doc.issue.editor, None))
        if paper:
            p.posts.append(Post("责任编辑", "责任编辑", paper))
    for h in _author_notes(doc, ctx, orgs):
        p = person(h.name)
        for post in h.posts:
            if not any(q.title == post.title and q.org == post.org for q in p.posts):
                p.posts.append(post)
    listed: dict[str, set[Mention]] = {}     # beside each list: `in` on the list was quadratic
    for h in find_people(doc, ctx, orgs):
        p = person(h.name)
        mention = Mention(h.start, h.end, h.name, item_of(h.start))
        known = listed.get(h.name)
        if known is None:
            known = listed[h.name] = set(p.mentions)
        if mention not in known:
            p.mentions.append(mention)
            known.add(mention)
        for post in h.posts:
            if not any(q.title == post.title and q.org == post.org for q in p.posts):
                p.posts.append(Post(post.title, post.role, post.org, mention))
    # names established on the page: every further occurrence is a mention
    for name, p in people.items():
        known = {(m.start, m.end) for m in p.mentions}
        for start in _occurrences(name, text):
            if (start, start + len(name)) not in known:
                p.mentions.append(Mention(start, start + len(name), name, item_of(start)))
        p.mentions.sort(key=lambda m: m.start)
    # an organisation whose name is a person's name + suffix is not that person (and v.v.)
    ents.people = sorted(people.values(), key=lambda p: p.mentions[0].start if p.mentions else 0)
    for o in by_org.values():
        o.mentions.sort(key=lambda m: m.start)
    ents.organisations = sorted(by_org.values(), key=lambda o: (o.mentions[0].start if o.mentions else -1, o.name))

    ents.places = find_places(text, ctx, orgs)
    for pl in ents.places:
        pl.mentions = [Mention(m.start, m.end, m.text, item_of(m.start)) for m in pl.mentions]
    ents.slogans = find_slogans(text)
    for s in ents.slogans:
        s.mentions = [Mention(m.start, m.end, m.text, item_of(m.start)) for m in s.mentions]
    ents.events = find_events(text, ctx)
    for e in ents.events:
        e.mentions = [Mention(m.start, m.end, m.text, item_of(m.start)) for m in e.mentions]
    return ents


def _author_notes(doc: Document, ctx: Context, orgs: list[OrgHit]) -> list[NameHit]:
    """(作者系某总工会组织宣教部部长): the post of a signed item's author."""
    out = []
    org_at_end = {h.end: h for h in orgs}
    for idx, item in enumerate(doc.items):
        authors = [c for c in item.credits if c.role == "author"]
        if len(authors) != 1:
            continue
        for para in item.paragraphs:
            m = re.search(r"作者(?:系|为|是)([^))]{2,40})[))]", para.text)
            if not m:
                continue
            end = para.start + m.end(1)
            found = _title_ending_at(doc.page.text, end, org_at_end)
            if found:
                posts = _post_chain(doc.page.text, found[0], found[1], ctx, org_at_end)
                mention = Mention(authors[0].start, authors[0].end, authors[0].name, idx)
                out.append(NameHit(authors[0].start, authors[0].end, authors[0].name,
                                   [Post(p.title, p.role, p.org, mention) for p in posts]))
    return out


def _item_index(doc: Document):
    """item_of(offset): the index of the item holding the offset (the one starting last, as a
    photo inside an article), or None. A binary search, so a page of 10,000 items stays fast."""
    spans = sorted((it.start, k, it.end) for k, it in enumerate(doc.items))
    starts = [s for s, _, _ in spans]
    reach = list(itertools.accumulate((e for _, _, e in spans), max))   # furthest end so far

    def item_of(offset: int) -> int | None:
        j = bisect.bisect_right(starts, offset) - 1
        while j >= 0 and reach[j] > offset:      # some item at or before j still reaches the offset
            _, k, end = spans[j]
            if offset < end:
                return k
            j -= 1
        return None
    return item_of


# ---------------------------------------------------------------- flat tagging (gonghui entities)

def tag_line(text: str) -> list[dict]:
    """Flat PER/ORG/LOC spans of one line of text, for measuring the extractor on any corpus.

    The page rules (titles, lists, prefixes, the gazetteer) come first; jieba's name, place and
    organisation tags fill in what they cannot see in general news (李明说, 美国, 新华社), with
    names kept only where they pass the same surname and common-word checks."""
    import jieba.posseg as pseg

    from .model import Page
    page = Page("stdin", "", "utf-8", text)
    doc = Document(page=page, issue=None, items=[])
    ctx = Context()
    orgs = find_orgs(text, ctx)
    spans: list[tuple[int, int, str]] = [(h.start, h.end, "ORG") for h in orgs]
    for h in find_people(doc, ctx, orgs):
        spans.append((h.start, h.end, "PER"))
    for pl in find_places(text, ctx, orgs):
        for m in pl.mentions:
            spans.append((m.start, m.end, "LOC"))
    pos = 0
    for w in pseg.lcut(text):
        word, flag = w.word, w.flag
        start, pos = pos, pos + len(word)
        if flag in ("nr", "nrfg") and plausible_name(word):
            spans.append((start, pos, "PER"))
        elif flag == "ns" and len(word) >= 2 and word not in NOT_PLACES:
            spans.append((start, pos, "LOC"))
        elif flag == "nt" and len(word) >= 2:
            spans.append((start, pos, "ORG"))
    names = {text[s:e] for s, e, t in spans if t == "PER"}
    for name in names:
        for start in _occurrences(name, text):
            spans.append((start, start + len(name), "PER"))
    return [{"start": s, "end": e, "type": t, "text": text[s:e]} for s, e, t in _flatten(spans)]


NOT_PLACES = {"中华", "中外", "国内", "国外", "海内外", "东西", "南北", "内外"}


def _flatten(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Non-overlapping spans: longer first, ORG over LOC inside it."""
    out: list[tuple[int, int, str]] = []
    for s, e, t in sorted(set(spans), key=lambda x: (-(x[1] - x[0]), x[0])):
        if all(e <= s2 or s >= e2 for s2, e2, _ in out):
            out.append((s, e, t))
    return sorted(out)
