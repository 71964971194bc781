"""Lexicons and the gazetteer the extractor builds on.

Every list lives in a plain UTF-8 file under `gonghui/lexicon/data/` (one entry a line, `#` comments,
sorted, no duplicates; README.md there names the source of each). The files are read through
importlib.resources, so this works from an installed wheel too, and each loader runs once.

Surnames, post titles, organisation suffixes, nation-level abbreviations, the words that end a
person's name, words that look like names but are not, well-known national political formulas, and the administrative divisions of
China (divisions.csv) with their short forms (杭州市 → 杭州, 恩施土家族苗族自治州 → 恩施, 恩施州).
"""
from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from ..errors import InputError

TITLE_KINDS = frozenset({"post", "honour", "profession"})
ORG_KINDS = frozenset({"union", "party", "government", "legislature", "company",
                       "association", "media", "school", "other"})

# is_common_word(): a word jieba's dictionary knows, not tagged as a person name, counts as an
# ordinary word from this frequency on. Measured over 725,088 invented three-character names
# (100 common surnames × two of 90 common given-name characters): at 50 none of them is taken
# for a common word (at 20 three are, at 1 twelve); of the 8,736 two-character ones 0.68 % are,
# and those are real words first (黄金, 韩国, 王国, 高新). Higher thresholds only lose real words.
COMMON_WORD_MIN_FREQ = 50
_NAME_TAGS = frozenset({"nr", "nrfg", "nrt"})

# Place-name endings below county level, longest first, with the PlaceRef level they give.
LOWER_PLACE_SUFFIXES = MappingProxyType({s: level for s, level in sorted({
    "高新技术产业开发区": "site", "经济技术开发区": "site", "综合保税区": "site",
    "经济开发区": "site", "旅游度假区": "site", "工业园区": "site", "产业园区": "site",
    "自然保护区": "site", "特色小镇": "site", "开发区": "site", "高新区": "site", "工业园": "site",
    "产业园": "site", "科技园": "site", "科技城": "site", "度假区": "site", "保税区": "site",
    "示范区": "site", "试验区": "site", "管理区": "site", "风景区": "site", "新区": "site",
    "园区": "site", "景区": "site", "港区": "site", "片区": "site", "新城": "site", "小区": "site",
    "街道": "town", "镇": "town", "乡": "town",
    "行政村": "village", "自然村": "village", "社区": "village", "村": "village",
}.items(), key=lambda item: (-len(item[0]), item[0]))})


# ---------------------------------------------------------------- reading the data files

class _ReadOnlyDict(dict):
    """A dict that refuses changes: loaders hand out one cached copy (cheap in hot loops),
    and no caller can alter what the next one sees."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("lexicon tables are read-only; copy with dict(...) to change one")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse


def _read(name: str) -> str:
    try:
        return resources.files("gonghui.lexicon").joinpath("data", name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{name}: cannot read lexicon file ({exc.__class__.__name__})") from None


def parse_lines(text: str) -> list[str]:
    """Entries of a one-column file: stripped lines without blanks and `#` comments."""
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def parse_tsv(text: str, name: str, columns: int, kinds: frozenset[str] | None = None) -> list[tuple[str, ...]]:
    """Rows of a tab-separated file with exactly `columns` non-empty fields.

    The last field is the kind when `kinds` is given. Bad rows raise InputError naming the file
    and line, so a broken data file is reported, never silently half-loaded.
    """
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) != columns or not all(fields):
            raise InputError(f"{name}: line {number}: expected {columns} tab-separated fields")
        if kinds is not None and fields[-1] not in kinds:
            raise InputError(f"{name}: line {number}: unknown kind {fields[-1]!r}")
        rows.append(tuple(fields))
    return rows


# ---------------------------------------------------------------- people

@dataclass(frozen=True)
class Title:
    """A post or honour title as printed before a person's name (主席, 劳动模范, 记者)."""
    text: str
    kind: str   # post | honour | profession


@functools.cache
def surnames() -> tuple[frozenset[str], frozenset[str]]:
    """(single-character surnames, compound surnames such as 欧阳 and 诸葛)."""
    names = parse_lines(_read("surnames.txt"))
    return (frozenset(n for n in names if len(n) == 1), frozenset(n for n in names if len(n) > 1))


@functools.cache
def titles() -> tuple[Title, ...]:
    """All titles, longest first (常务副主席 before 副主席 before 主席), then by text."""
    rows = parse_tsv(_read("posts.tsv"), "posts.tsv", 2, TITLE_KINDS)
    return tuple(sorted((Title(t, k) for t, k in rows), key=lambda t: (-len(t.text), t.text)))


