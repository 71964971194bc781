"""Organisations on a page: a prefix (a division, 中国 …), noun-like name words and an organisation
suffix (总工会, 党组 …), abbreviations (市总工会, 省委), and the recogniser's suffixed names; each
named by org_names."""
from __future__ import annotations

import bisect
import functools
import itertools
import re
from dataclasses import dataclass

import jieba

from ... import lexicon
from . import recogniser
from .context import CJK, IS_CJK, Context, home_code
from .org_names import (
    ABBR_PREFIX,
    AUTONOMOUS,
    DEPARTMENT,
    DESCRIPTIVE,
    GENERIC_BODY,
    GENERIC_PREFIX,
    NAME_POS,
    NATION_FIRST,
    NATION_PREFIX,
    STOP_CHARS,
    SUB_BODY,
    _org_from_form,
    _suffix_texts,
    longest_suffix,
    suffix_kind,
    suffix_words,
)
from .words import division_words, title_ending_at, title_words


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


class Tokens:
    """Word starts and ends of a text (jieba): an abbreviation like 市 only counts at a word
    start, and a suffix only where a word ends (部 of 部门 is no suffix)."""

    def __init__(self, text: str):
        # the offsets jieba.tokenize(text, HMM=False) gives, summed from the word lengths without
        # its tuple per word: this tokenisation is the largest single cost of the extractor
        ends = list(itertools.accumulate(map(len, jieba.cut(text, HMM=False))))
        self.ends = set(ends)
        self.starts = {0, *ends[:-1]} if ends else set()
        self.text, self._ends = text, ends

    def word_over(self, start: int, end: int) -> str | None:
        """The word jieba reads over [start, end) when it runs past `end` (大同|小异), else None."""
        k = bisect.bisect_right(self._ends, end)
        if end in self.ends or k == len(self._ends):
            return None
        first = self._ends[k - 1] if k else 0
        return self.text[first:self._ends[k]] if first <= start else None

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
    if text.startswith(AUTONOMOUS, p):
        return 2 if text[p] == "兵" else 3
    ahead = text[p + 2:p + 6]
    if "镇" not in ahead and "乡" not in ahead and "街道" not in ahead:
        return 0           # no town ending where TOWN_AHEAD looks for one: skip the regex (most places)
    town = TOWN_AHEAD.match(text[p:p + 6])
    core = town.group(0)[:-len(town.group(1))] if town else ""
    if town and not lexicon.is_common_word(core) and not any(c in STOP_CHARS for c in core):
        return town.end()
    return 0


BRANCH_OF = re.compile(rf"(.*?)(协会|学会|研究会|联合会|总会)[{CJK}]{{1,6}}")
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
    if suffix == "分会" and (m := BRANCH_OF.fullmatch(middle)) and _middle_ok(m.group(1), m.group(2)):
        return True      # 某协会发改农林分会: a branch is its association's name and any words of its own
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


def find_orgs(text: str, ctx: Context, offset: int = 0, with_model: bool = True) -> list[OrgHit]:
    """Organisation names: a prefix (division, 市/省/县 abbreviation or 中国 …), name words, a suffix;
    with_model, the recogniser's suffixed names too (a page's text, not a snippet of it)."""
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
    if with_model:
        hits += _model_bodies(text, offset, hits)
    resolved = []
    for h in hits:
        if not h.name:
            r = _org_from_form(h.form, ctx, text[max(0, h.start - offset - 80):h.start - offset])
            if r is None:
                continue
            h.name, h.kind, h.parent = r
        resolved.append(h)
    home = _home_company(text, offset, ctx.company, tokens) if ctx.company else []
    at_home = {(h.start, h.end) for h in home}
    resolved += [h for h in _enterprise_unions(text, offset, resolved) if (h.start, h.end) not in at_home] + home
    # longest first among overlapping hits
    resolved.sort(key=lambda h: (-(h.end - h.start), h.start))
    kept: list[OrgHit] = []
    covered: set[int] = set()     # offsets under kept hits: testing each kept hit was quadratic
    for h in resolved:
        if covered.isdisjoint(range(h.start, h.end)):
            kept.append(h)
            covered.update(range(h.start, h.end))
    _one_name_per_company(kept)
    kept = _company_bodies(text, offset, tokens, sorted(kept, key=lambda h: h.start))
    return _departments(text, offset, _accredited_groups(text, offset, kept))


