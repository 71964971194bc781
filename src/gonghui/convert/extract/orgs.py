"""Organisations on a page: a prefix (a division, 中国 …), noun-like name words and an organisation
suffix (总工会, 党组 …), and abbreviations (市总工会, 省委) resolved by the paper's home."""
from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

import jieba

from ... import lexicon
from . import recogniser
from .context import CJK, IS_CJK, Context, home_code
from .words import WordList, division_words, title_ending_at, title_words


@dataclass
class OrgHit:
    start: int
    end: int
    form: str        # as written
    name: str        # canonical
    kind: str
    parent: str | None = None
    place: str | None = None
    source: str = "org-suffix"     # what found it: org-suffix or abbreviation (model.EVIDENCE)


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
# class nouns that right after a place name a kind of body, not one (某市企业工资条例, 全省学校)
GENERIC_BODY = frozenset({"企业", "公司", "单位", "工厂", "厂", "学校", "医院", "机关", "部门", "协会", "集团", "工会"})
# words that describe what a union is like, not which unit it belongs to (中国特色社会主义工会,
# 先进工会): with nothing else between the prefix and 工会 the phrase names no body
DESCRIPTIVE = ("社会主义", "新时代", "特色", "新型", "现代化", "现代", "先进", "模范", "优秀", "示范", "和谐",
               "星级", "规范化", "职工信赖的")


@functools.cache
def suffix_words() -> WordList:
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


def occurrences(word: str, text: str):
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
    n = division_words().match(text, p)
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
    if suffix == "工会" and middle in ("直机关", "直属机关"):
        return True      # 省直机关工会: the union of the province's organs
    if not middle and suffix in GENERIC_BODY:
        return False     # 某市企业: the enterprises of a city, not one of them
    if suffix == "工会" and not _strip_descriptive(middle):
        return False
    if middle.startswith("总工会") and _federation_body(middle[3:], suffix):
        middle = middle[3:]      # 省总工会法律服务中心, 市总工会干部学校: a body of the federation
    else:
        inner = suffix_words().spans(middle)[:1]
        if inner and suffix not in SUB_BODY and inner[0][1] - inner[0][0] >= 2:
            return False     # 某公司企业文化俱乐部: a place inside an organisation, not a new one
    # a village before a branch (横河镇|大山村原|党支部) and 原 (former) are part of the name
    middle = VILLAGE_HEAD.sub("", middle).replace("原", "")
    if not middle:
        return True
    return all(tag.startswith(NAME_POS) for tag in word_tags(middle))


def _federation_body(tail: str, suffix: str) -> bool:
    """Can `tail` + suffix be a body of the federation printed before it? Not a department
    (组织部, part of its post), not a second place (会同市人社局), not a second organisation."""
    if DEPARTMENT.search(tail + suffix) or any(c in "省市县区" for c in tail) or division_words().spans(tail):
        return False
    return all(end - start < 2 for start, end in suffix_words().spans(tail))


def _strip_descriptive(middle: str) -> str:
    """What is left of `middle` without its descriptive words (特色, 社会主义 …)."""
    for word in DESCRIPTIVE:
        middle = middle.replace(word, "")
    return middle


HAN_BLOCK = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._]+)")     # jieba.posseg's re_han_internal
ONE_ALNUM = re.compile(r"[a-zA-Z0-9]")


