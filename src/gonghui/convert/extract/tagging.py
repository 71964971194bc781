"""Flat PER/ORG/LOC spans of one line (`gonghui entities`): the page rules, then the statistical
recogniser for what they cannot see in general news (jieba's tags where the model is off); for
measuring the extractor on any corpus. Every span can say which source found it (--source)."""
from __future__ import annotations

import re

from ... import lexicon
from ...model import Document
from . import recogniser
from .context import Context
from .org_names import suffix_words
from .orgs import JOINER, Tokens, find_orgs, occurrences
from .people import NAME_FOLLOWERS, NOT_IN_NAME, NOT_NAME_START, find_people, plausible_name
from .places import find_places
from .vetting import foreign_names, foreign_tail, model_bodies, model_people, model_places

# which source wins where two overlap and are equally long: the rules that have context first.
# The sources are model.EVIDENCE's and, here only, "jieba" (its tags) and "foreign-name" (a name
# joined over its dots, 卡洛斯·门多萨)
RANK = {"model": 2, "second-mention": 3, "jieba": 4}


def tag_line(text: str, with_source: bool = False) -> list[dict]:
    """Flat PER/ORG/LOC spans of one line of text, for measuring the extractor on any corpus.

    The page rules (titles, lists, prefixes, the gazetteer) come first; the model's candidates
    fill in what they cannot see in general news (李明说, 克林顿, 美国, 新华社) once vetted
    (vetting.py), and a name found once is found at each further occurrence."""
    from ...model import Page
    page = Page("stdin", "", "utf-8", text)
    doc = Document(page=page, issue=None, items=[])
    ctx = Context()
    orgs = find_orgs(text, ctx)
    spans: list[tuple[int, int, str, str]] = [(h.start, h.end, "ORG", h.source) for h in orgs]
    for h in find_people(doc, ctx, orgs):
        spans.append((h.start, h.end, "PER", h.source))
    for pl in find_places(text, ctx, orgs):
        for m in pl.mentions:
            spans.append((m.start, m.end, "LOC", m.source))
    jieba = _jieba_spans(text)
    if recogniser.enabled():
        # jieba's names stay: on names its dictionary knows it draws the boundary better than the
        # model does in a run of names (丁石孙丁衡 is 丁石孙 + 丁衡); places and bodies come from the model
        cands = recogniser.recognise(text)
        model_named = [(c.start, c.end) for c in cands if c.kind == "PER"]
        # …but not a two-character name the model reads as three (王培|增): most names have three
        longer = {(s2, e2 - 1) for s2, e2 in model_named
                  if e2 - s2 == 3 and text[e2 - 1] not in NAME_FOLLOWERS | set(NOT_IN_NAME) and plausible_name(text[s2:e2])}
        spans += [(s, e, t, src) for s, e, t, src in jieba
                  if t == "PER" and any(s < e2 and e > s2 for s2, e2 in model_named) and (s, e) not in longer]
        named = [(s, e) for s, e, t, _ in spans if t == "PER"]
        spans += [(s, e, "PER", "model") for s, e in model_people(text, cands)
                  if not any(s < e2 and e > s2 for s2, e2 in named)]
        spans += [(s, e, "LOC", "model") for s, e in model_places(text, cands)]
        ruled = [(s, e) for s, e, t, _ in spans if t == "ORG"]
        for s, e in model_bodies(text, cands):
            # 中共和政府: two bodies the model ran into one
            if any(s <= s2 and e2 <= e and (s, e) != (s2, e2) for s2, e2 in ruled) and JOINER.search(text[s:e]):
                continue
            spans.append((s, e, "ORG", "model"))
        spans = [(s, foreign_tail(text, s, e) if t == "PER" else e, t, src) for s, e, t, src in spans]
        people = [(s, e) for s, e, t, _ in spans if t == "PER"]
        spans += [(s, e, "PER", "foreign-name") for s, e in foreign_names(text, people)]
    else:
        spans += jieba
    spans += _named_by_convention(text)
    spans += _people_by_convention(text, spans)
    spans = _join_bodies(text, [x for x in spans if not (x[2] == "ORG" and text[x[0]:x[1]] in BARE_BODIES)])
    found = {(s, e) for s, e, t, _ in spans if t == "PER"}
    for name in {text[s:e] for s, e in found if e - s >= 2}:     # 江 of 江主席 is no name to look for
        for start in occurrences(name, text):
            if (start, start + len(name)) not in found:
                spans.append((start, start + len(name), "PER", "second-mention"))
    out = []
    for s, e, t, src in _country_bodies(text, _flatten(spans)):
        d = {"start": s, "end": e, "type": t, "text": text[s:e]}
        if with_source:
            d["source"] = src
        out.append(d)
    return out


