"""People on a page: names after a post chain, in lists, before a boundary word, and later
occurrences of a name established on the page; a name must pass the surname and common-word checks."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from ... import lexicon
from ...model import Document, Post, Span
from . import recogniser
from .context import CJK, IS_CJK, Context
from .orgs import OrgHit, suffix_kind
from .posts import AFTER_NAME, TITLE_AFTER_NAME, org_of_title_text, post_chain, title_at_start
from .words import starts_with_boundary, title_ending_at, title_words


@dataclass
class NameHit:
    start: int
    end: int
    name: str
    posts: list[Post] = field(default_factory=list)
    source: str = "post-chain"      # the rule that found it (model.EVIDENCE)


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
    if any(b in name[1:] for b in NOT_IN_NAME) or name[0] in NOT_NAME_START:
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
        if n == 3 and name[2] in NAME_FOLLOWERS and plausible_name(name[:2], strict) \
                and text[pos + 3:pos + 4] not in LIST_END:
            continue            # 乔石从3月起 (but 张兆都、 in a list is a name)
        rest = text[pos + n:pos + n + 4]
        if _is_boundary(rest, boundaries) or (n == 2 and rest[:1] in NAME_FOLLOWERS):
            cands.append(name)
    return cands[0] if cands else None


DOTTED = re.compile(rf"[{CJK}]{{1,8}}(?:[·•][{CJK}]{{1,8}})+")
AFTER_DOTTED = frozenset("的在是和与及等为说用将对向从于、")


def dotted_name_at(text: str, pos: int) -> str | None:
    """A name printed in parts joined by a dot right after a title (律师吾买尔江·托乎提用…):
    its last part ends where the recogniser's name ends, else before a word that follows names
    or a function character, at most six characters after the last dot."""
    m = DOTTED.match(text, pos)
    if not m:
        return None
    last_dot = pos + max(m.group().rfind("·"), m.group().rfind("•"))
    ends = [c.end for c in recogniser.recognise(text) if c.kind == "PER" and last_dot + 1 < c.end <= m.end()]
    end = max(ends) if ends else last_dot + 1
    if not ends:
        while end < min(m.end(), last_dot + 7) and not (end > last_dot + 1 and (
                text[end] in AFTER_DOTTED or starts_with_boundary(text, end, min_len=2))):
            end += 1
    first = text[pos:text.index("·", pos) if "·" in text[pos:last_dot + 1] else last_dot]
    return text[pos:end] if end - last_dot > 1 and 1 <= len(first) <= 6 else None


def _is_boundary(rest: str, boundaries) -> bool:
    if not rest or not IS_CJK.match(rest[0]):
        return True
    return starts_with_boundary(rest, 0)


# characters that never end or fill a given name but run into one: 某某说, 某某摄 (a photo credit)
NOT_IN_NAME = ("的", "了", "和", "在", "是", "等", "与", "们", "说", "摄")
# characters that rarely end a given name and in running text are a word of their own after one:
# 乔石从3月起, 何光致欢迎词, 某某于1998年 — a third character of these ends the name before it
NAME_FOLLOWERS = frozenset("从于自将已曾也都就对向把被让给致称")
LIST_END = tuple("、,，。;；:：)）”") + ("",)
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
    inside_org = set()
    for h in orgs:
        inside_org.update(range(h.start, h.end))
    for _, pos in title_words().spans(text):
        t_start, title = title_ending_at(text, pos, org_at_end)
        if (t_start in inside_org and t_start not in org_at_end) or (pos - 1) in inside_org:
            continue   # 总工 inside 总工会 is no title
        name = name_after(text, pos) or dotted_name_at(text, pos)
        if name is None:
            continue
        posts = post_chain(text, t_start, title, ctx, org_at_end)
        hits.append(NameHit(pos, pos + len(name), name, posts))
        # a list continuing after the first name: 董建伟、周小兵、张卫华 …
        hits.extend(_list_after(text, pos + len(name), posts))
    # a name followed by a title that follows names: 习近平总书记, 某某同志
    for m in AFTER_NAME.finditer(text):
        name = m.group(1)
        if plausible_name(name):
            org = TITLE_AFTER_NAME[m.group(2)]
            posts = [Post(m.group(2), m.group(2), org, printed=Span(m.start(2), m.end(2), m.group(2)))] if org else []
            hits.append(NameHit(m.start(1), m.end(1), name, posts, "post-after-name"))
    # 甲、乙两位全国人大代表: names before a counted title
    for m in COUNTED_NAMES.finditer(text):
        after = text[m.end():m.end() + 12]
        t = title_at_start(after)
        names = m.group(1).split("、")
        if t and all(plausible_name(n) for n in names):
            pos = m.start(1)
            org = org_of_title_text(after[: after.index(t) + len(t)], ctx)
            said = after[: after.index(t) + len(t)]
            for n in names:
                posts = [Post(said, t, org, printed=Span(m.end(), m.end() + len(said), said))]
                hits.append(NameHit(pos, pos + len(n), n, posts, "name-list"))
                pos += len(n) + 1
    # 某某是某村党支部书记, 某某现任某公司总经理: a post printed after the name
    for h in orgs:
        verb = COPULA_END.search(text[max(0, h.start - 2):h.start])
        title = text[h.end:h.end + title_words().match(text, h.end)]
        if not (verb and title):
            continue
        end = h.start - len(verb.group(0))
        name = next((text[end - n:end] for n in (3, 2, 4) if end - n >= 0 and plausible_name(text[end - n:end])), None)
        if name:
            printed = Span(h.start, h.end + len(title), h.form + title)
            hits.append(NameHit(end - len(name), end, name, [Post(h.form + title, title, h.name, printed=printed)],
                                "post-after-name"))
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
        source = "name-list"
        if not name and (name := _model_name_at(text, pos)):
            source = "model"           # a list the rules can follow but whose next name they doubt
        if not name:
            break
        out.append(NameHit(pos, pos + len(name), name, list(posts), source))
        pos += len(name)
    return out


def _model_name_at(text: str, pos: int) -> str | None:
    """The statistical recogniser's name starting at pos, if it passes the surname check."""
    for c in recogniser.recognise(text):
        if c.start == pos and c.kind == "PER" and plausible_name(c.text):
            return c.text
        if c.start > pos:
            break
    return None


CLAUSE_VERBS = ("传达", "通报", "主持", "介绍", "表示", "指出", "强调", "认为", "说", "提出", "要求", "宣布", "讲话",
                "致辞", "致词", "发言", "补充道")


CLAUSE_NAME = re.compile(r"(?:^|(?<=[,。;:!?、\n\s”]))([" + CJK + r"]{2,4}?)(" + "|".join(CLAUSE_VERBS) + ")")


def _clause_initial_names(text: str) -> list[NameHit]:
    out = []
    for m in CLAUSE_NAME.finditer(text):
        name = m.group(1)
        if plausible_name(name) and not lexicon.is_common_word(name[1:]) and len(name) >= 2:
            out.append(NameHit(m.start(1), m.end(1), name, source="boundary-word"))
    return out