def word_tags(text: str) -> list[str]:
    """The tags of jieba.posseg.lcut(text, HMM=False), without importing jieba.posseg (which
    reads jieba's dictionary a second time when imported): the same route through jieba's word
    graph, the tags of dict.txt, 'x' for a word it does not know or a character outside the Han
    blocks, 'eng' for a run of single letters and digits. tests/convert/test_extract.py holds the two to
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
    home = home_code(ctx)
    hits: list[OrgHit] = []
    prefix_at: dict[int, int] = {}     # _prefix_len by position: the windows of near suffixes overlap
    for s0, end in suffix_words().spans(text):
        suffix = text[s0:end]
        start = None
        if end not in tokens.ends and end < len(text) and IS_CJK.match(text[end]) \
                and not title_ending_at(text[end:end + 8], 8) and not title_words().match(text, end):
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
        if form[0] in ABBR_PREFIX and start > 0 and text[start - 1] in "省市县区":
            continue     # 区县总工会, 县市总工会: the federations of several levels, not one
        hits.append(OrgHit(offset + start, offset + end, form, "", ""))
    for short, (full, kind) in lexicon.abbreviations().items():
        if len(short) < 2:
            continue
        for start in occurrences(short, text):
            if start in tokens.starts:
                hits.append(OrgHit(offset + start, offset + start + len(short), short, full, kind,
                                   source="abbreviation"))
    for m in PROVINCE_CITY_FEDERATION.finditer(text):
        if m.start() in tokens.starts or (m.start() > 0 and not IS_CJK.match(text[m.start() - 1])) or \
                text[m.start() - 1:m.start()] in "、和与及":
            hits.append(OrgHit(offset + m.start(), offset + m.end(), m.group(0), "", ""))
    for m in THE_PARTY.finditer(text):
        hits.append(OrgHit(offset + m.start(), offset + m.start() + (1 if m.group(0) == "党的" else 3),
                           "党" if m.group(0) == "党的" else "共产党", "中国共产党", "party",
                           source="abbreviation"))
    hits += _model_bodies(text, offset, hits)
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


JOINER = re.compile(r"[和与及、]")


def _model_bodies(text: str, offset: int, ruled: list[OrgHit]) -> list[OrgHit]:
    """The statistical recogniser's organisations that end in an organisation suffix (克劳斯精密机床
    公司, 华南师范大学, 国家邮政局): names the prefix rule cannot reach. One that runs two of the
    rules' bodies together over 和/与/、 is two bodies, not one."""
    out = []
    for c in recogniser.recognise(text):
        if c.kind != "ORG" or len(c.text) < 3 or not suffix_kind(c.text) or NOT_NAME_CHAR.search(c.text):
            continue
        s, e = offset + c.start, offset + c.end
        inside = [h for h in ruled if s <= h.start and h.end <= e and (h.start, h.end) != (s, e)]
        if JOINER.search(c.text) and inside or len(inside) >= 2 or \
                any(h.end < e and (text[h.end - offset] in "省市县区联" or text[h.end - offset:e - offset] in GENERIC_BODY
                                   or DEPARTMENT.search(text[h.end - offset:e - offset])) for h in inside):
            continue         # 省委市委, 某工会联合市某集团, 某公司企业, 某总工会组织部: run together
        if c.text.startswith(GENERIC_PREFIX) or c.text in _suffix_texts() or _generic_body(c.text):
            continue
        out.append(OrgHit(s, e, c.text, "", "", source="model"))
    return out


def _generic_body(form: str) -> bool:
    """劳模工匠协会, 宁波工会, 全国工会: a kind of body, or a place's bodies in general, not a name:
    what stands before the suffix is a division alone, or ordinary words alone."""
    suffix = max((s for s in _suffix_texts() if form.endswith(s)), key=len, default="")
    core = form[: len(form) - len(suffix)]
    for pre in NATION_PREFIX:
        if core.startswith(pre):
            return not core[len(pre):] and suffix in ("工会", "协会", "组织")
    if not core or division_words().match(core) == len(core):
        return True
    if division_words().match(core) or suffix_kind(form) not in ("association", "union"):
        return False         # 华南师范大学, 国家邮政局: a school's or an office's name may be ordinary words
    return all(lexicon.is_common_word(w) for w in jieba.lcut(core, HMM=False))


# short names of a federation's standing bodies (general knowledge of union structure)
BODY_SHORT = {"经审会": "经费审查委员会", "女职委": "女职工委员会"}
# compiled once: _org_from_form runs for every organisation hit
ZONES = tuple(s for s, level in lexicon.LOWER_PLACE_SUFFIXES.items() if level == "site")
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
    for short, full in BODY_SHORT.items():
        if name.endswith(short) and len(name) > len(short):
            name = name[:-len(short)] + full     # 某总工会经审会: the canonical name spells the body out
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
    # a paper or a company keeps its own name (浙江工人日报), and so do its own bodies (its 党委,
    # its 工会): public bodies get the full division name
    keep = (proper_name(form) or _named_after_short_division(form)) and not LEVEL_HEAD.match(form)
    name = form if keep else _full_division_name(form, ctx)
    m = PARTY_COMMITTEE.fullmatch(name)
    if m:
        return "中共" + m.group(1) + "委"
    return name


