"""Places on a page: the division gazetteer (full and short names) plus towns, villages and roads
found by their suffix."""
from __future__ import annotations

import re

from ... import lexicon
from ...model import Mention, PlaceRef
from .context import CJK, IS_CJK, Context, home_code, parent_name
from .org_names import STOP_CHARS, prefer_home
from .orgs import OrgHit, Tokens
from .words import division_spans

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
    tags = lexicon.jieba_tags()
    home = home_code(ctx)
    places: dict[str, PlaceRef] = {}
    ends: set[int] = set()

    def add(name, level, code, parent, start, end):
        ref = places.setdefault(name, PlaceRef(name, level, code, parent))
        ref.mentions.append(Mention(start, end, name, None, "gazetteer" if code else "place-suffix"))
        ends.add(end)

    listed: dict[int, tuple] = {}      # short forms that only a list of places can vouch for
    code_ending, code_starting = {}, {}        # the division codes of accepted names, by their ends
    for start, end in division_spans(text):
        name = text[start:end]
        divs = lexicon.divisions_by_name(name)
        if not divs:
            continue
        d = prefer_home(divs, ctx)
        at_start = start in tokens.starts or start in ends or (start > 0 and not IS_CJK.match(text[start - 1]))
        in_home = home is not None and d.code.startswith(home)
        prefecture = d.level == "province" or d.code.endswith("00000000")
        if name != d.name:                                  # a short form: 杭州, 桐庐
            if not at_start or _inside_word(tokens, tags, start, end):
                continue
            if (lexicon.is_common_word(name) or not in_home) and not prefecture:
                if text[end:end + 1] == "、" or text[start - 1:start] == "、":
                    listed[start] = (end, d)
                continue
            if not prefecture and not _short_ok(text, start, end):
                continue
        elif not (at_start or in_home) or _inside_word(tokens, tags, start, end):
            continue
        elif lexicon.is_common_word(name) and not prefecture and not in_home and start not in ends:
            continue                      # 城区, 郊区: a district's name that is an ordinary word needs its city
        add(name, d.level, d.code, parent_name(d.name), start, end)
        code_ending[end], code_starting[start] = d.code, d.code
    # 余姚、慈溪、奉化、宁海: a short name that is also a word (奉化) counts in a list beside a place
    # of the same province
    while listed:
        vouched = [(start, end, d) for start, (end, d) in listed.items()
                   if any(c and c[:2] == d.code[:2] for c in (code_ending.get(start - 1), code_starting.get(end + 1)))]
        if not vouched:
            break
        for start, end, d in vouched:
            del listed[start]
            add(text[start:end], d.level, d.code, parent_name(d.name), start, end)
            code_ending[end], code_starting[start] = d.code, d.code
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


def _inside_word(tokens: Tokens, tags: dict, start: int, end: int) -> bool:
    """Does the name end inside an idiom, a phrase or a verb jieba reads it in (大同|小异)?"""
    word = tokens.word_over(start, end)
    return word is not None and tags.get(word) in ("i", "l", "v", "a", "d", "ad")


def _short_ok(text: str, start: int, end: int) -> bool:
    """A short county name (桐庐) counts where it stands alone: in a list or after 在/赴/到."""
    after = text[end:end + 1]
    before = text[max(0, start - 1):start]
    return (after in "、,,。和与及等" or before in "、在赴到于") and after not in ("市", "县", "区")