@functools.cache
def title_kinds() -> dict[str, str]:
    """title → kind. Shared and read-only: changing it raises TypeError."""
    return _ReadOnlyDict((t.text, t.kind) for t in titles())


@functools.cache
def name_boundaries() -> frozenset[str]:
    """Words that directly follow a person's name and end it (表示, 出席, 等, 同志 …)."""
    return frozenset(parse_lines(_read("name_boundaries.txt")))


@functools.cache
def not_names() -> frozenset[str]:
    """Common words a surname rule or jieba's nr tag would take for a name (方面, 文明 …)."""
    return frozenset(parse_lines(_read("not_names.txt")))


@functools.cache
def formulas() -> frozenset[str]:
    """Well-known national political formulas (中国梦, 八项规定, 四个意识 …), slogans even unquoted."""
    return frozenset(parse_lines(_read("formulas.txt")))


@functools.cache
def jieba_tags() -> dict[str, str]:
    """word → part-of-speech tag, as jieba's dict.txt gives them: the tags jieba.posseg looks up.
    Read here, with the common words, so that the build need not import jieba.posseg, which
    reads the same file again at import (0.6 s)."""
    return _jieba_dict()[0]


@functools.cache
def _jieba_common_words() -> frozenset[str]:
    return _jieba_dict()[1]


def place_word_frequency(word: str) -> int:
    """How often jieba's dict.txt counts `word` as a place name (tag ns); 0 if it is none."""
    return _jieba_dict()[2].get(word, 0)


@functools.cache
def _jieba_dict() -> tuple[dict[str, str], frozenset[str], dict[str, int]]:
    # Read jieba's own dict.txt rather than jieba.dt.FREQ: the file carries the tags, and the
    # answer must not depend on words other stages add to jieba at run time (add_word,
    # load_userdict), nor pay for building jieba's prefix dictionary.
    try:
        text = resources.files("jieba").joinpath("dict.txt").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ModuleNotFoundError) as exc:
        raise InputError(f"jieba dict.txt: cannot read ({exc.__class__.__name__})") from None
    tags, common, places = {}, set(), {}
    for line in text.splitlines():
        parts = line.split(" ")
        if len(parts) == 3:
            word, freq, tag = parts
            tags[word] = tag                 # a later line wins, as in jieba.posseg
            if tag not in _NAME_TAGS and freq.isdigit() and int(freq) >= COMMON_WORD_MIN_FREQ:
                common.add(word)
            if tag == "ns" and freq.isdigit():
                places[word] = int(freq)
            else:
                places.pop(word, None)       # a later line that is no place wins here too
    return _ReadOnlyDict(tags), frozenset(common), places


def is_common_word(s: str) -> bool:
    """True when `s` is an ordinary word rather than a possible person name.

    That is: jieba's dictionary has it, not tagged nr/nrfg/nrt, with a frequency of at least
    COMMON_WORD_MIN_FREQ, or it is listed in not_names.txt.
    """
    return s in not_names() or s in _jieba_common_words()


# ---------------------------------------------------------------- organisations

@dataclass(frozen=True)
class OrgSuffix:
    """How an organisation name ends (总工会, 党组, 有限公司) and what kind of body that makes it."""
    text: str
    kind: str   # one of ORG_KINDS


@functools.cache
def org_suffixes() -> tuple[OrgSuffix, ...]:
    """All suffixes, longest first (股份有限公司 before 有限公司 before 公司), then by text."""
    rows = parse_tsv(_read("org_suffixes.tsv"), "org_suffixes.tsv", 2, ORG_KINDS)
    return tuple(sorted((OrgSuffix(s, k) for s, k in rows), key=lambda s: (-len(s.text), s.text)))


@functools.cache
def abbreviations() -> dict[str, tuple[str, str]]:
    """Nation-level short form → (full name, kind): 全总 → (中华全国总工会, union). Read-only."""
    rows = parse_tsv(_read("abbreviations.tsv"), "abbreviations.tsv", 3, ORG_KINDS)
    return _ReadOnlyDict((short, (full, kind)) for short, full, kind in rows)


# ---------------------------------------------------------------- gazetteer

@dataclass(frozen=True)
class Division:
    """An administrative division of China from divisions.csv (12-digit code)."""
    name: str                # 杭州市
    short: str               # 杭州 (never shorter than two characters)
    code: str                # 330100000000
    level: str               # province | city | district | county
    parent_code: str | None  # the city, or the province for province-direct divisions


# Rows that hold a place in the code tree but name no place.
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

# Administrative endings, tried longest first; the first that leaves two or more characters wins
# (清新区: 新区 would leave 清, so 区 is stripped instead). 旗 stays: 正蓝 alone is not used.
_ADMIN_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "新区", "矿区",
                   "特区", "省", "市", "区", "县", "盟")