PROPER_KINDS = ("media", "company", "school")


def proper_name(form: str) -> bool:
    """Is this the name of a paper, a company or a school, or of a body inside one (某报社党委,
    某铁路局某办事处工会)? Such names are their own: no division is spelt out in them."""
    if suffix_kind(form) in PROPER_KINDS:
        return True
    return any(suffix_kind(form[:n]) in PROPER_KINDS for n in range(3, len(form)))


def _named_after_short_division(form: str) -> bool:
    """上海铁路局, 大庆石油管理局, 广州地铁职工培训中心: a division's short name with a name of its
    own before the suffix is the body's proper name, not 上海市 + 铁路局. Union, party and
    legislative bodies (杭州高新区总工会) and a bare department (杭州人社局) are the division's."""
    prefix = _division_prefix(form)
    if not prefix:
        return False
    if any(_named_after_short_division(form[:n]) for n in range(len(prefix) + 3, len(form))
           if suffix_kind(form[:n]) and suffix_kind(form[n:])):
        return True          # 大庆石油管理局工会: a body inside such a one
    d = lexicon.divisions_by_name(prefix)
    if not d or prefix != d[0].short or form[len(prefix):][:1] in "省市县区":
        return False
    kind = suffix_kind(form)
    if kind not in ("government", "other"):
        return False
    rest = form[len(prefix):]
    suffix = max((s for s in _suffix_texts() if rest.endswith(s)), key=len, default="")
    middle = rest[: len(rest) - len(suffix)]
    if middle in NAMED_TRADES or (not middle and suffix[:2] in NAMED_TRADES):
        return True
    return len(middle) >= 2 and not lexicon.is_common_word(middle)


# trades a body of a division's short name is named after: 上海铁路局, 大庆石油管理局
NAMED_TRADES = {"铁路", "石油", "矿务", "地铁", "电力", "电网", "烟草", "邮政", "港务", "航空", "油田", "煤矿", "林业"}


def _nearby_division(before: str, level_char: str) -> str | None:
    """The closest division of that level named just before (same sentence)."""
    cut = max(before.rfind(c) for c in "。;!?\n")
    window = before[cut + 1:]
    found = None
    for start, end in division_words().spans(window):     # not division_spans: no need to cache windows
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
    d = prefer_home(lexicon.divisions_by_name(prefix), ctx)
    rest = form[len(prefix):]
    home = home_code(ctx)
    if prefix == d.short and d.level not in ("province", "city") and home and not d.code.startswith(home):
        return form          # 东湖新技术开发区: a far county's short name is a word of the body's own name
    inner = _division_prefix(rest)
    if inner and d.level in ("city", "province"):
        sub = prefer_home(lexicon.divisions_by_name(inner), ctx)
        if sub.parent_code == d.code:
            return d.name + sub.name + rest[len(inner):]
    if d.level == "district" and d.parent_code:
        parent = lexicon.division_by_code(d.parent_code)
        if parent and parent.level == "city":
            return parent.name + d.name + rest
    if d.level in ("city", "province") and prefix == d.short and rest.startswith(("市", "省")):
        return form
    if prefix == d.short and rest.startswith(ZONES + ("镇", "乡", "街道")):
        return form          # 成都高新区, 永安镇: a zone's or town's own name, not 某市 + 镇
    if prefix == d.short and rest[:1] in LEVEL_ABBR and LEVEL_ABBR[rest[0]] != d.level:
        return form          # 北川市… is a city of that name, not the county 北川羌族自治县 + 市
    return d.name + rest


def _division_prefix(text: str) -> str | None:
    n = division_words().match(text)
    return text[:n] if n else None


def prefer_home(divs, ctx: Context):
    """Among same-named divisions, prefer the one in the paper's province."""
    if ctx.province:
        prov = lexicon.divisions_by_name(ctx.province)
        if prov:
            code = prov[0].code[:2]
            for d in divs:
                if d.code.startswith(code):
                    return d
    return divs[0]