# a company's own bodies, printed right after its name or its short form (公司工会, 集团党委)
COMPANY_BODY_KIND = {"工会": "union", "工会女职工委员会": "union", "女职工委员会": "union", "党委": "party",
                     "纪委": "party", "团委": "other"}
COMPANY_BODY = "|".join(sorted(COMPANY_BODY_KIND, key=len, reverse=True))
COMPANY_BODY_AT = re.compile(COMPANY_BODY)


def _company_bodies(text: str, offset: int, tokens: Tokens, hits: list[OrgHit]) -> list[OrgHit]:
    """南湾物流有限公司|工会: a company named without a division (the recogniser's) and the body
    printed right after it are that company's body, as the prefix rule makes them for 某市某公司工会."""
    out = []
    for h in hits:
        m = COMPANY_BODY_AT.match(text, h.end - offset) if h.kind == "company" else None
        if m and (m.end() == len(text) or m.end() in tokens.ends or title_words().match(text, m.end())):
            body = m.group(0)
            out.append(OrgHit(h.start, offset + m.end(), h.form + body, h.name + body, COMPANY_BODY_KIND[body],
                              parent=h.name, place=h.place, source=h.source))
            continue
        out.append(h)
    return out


DEPARTMENT_RUN = re.compile(rf"[{CJK}]{{0,7}}?(?:办公室|部|处|科|室|办)")
DEPARTMENT_SHORT = {"经审办": "经费审查委员会办公室", "办": "办公室"}


def _departments(text: str, offset: int, hits: list[OrgHit]) -> list[OrgHit]:
    """某总工会组织宣教部|部长, 某公司晶圆制造部|操作员: a department printed after its organisation
    and before a title is an organisational unit of it (named in full, belonging to it), the
    unit the post is held in, as a 党组 is."""
    out = []
    for h in hits:
        at = h.end - offset
        m = DEPARTMENT_RUN.match(text, at)
        dept = m.group(0) if m else ""
        if not dept or any(c in STOP_CHARS for c in dept) or division_words().spans(dept) \
                or not title_words().match(text, m.end()) or h.kind == "government" and dept.endswith("部"):
            out.append(h)        # 外交部|部长 is no unit: a ministry's 部 is its own
            continue
        for short, full in DEPARTMENT_SHORT.items():
            if dept.endswith(short):
                dept = dept[: len(dept) - len(short)] + full
                break
        out.append(OrgHit(h.start, offset + m.end(), h.form + m.group(0), h.name + dept, "other",
                          parent=h.name, place=h.place, source=h.source))
    return out


ACCREDITED = ("纪检监察组", "纪检组", "监察组")


def _accredited_groups(text: str, offset: int, hits: list[OrgHit]) -> list[OrgHit]:
    """市纪委监委派驻市人大机关纪检监察组: a discipline inspection group is named by the body that
    accredits it (派驻) and the organ it sits in, and belongs to the first."""
    out: list[OrgHit] = []
    for h in hits:
        before = out[-1] if out else None
        if before and h.form.endswith(ACCREDITED) and text[before.end - offset:h.start - offset] == "派驻":
            out[-1] = OrgHit(before.start, h.end, text[before.start - offset:h.end - offset],
                             before.name + "派驻" + h.name, h.kind, parent=before.name, place=h.place, source=h.source)
            continue
        out.append(h)
    return out


LEGAL_FORM = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|集团公司|公司)$")


def _company_core(name: str) -> str:
    """龙兴重工集团 of 牡丹江龙兴重工集团有限公司 and of 龙兴重工集团公司: the name without its
    division and its legal form."""
    core = LEGAL_FORM.sub("", name)
    n = division_words().match(core)
    core = core[n:] if n and len(core) - n >= 3 else core
    return core[:-2] if core.endswith("集团") and len(core) > 4 else core