def _jieba_spans(text: str) -> list[tuple[int, int, str, str]]:
    import jieba.posseg as pseg
    out, pos = [], 0
    for w in pseg.lcut(text):
        word, flag = w.word, w.flag
        start, pos = pos, pos + len(word)
        if flag in ("nr", "nrfg") and plausible_name(word):
            out.append((start, pos, "PER", "jieba"))
        elif flag == "ns" and len(word) >= 2 and word not in NOT_PLACES:
            out.append((start, pos, "LOC", "jieba"))
        elif flag == "nt" and len(word) >= 2:
            out.append((start, pos, "ORG", "jieba"))
    return out


# a body named by its kind alone is a reference, not a name: 党, 中央, 全国代表大会
BARE_BODIES = {"党", "中央", "共产党", "全国委员会", "全国代表大会", "代表大会", "委员会", "常委会", "政府"}
# 第九届全国人民代表大会, 中国共产党第十五次全国代表大会: a session is named with its ordinal
ORDINAL = re.compile(r"第?[一二三四五六七八九十百零〇\d]{1,4}[届次]$")
ORDINAL_AT = re.compile(r"第[一二三四五六七八九十百零〇\d]{1,4}[届次]")      # a span that begins with its own
DASH = "—-–"
CONGRESS = re.compile(r"[一二三四五六七八九十]{1,3}大(?![学楼厦会使])")      # 中共十五大, 民建七大


def _join_bodies(text: str, spans):
    """Organisation spans grown over what belongs to their name: an ordinal printed before one
    (第九届|全国人民代表大会), the body it is a session of (中国共产党|第十五次全国代表大会), and a
    country joined by a dash (奥地利—|中国友好协会)."""
    spans = sorted(set(spans))
    out = []
    for s, e, t, src in spans:
        if t == "ORG":
            m = ORDINAL.search(text[max(0, s - 6):s]) or ORDINAL_AT.match(text, s)
            if m and m.start() != s:
                s = s - len(m.group(0))
            if s > 1 and text[s - 1] in DASH:
                before = [x for x in out if x[1] == s - 1 and x[2] in ("LOC", "ORG")]
                if before:
                    out.remove(before[-1])
                    s = before[-1][0]
            if m:
                before = [x for x in out if x[1] == s and x[2] == "ORG"]
                if before:
                    out.remove(before[-1])
                    s = before[-1][0]
        if t == "ORG" and (m := CONGRESS.match(text, e)):
            e = m.end()
        out.append((s, e, t, src))
    return out


NOT_PLACES = {"中华", "中外", "国内", "国外", "海内外", "东西", "南北", "内外"}

# names that news text writes by convention, which neither the rules nor the model see:
# a party congress by its number (十五大, 第十五次全国代表大会: the congress is the party's highest
# organ), a newspaper by its title (《经济日报》, 人民日报), the army (解放军, 武警), and the capital and China by one character
# after a verb of coming and going (在京举行, 来华访问)
PARTY_CONGRESS = re.compile(r"(?<![\d一二三四五六七八九十百千万几数第])(?:十[一二三四五六七八九]|二十)大"
                            r"(?![学楼厦会使型城类项批多小件区])"
                            r"|第[一二三四五六七八九十]{1,3}次全国代表大会")
NEWSPAPER = re.compile(r"(?<=《)[^《》\s]{1,10}(?:日报|晚报|时报|青年报|工人报|周报|商报)(?=》)"
                       r"|人民日报|解放军报|光明日报|经济日报|工人日报|中国青年报")
ARMY = re.compile(r"(?:中国)?人民解放军|解放军(?![报])|武警(?!部队)")
CAPITAL = re.compile(r"(?<=[在来回离进驻抵赴返晋入])京(?![剧戏腔味韵城华沪津])|(?<=访)华"
                     r"|(?<=[来驻在抵赴离])华(?=[\W旅访投期考演工学参采经事办设])")


