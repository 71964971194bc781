"""Slogans: quoted campaign and programme names, numbered formulas (三助三保, 八要八不要) and
well-known national formulas printed without quotes (lexicon/data/formulas.txt).

Chinese papers put quotes round much besides slogans: ordinary words and idioms (“走过场”),
figurative nicknames (“老好人”, “拦路虎”), colloquial clauses (“绕着走”) and speech. The
rules in slogan_rules.py tell them apart by the shape of the quote, jieba's dictionary and the
words just before and after it; they hold no word taken from any page.
"""
from __future__ import annotations

import functools
import re

from ... import lexicon
from ...model import Mention, SloganRef
from .context import CJK, NUMERALS
from .orgs import Tokens
from .slogan_rules import FUNCTION_CHAR, is_formula, is_slogan, lexicalised
from .words import WordList

QUOTED = re.compile(r"“([^“”\n]{2,40})”")
INNER = re.compile(r"‘([^‘’“”\n]{2,20})’")        # ‘…’ quoted inside a quoted slogan or speech
FORMULA_START = re.compile(rf"(?=[{NUMERALS}])")
FORMULA_SHAPES = tuple(re.compile(rf"[{NUMERALS}]个?[{CJK}]{{{n}}}[{NUMERALS}]不?[{CJK}]{{{n}}}") for n in (2, 1))
CONTEXT = 8          # characters read before and after a quote
CAMPAIGN_YEAR = re.compile(rf"(?:以|是|开展|启动|深化|推进)([{CJK}]{{2,10}}?(?:建设|服务|提升|攻坚|落实|效能|质量|作风|创新|突破|规范|能力)年)(?=为|活动|,|,|。|、)")
CREATION_DRIVE = re.compile(rf"(?:开展|深化|推进|启动|推动)([{CJK}A-Za-z0-9]{{2,8}}?)创建(?:活动|工作|行动)")
STUDY_CAMPAIGN = re.compile(rf"(([{CJK}]{{2}})学习教育)")


def find_slogans(text: str) -> list[SloganRef]:
    found: dict[str, SloganRef] = {}
    quoted: list[tuple[int, int]] = []
    accepted: list[tuple[int, int]] = []     # slogans quoted: a formula inside one is part of it

    def add(label, start, end, source="formula"):
        ref = found.setdefault(label, SloganRef(label))
        ref.mentions.append(Mention(start, end, text[start:end], None, source))

    for m in QUOTED.finditer(text):
        label = m.group(1).strip()
        quoted.append((m.start(), m.end()))
        before = text[max(0, m.start() - CONTEXT):m.start()]
        if not is_slogan(label, before, text[m.end():m.end() + CONTEXT]):
            continue
        accepted.append((m.start(), m.end()))
        # 三个“一号工程”: a counted quote is one formula
        count = re.search(rf"[{NUMERALS}]个$", text[max(0, m.start() - 2):m.start()])
        if count:
            add(count.group(0) + label, m.start() - 2, m.end(), "quotation")
            found[count.group(0) + label].variants.add(text[m.start() - 2:m.end()])
            continue
        add(label, m.start(1), m.end(1), "quotation")
    # ‘…’ quotes a term inside a quoted slogan (“‘…’再深化”) or inside quoted speech
    for m in INNER.finditer(text):
        label = m.group(1).strip()
        if is_slogan(label, text[max(0, m.start() - CONTEXT):m.start()], text[m.end():m.end() + CONTEXT]):
            add(label, m.start(1), m.end(1), "quotation")

    def inside(pos: int) -> bool:
        return any(s <= pos < e for s, e in accepted)

    tokens = Tokens.of(text)
    ends = tokens.starts | tokens.ends       # offsets where a jieba word starts or ends
    pos = 0
    for m in FORMULA_START.finditer(text):
        if m.start() < pos or any(s <= m.start() < e for s, e in quoted):
            continue
        # the halves both one or both two characters, the longer first (四进四送活动: 四进四送)
        for pattern in FORMULA_SHAPES:
            f = pattern.match(text, m.start())
            # 进一步统一思想, 一级对一级负责, 二十届三中全会: a formula starts and ends where
            # words do, else the fixed-width halves cut through words
            if f and is_formula(f.group(0)) and f.start() in ends and f.end() in ends and not lexicalised(f.group(0)):
                add(f.group(0), f.start(), f.end())
                pos = f.end()
                break
    for m in CAMPAIGN_YEAR.finditer(text):
        # 以作风建设年为抓手: a campaign year, named as what a body builds its work on
        start, end = m.span(1)
        if not FUNCTION_CHAR.search(m.group(1)) and start in ends and not inside(start):
            add(m.group(1), start, end)
    for m in CREATION_DRIVE.finditer(text):
        # 开展模范职工小家创建活动: the drive is named by what it creates, where that is no ordinary word
        start, end = m.span(1)
        label = m.group(1)
        if not FUNCTION_CHAR.search(label) and not lexicalised(label) and start in ends and not inside(start):
            add(label, start, end)
    for m in STUDY_CAMPAIGN.finditer(text):
        # 党史学习教育: the party's study campaigns, named by a noun
        start, end = m.span(1)
        if lexicon.jieba_tags().get(m.group(2), "").startswith("n") and start in ends and not inside(start):
            add(m.group(1), start, end)
    for start, end in formula_words().spans(text):
        # a formula inside a quotation of speech counts, one inside a quoted slogan is part of it
        if not any(s <= start < e for s, e in accepted) and start in ends and end in ends:
            add(text[start:end], start, end)
    return list(found.values())


@functools.cache
def formula_words() -> WordList:
    """The well-known formulas (中国梦, 八项规定 …) looked for in unquoted text."""
    return WordList(lexicon.formulas())
