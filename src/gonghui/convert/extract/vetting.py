"""Deciding which of the statistical recogniser's candidates to keep, by evidence that can be
stated: a surname or a transliterated foreign name for a person, a post title to cut off its
end (`江主席` → 江), a country abbreviation for a one-character place (`中美` → 中 + 美).

The finders call these; the rules' own spans are decided before them and win where they overlap."""
from __future__ import annotations

import re

from ... import lexicon
from .context import IS_CJK
from .org_names import suffix_kind, suffix_words
from .people import LIST_END, NAME_FOLLOWERS, plausible_name
from .recogniser import Candidate
from .words import starts_with_boundary

# characters foreign names are transliterated with (克林顿, 普里马科夫, 希拉克): general
# knowledge of Xinhua's transliteration tables, not a list of names
TRANSLITERATION = frozenset(
    "阿埃艾安昂奥澳巴拜班邦保鲍贝本比彼毕宾波伯博布查达戴丹道德登迪蒂丁东杜多厄恩尔法凡菲费芬丰"
    "弗福夫盖甘冈戈格古圭哈海汉豪赫黑亨洪胡华霍基吉加贾杰金卡凯坎康考科克肯库奎拉莱赖兰朗劳勒雷蕾"
    "里利莉丽列林琳隆卢鲁伦罗洛马玛迈麦曼芒梅蒙门米密明莫姆穆纳娜奈内尼涅宁努诺欧帕派潘庞佩蓬皮"
    "珀普奇齐恰乔切琴丘萨塞桑瑟森沙莎尚舍什史斯松苏索塔泰坦汤唐特提图托瓦旺威韦维温文翁沃乌西希"
    "夏谢辛休雅亚扬耶伊因英尤于约泽扎詹兹佐茨乐勃卜历叶娃廉得思撒施晓朔歇申罕翰赛逊钦铁顿默龙路连"
    # and those of Uyghur, Mongolian and Tibetan names (买买提, 其木格, 次仁卓玛)
    "买力木其热依次仁卓央堆旺桑吉达格")
# one character that stands for a country or region in running text (中美, 中俄, 港澳)
COUNTRY_SHORT = frozenset("中美俄苏日英法德意加澳韩朝越印巴泰菲蒙老柬缅港台欧非亚墨葡西荷比瑞丹挪芬波匈捷罗希土伊以埃沙叙黎古")
TRAILING = ("摄",)          # a photographer's credit run into the name: 某某摄


def model_people(text: str, cands: tuple[Candidate, ...]) -> list[tuple[int, int]]:
    """(start, end) of the model's person candidates worth keeping."""
    out = []
    for c in cands:
        if c.kind != "PER":
            continue
        start, end = c.start, _cut_title(text, c.start, c.end)
        while end - start > 2 and text[end - 1] in NAME_FOLLOWERS and text[end:end + 1] not in LIST_END \
                and _person_like(text[start:end - 1]):
            end -= 1            # 何光致, 毕加索于: a word that follows a name run into it
        name = text[start:end]
        if _person_like(name):
            out.append((start, end))
    return out


def _cut_title(text: str, start: int, end: int) -> int:
    """The end of a name once a post title or credit run into it is cut off (江主席, 李老)."""
    titles = lexicon.title_kinds()
    for k in range(start + 1, end):
        tail = text[k:end]
        if tail in titles or tail in TRAILING or tail in ("老", "同志", "先生", "女士"):
            while k > start + 1 and text[k - 1] in "总副常":
                k -= 1          # 习总书记, 王副书记: 总 and 副 belong to the title
            return k
        if any(text[k:k + n] in titles for n in range(end - k + 1, end - k + 5)):
            return k            # a title begins inside the name and runs past it
    return end


def _person_like(name: str) -> bool:
    if "·" in name or "•" in name:          # 爱德华多·扬: a foreign full name
        parts = name.replace("•", "·").split("·")
        return all(parts) and len(name) >= 4
    if not name or not all(IS_CJK.match(ch) for ch in name) or lexicon.is_common_word(name):
        return False
    if plausible_name(name):
        return True
    # a transliterated foreign name with no Chinese surname: every character one of the table's
    return 3 <= len(name) <= 6 and all(ch in TRANSLITERATION for ch in name)


