"""Slogans: quoted campaign and programme names and numbered formulas (三助三保, 八要八不要)."""
from __future__ import annotations

import re

from ... import lexicon
from ...model import Mention, SloganRef
from .context import CJK, NUMERALS

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