def _one_name_per_company(hits: list[OrgHit]) -> None:
    """A company a page names in full once and shortly elsewhere (蜀都建工集团有限公司, then
    蜀都建工集团) is one company under its full name, and so are its bodies (…集团工会)."""
    full: dict[str, str] = {}
    for h in hits:
        if h.kind == "company":
            core = _company_core(h.name)
            if len(core) >= 3 and len(h.name) > len(full.get(core, "")):
                full[core] = h.name
    if not full:
        return
    for h in hits:
        name = h.name
        if h.kind == "company":
            h.name = full.get(_company_core(name), name)
            continue
        for k in range(len(name) - 2, 2, -1):       # its bodies: 龙兴重工集团公司|工会
            head, tail = name[:k], name[k:]
            if tail in SUB_BODY and suffix_kind(head) == "company":
                better = full.get(_company_core(head))
                if better and better != head:
                    h.name = better + tail
                    if h.parent == head:
                        h.parent = better
                break


JOINER = re.compile(r"[和与及、]")
ENTERPRISE_UNION = re.compile(r"(?:该|本)?(?:集团公司|公司|集团|厂)工会")


def _enterprise_unions(text: str, offset: int, named: list[OrgHit]) -> list[OrgHit]:
    """公司工会, 该公司工会, 集团工会: the union of the enterprise named last before it, within the
    same paragraph (两家公司 may stand between: then the nearer one)."""
    companies = sorted((h for h in named if h.kind == "company"), key=lambda h: h.end)
    out = []
    for m in ENTERPRISE_UNION.finditer(text):
        s = offset + m.start()
        line_start = offset + text.rfind("\n", 0, m.start()) + 1
        before = [h for h in companies if line_start <= h.start and h.end <= s]
        if before and not before[-1].name.endswith("工会"):
            company = before[-1]
            out.append(OrgHit(s, offset + m.end(), m.group(0), company.name + "工会", "union", parent=company.name,
                              source="org-suffix"))
    return out


HOME_COMPANY_FORM = re.compile(rf"(?:本|该)?(集团公司|公司|集团)({COMPANY_BODY})?")


def _home_company(text: str, offset: int, company: str, tokens: Tokens) -> list[OrgHit]:
    """公司, 公司工会, 集团党委 on the paper of an enterprise's union: that enterprise and its bodies,
    as 市总工会 on a city's paper is its federation (该公司 is the one named last: _enterprise_unions)."""
    out = []
    for m in HOME_COMPANY_FORM.finditer(text):
        s = m.start()
        if m.group(0).startswith("该") or "集团" in m.group(1) and "集团" not in company:
            continue
        if s not in tokens.starts or (s > 0 and IS_CJK.match(text[s - 1]) and text[s - 1] not in "和与及在由对向为是的"):
            continue          # 蜀都建工集团, 分公司: part of another name
        body = m.group(2) or ""
        for e, body in ((m.end(), body), (m.end() - len(body), "")):      # 公司|党委书记: the company
            if e == len(text) or e in tokens.ends:
                out.append(OrgHit(offset + s, offset + e, text[s:e], company + body,
                                  COMPANY_BODY_KIND.get(body, "company"), parent=company if body else None,
                                  source="abbreviation"))
                break
    return out


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
    suffix = longest_suffix(form)
    core = form[: len(form) - len(suffix)]
    for pre in NATION_PREFIX:
        if core.startswith(pre):
            return not core[len(pre):] and suffix in ("工会", "协会", "组织")
    if not core or division_words().match(core) == len(core):
        return True
    if division_words().match(core) or suffix_kind(form) not in ("association", "union"):
        return False         # 华南师范大学, 国家邮政局: a school's or an office's name may be ordinary words
    return all(lexicon.is_common_word(w) for w in jieba.lcut(core, HMM=False))