def country_pair(name: str) -> bool:
    """中美, 中俄, 港澳台: countries or regions by one character each, tagged as one word; not a
    place jieba's dictionary knows well as one (巴黎, 加沙, 中亚 are no 巴 + 黎; 中欧, 中加 are
    pairs as often as places, so a pair with 中 must be very common as a place)."""
    if not (2 <= len(name) <= 3 and all(ch in COUNTRY_SHORT for ch in name) and len(set(name)) == len(name)):
        return False
    return lexicon.place_word_frequency(name) < (500 if name[0] == "中" else 50)


def model_places(text: str, cands: tuple[Candidate, ...]) -> list[tuple[int, int]]:
    """(start, end) of the model's place candidates worth keeping; `中美` gives two one-character places."""
    out = []
    for c in cands:
        name = c.text
        if c.kind in ("LOC", "ORG") and country_pair(name):
            out += [(k, k + 1) for k in range(c.start, c.end)]
            continue
        if c.kind != "LOC":
            continue
        if len(name) == 1:
            if name in COUNTRY_SHORT:
                out.append((c.start, c.end))
        elif all(IS_CJK.match(ch) or ch.isalnum() for ch in name):
            out.append((c.start, c.end))
    return out


def model_bodies(text: str, cands: tuple[Candidate, ...]) -> list[tuple[int, int]]:
    """(start, end) of the model's organisation candidates worth keeping, each run on to an
    organisation suffix it stops just short of (亚太经合|组织, 致公|党) unless it ends in one
    already (外交部 is not run on to 外交部|部长)."""
    out = []
    for c in cands:
        if c.kind != "ORG" or len(c.text) < 2 or country_pair(c.text):
            continue
        end = c.end if suffix_kind(c.text) else c.end + suffix_words().match(text, c.end)
        if all(IS_CJK.match(ch) or ch.isalnum() for ch in text[c.start:end]):
            out.append((c.start, end))
    return out


def foreign_names(text: str, people: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A foreign name printed in parts joined by `·` (爱德华多·扬·莫达): one person wherever a part
    of it is already a person. Its ends: those of a person found at the first and last dot, or
    else as far as transliteration characters go (at most five)."""
    out = []
    for m in FOREIGN_CHAIN.finditer(text):
        s, e = m.start(), m.end()
        if not any(a < e and b > s for a, b in people):
            continue
        dots = [s + k for k, ch in enumerate(m.group()) if ch in "·•"]
        first_dot, last_dot = dots[0], dots[-1]
        starts = [a for a, b in people if s <= a < first_dot <= b + 1]
        start = _run(text, min(starts), -1, s) if starts else _run(text, first_dot, -1, s)
        ends = [b for a, b in people if last_dot + 1 <= b <= e and a <= last_dot + 1]
        end = max(ends) if ends else _last_part_end(text, last_dot + 1, e)
        if ends and end < e and text[end] in TRANSLITERATION:     # 阿不都|拉: cut one short
            end = max(end, _last_part_end(text, last_dot + 1, e))
        if first_dot - start >= 1 and end - last_dot > 1:
            out.append((start, end))
    return out


def foreign_tail(text: str, start: int, end: int) -> int:
    """The end of a transliterated name cut short (沃尔斯|基, 施图岑|贝格): a span of three or more
    transliteration characters runs on over those that follow, at most four."""
    if end - start < 3 or not all(ch in TRANSLITERATION for ch in text[start:end]):
        return end
    return _run(text, end, 1, min(len(text), end + 4))


def _last_part_end(text: str, at: int, limit: int) -> int:
    """Where the part after a name's last dot ends: before a word that follows names (说, 等,
    陪同), a function character or punctuation; at most eight characters."""
    pos = at
    while pos < min(limit, at + 8) and IS_CJK.match(text[pos]):
        if pos > at and (starts_with_boundary(text, pos, min_len=2) or text[pos] in "的在是和与等为说"):
            break
        pos += 1
    return pos


def _run(text: str, at: int, step: int, limit: int) -> int:
    """How far transliteration characters go from `at` (back with step -1), at most five; forward,
    a word that follows names (说, 表示, 的) ends the run too."""
    pos, n = at, 0
    while n < 5:
        nxt = pos - 1 if step < 0 else pos
        if (step < 0 and nxt < limit) or (step > 0 and nxt >= limit) or text[nxt] not in TRANSLITERATION:
            break
        if step > 0 and n >= 1 and (starts_with_boundary(text, nxt) or text[nxt] in "的在是和与"):
            break
        pos += step
        n += 1
    return pos


FOREIGN_CHAIN = re.compile(r"[\u4e00-\u9fff]{1,8}(?:[·•][\u4e00-\u9fff]{1,8})+")
