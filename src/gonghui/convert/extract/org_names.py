"""Organisation words and names: the suffixes and the kind each gives (总工会 → union), and the
canonical name of a written form — abbreviations resolved by the paper's home (市总工会 →
杭州市总工会, 省委 → 中共浙江省委), divisions spelt out, proper names kept as printed."""
from __future__ import annotations

import functools
import re

from ... import lexicon
from .context import Context, home_code
from .words import WordList, division_words

ABBR_PREFIX = "省市县区镇"                  # 市总工会, 省委, 县总工会: the paper's or a nearby division
NATION_PREFIX = ("中华全国", "中华", "中国", "中共", "全国", "国网", "国家")
NATION_FIRST = frozenset(pre[0] for pre in NATION_PREFIX)
GENERIC_PREFIX = ("各", "有关", "相关", "全市", "全省", "全区", "全县", "基层", "各级", "部分", "其他", "所属", "本级",
                  "直属", "所在", "当地", "一些", "多家", "该", "此", "原")
LEVEL_ABBR = {"省": "province", "市": "city", "县": "county", "区": "district"}
# parts of speech that may stand inside an organisation name between its prefix and suffix
NAME_POS = ("n", "j", "b", "vn", "an", "nz", "ns", "nt", "nr", "m", "eng", "x")
STOP_CHARS = set("的了和与及或在对向从将把被让给是为等我你他她们这那其要以于就都也还又即着过并而且")
SUB_BODY = ("党组", "党委", "工会", "分会", "党支部", "支部", "团委", "纪检监察组", "机关", "委员会", "监委")
DEPARTMENT = re.compile(r"(办公室|[^总]部|处|科|室)$")   # a department: no suffixed name of its own (orgs._departments makes it a unit)
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
    suffix = longest_suffix(name)
    return _suffix_kinds()[0][suffix] if suffix else None


@functools.lru_cache(maxsize=65536)
def longest_suffix(name: str) -> str:
    """The longest listed organisation suffix a name ends in, "" if none."""
    kinds, longest = _suffix_kinds()
    return next((name[-n:] for n in range(min(longest, len(name)), 0, -1) if name[-n:] in kinds), "")


@functools.cache
def _suffix_kinds() -> tuple[dict[str, str], int]:
    kinds = {s.text: s.kind for s in lexicon.org_suffixes()}
    return kinds, max(map(len, kinds))


@functools.cache
def _suffix_texts() -> frozenset[str]:
    return frozenset(s.text for s in lexicon.org_suffixes())


# short names of a federation's standing bodies (general knowledge of union structure)
BODY_SHORT = {"经审会": "经费审查委员会", "女职委": "女职工委员会"}
# compiled once: _org_from_form runs for every organisation hit
ZONES = tuple(s for s, level in lexicon.LOWER_PLACE_SUFFIXES.items() if level == "site")
BRACKETED_LEVEL = re.compile(r"[((][市县区]")
TWO_LEVELS = re.compile(r"[省市县区][省市县区]")
PROVINCE_CITY_SHORT = re.compile(r"[省市]总")
FORMER = re.compile(r"原(?=党|团|工会)")
LEVEL_HEAD = re.compile(r"[省市县区]")
PARTY_COMMITTEE_BODY = re.compile(r".+?(?:省|市|县|区)委(?:办公厅|办公室|宣传部|组织部|统战部|政法委|党校)")
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
        return None          # 某某总工会组织宣教部: a unit of the parent, made by orgs._departments
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
    for n in range(len(form) - 2, 2, -1):     # 全国总工会党组: a body of a nation-level body
        if form[:n] in abbr and form[n:] in SUB_BODY:
            return abbr[form[:n]][0] + form[n:]
    head = form[0]
    if form.startswith(AUTONOMOUS):
        return _autonomous(form, ctx, before)
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
    m = PARTY_COMMITTEE_BODY.fullmatch(name)
    if m and not name.startswith("中共"):
        return "中共" + name         # 杭州市委办公厅 → 中共杭州市委办公厅
    return name


# 自治区总工会 in a Xinjiang paper is its region's, as 省总工会 is a province's; 兵团 there is the
# 新疆生产建设兵团 (general knowledge of the five autonomous regions' papers)
AUTONOMOUS = ("自治区", "兵团")


def _autonomous(form: str, ctx: Context, before: str) -> str | None:
    if form.startswith("兵团"):
        return "新疆生产建设兵团" + form[2:] if ctx.province == "新疆维吾尔自治区" else None
    region = _nearby_division(before, "自治区") or (ctx.province if (ctx.province or "").endswith("自治区") else None)
    return region + form[3:] if region else None


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
    suffix = longest_suffix(rest)
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
    found, at = None, -1
    for start, end in division_words().spans(window):     # not division_spans: no need to cache windows
        name = window[start:end]
        d = lexicon.divisions_by_name(name)
        full = d[0].name if d else name
        if full.endswith(level_char):
            found, at = full, end
    if level_char == "区":
        # 杭州高新区人大常委会副主任、区总工会主席: a zone governed as a district is the 区 meant
        for m in ZONE_NAME.finditer(window):
            if m.end() > at:
                found, at = m.group(0), m.end()
    return found


ZONE_NAME = re.compile(r"[\u4e00-\u9fff]{2,6}?(?:经济技术开发区|高新技术产业开发区|高新区|新区|开发区|经开区|园区)")


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
    if prefix == d.short and rest[:1] in LEVEL_ABBR and LEVEL_ABBR[rest[0]] != d.level:
        return form          # 北川市… is a city of that name, not 北川羌族自治县 + 市; 双流县 as once printed
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