_AUTONOMOUS = {"自治区": "", "自治州": "州", "自治县": "县", "自治旗": "旗"}  # → common-form ending

# One-off short forms no general rule gives.
_SHORT_EXCEPTIONS = {"神农架林区": "神农架"}

# The 55 officially recognised minorities (without 族), stripped from autonomous-area names:
# 恩施土家族苗族 → 恩施. Names of two or more characters are also stripped without 族
# (博尔塔拉蒙古自治州 → 博尔塔拉), one-character ones only with it (so 西藏 keeps its 藏).
_ETHNIC = sorted("""蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山
拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒
乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各""".split(),  # noqa: SIM905 (a word list reads better as text)
                 key=lambda e: (-len(e), e))


def _strip_ethnic(stem: str) -> str:
    changed = True
    while changed:
        changed = False
        for ethnic in _ETHNIC:
            for ending in (ethnic + "族", ethnic if len(ethnic) > 1 else None):
                if ending and stem.endswith(ending) and len(stem) - len(ending) >= 2:
                    stem, changed = stem[:-len(ending)], True
                    break
            if changed:
                break
    if stem.endswith("族") and stem[:-1] in _ETHNIC:   # 鄂温克族(自治旗) → 鄂温克
        stem = stem[:-1]
    return stem


def short_forms(name: str) -> tuple[str, tuple[str, ...]]:
    """(short form, other common forms) of a division name.

    浙江省 → ("浙江", ()); 广西壮族自治区 → ("广西", ()); 恩施土家族苗族自治州 → ("恩施", ("恩施州",));
    景宁畲族自治县 → ("景宁", ("景宁县",)); 和县 → ("和县", ()) as one character is too short.
    """
    if name in _SHORT_EXCEPTIONS:
        return _SHORT_EXCEPTIONS[name], ()
    for suffix in _ADMIN_SUFFIXES:
        if not name.endswith(suffix):
            continue
        stem = name[:-len(suffix)]
        if suffix in _AUTONOMOUS:
            stem = _strip_ethnic(stem)
        if len(stem) < 2:
            continue
        extra = (stem + _AUTONOMOUS[suffix],) if _AUTONOMOUS.get(suffix) else ()
        return stem, extra
    return name, ()


def _level(code: str, name: str) -> str:
    if code[2:] == "0" * 10:
        return "province"
    if code[4:] == "0" * 8:
        return "city"
    if name.endswith("区"):
        return "district"
    if name.endswith("市"):
        return "city"
    return "county"          # 县, 自治县, 旗, 自治旗 and the few others (群岛)


@functools.cache
def _gazetteer() -> tuple[dict[str, Division], dict[str, tuple[Division, ...]]]:
    name = "divisions.csv"
    rows: dict[str, str] = {}
    reader = csv.reader(io.StringIO(_read(name)))
    header = next(reader, None)
    if not header or header[:2] != ["adcode", "name"]:
        raise InputError(f"{name}: expected a header starting adcode,name")
    for number, row in enumerate(reader, 2):
        if not row:
            continue
        if len(row) < 2 or len(row[0]) != 12 or not row[0].isdigit() or not row[1].strip():
            raise InputError(f"{name}: line {number}: expected a 12-digit adcode and a name")
        if row[1] not in _PLACEHOLDERS:
            rows[row[0]] = row[1].strip()

    by_code: dict[str, Division] = {}
    index: dict[str, list[Division]] = {}
    for code in sorted(rows):
        full = rows[code]
        level = _level(code, full)
        province, city = code[:2] + "0" * 10, code[:4] + "0" * 8
        if level == "province":
            parent = None
        elif level == "city" and code[4:] == "0" * 8:
            parent = province if province in rows else None
        else:
            parent = city if city in rows else (province if province in rows else None)
        short, extra = short_forms(full)
        division = Division(full, short, code, level, parent)
        by_code[code] = division
        for form in dict.fromkeys((full, short) + extra):   # each form once, in order
            index.setdefault(form, []).append(division)
    # codes were visited in order, so every list is already sorted by code
    return by_code, {form: tuple(ds) for form, ds in index.items()}


def divisions_by_name(name: str) -> tuple[Division, ...]:
    """Every division with this full, short or common form (西湖 → both 西湖区), sorted by code."""
    return _gazetteer()[1].get(name, ())


def division_by_code(code: str) -> Division | None:
    return _gazetteer()[0].get(code)


@functools.cache
def division_names() -> frozenset[str]:
    """All full, short and common forms, for matching in text."""
    return frozenset(_gazetteer()[1])