# a person by the surname alone before a title (江主席, 邓先生, 王老) or by the given name before
# 同志 (小平同志), as news writes of people it has named before
BY_TITLE = re.compile(r"(?=([\u4e00-\u9fff]{1,2})(总书记|副主席|主席|总理|委员长|先生|女士|教授|同志|老(?![师板百家人年乡汉总])))")
# a founder named in the doctrine after him (马克思主义, 列宁主义)
DOCTRINE = re.compile(r"([\u4e00-\u9fff]{2,3})(?=主义)")


def _people_by_convention(text: str, taken: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    tokens, tags = Tokens.of(text), lexicon.jieba_tags()
    single = lexicon.surnames()[0]
    covered = set()
    for s, e, _, _ in taken:
        covered.update(range(s, e))
    out = []
    for m in BY_TITLE.finditer(text):
        s, name, title = m.start(), m.group(1), m.group(2)
        e = s + len(name)
        if s not in tokens.starts or e + len(title) not in tokens.ends or not covered.isdisjoint(range(s, e)):
            continue
        if len(name) == 1 and name in single and name not in NOT_NAME_START and title != "同志":
            out.append((s, e, "PER", "post-after-name"))
        elif len(name) == 2 and title == "同志" and tags.get(name) in (None, "nr", "nrt") \
                and not lexicon.is_common_word(name) and not any(c in NOT_IN_NAME or c in NOT_NAME_START for c in name):
            out.append((s, e, "PER", "post-after-name"))
    for m in DOCTRINE.finditer(text):
        for k in range(m.start(), m.end() - 1):        # the longest founder's name that ends before 主义
            if tags.get(text[k:m.end()]) == "nr":
                out.append((k, m.end(), "PER", "jieba"))
                break
    return out


def _named_by_convention(text: str) -> list[tuple[int, int, str, str]]:
    out = [(m.start(), m.end(), "ORG", "org-suffix") for m in PARTY_CONGRESS.finditer(text)]
    out += [(m.start(), m.end(), "ORG", "org-suffix") for m in NEWSPAPER.finditer(text)]
    out += [(m.start(), m.end(), "ORG", "org-suffix") for m in ARMY.finditer(text)]
    out += [(m.start(), m.end(), "LOC", "gazetteer") for m in CAPITAL.finditer(text)]
    return out


def _foreign_place(name: str) -> bool:
    """A country or a place abroad (美国, 墨西哥), or China named as a state: a place jieba knows
    that the Chinese division gazetteer does not hold."""
    return name in ("中国", "中华人民共和国") or (
        lexicon.jieba_tags().get(name) == "ns" and not lexicon.divisions_by_name(name))


def _country_bodies(text: str, spans):
    """A country's organs as news names them: 俄罗斯|外交部 and 墨西哥|参议院 are one organisation,
    while 美国政府 is the country acting (the state, not a body of it: its place is what is named)."""
    out: list[tuple[int, int, str, str]] = []
    starts = {x[0] for x in spans}
    for s, e, t, src in spans:
        if t == "ORG" and text[s:e].endswith("政府") and _foreign_place(text[s:e - 2]):
            out.append((s, e - 2, "LOC", src))
            continue
        if t == "ORG" and out and out[-1][1] == s and out[-1][2] == "LOC" and text[s:e] != "政府" \
                and _foreign_place(text[out[-1][0]:s]):
            s = out.pop()[0]
        elif t == "LOC" and (n := suffix_words().match(text, e)) >= 2 and _foreign_place(text[s:e]) \
                and e not in starts:
            t, e = "ORG", e + n               # 墨西哥|参议院, 俄罗斯|使馆: the suffix alone finds no prefix
        out.append((s, e, t, src))
    return out


def _flatten(spans):
    """Non-overlapping spans: longer first, then by source rank; ORG over LOC inside it."""
    out: list[tuple[int, int, str, str]] = []
    for s, e, t, src in sorted(set(spans), key=lambda x: (-(x[1] - x[0]), RANK.get(x[3], 1), x[0], x[2])):
        if all(e <= s2 or s >= e2 for s2, e2, _, _ in out):
            out.append((s, e, t, src))
    return sorted(out)
