"""Events: named meetings (召开…大会) with their date resolved against the issue date."""
from __future__ import annotations

import datetime as dt
import re

from ...model import EventRef, Mention
from .context import CJK, Context

EVENT_RE = re.compile(rf"(召开|举行|举办|开展|参加|出席|启动)(了)?([{CJK}“”()()、·0-9—]{{2,40}}?(全体会议|全会|大会|会议|座谈会|交流会|培训班|仪式|生日会|讨论会|学习会|推进会|动员会|表彰会|论坛|峰会|汇演|比赛|竞赛))")
DATE_MD = re.compile(r"(\d{1,2})月(\d{1,2})日")
RELATIVE = {"昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "前天": -2}


def find_events(text: str, ctx: Context) -> list[EventRef]:
    events: dict[str, EventRef] = {}
    for m in EVENT_RE.finditer(text):
        name = m.group(3)
        sentence_start = max(text.rfind("。", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        sentence = text[sentence_start:m.start()]
        date = _resolve_date(sentence, ctx)
        ref = events.setdefault(name, EventRef(name, date))
        ref.date = ref.date or date
        ref.mentions.append(Mention(m.start(3), m.end(3), name, None, "event-name"))
    return list(events.values())


def _resolve_date(sentence: str, ctx: Context) -> str | None:
    if ctx.issue_date is None:
        return None
    if m := DATE_MD.search(sentence):
        month, day = int(m.group(1)), int(m.group(2))
        year = ctx.issue_date.year
        try:
            d = dt.date(year, month, day)
        except ValueError:
            return None
        if d > ctx.issue_date + dt.timedelta(days=31):
            d = d.replace(year=year - 1)   # a December date in a January issue
        return d.isoformat()
    for word, delta in RELATIVE.items():
        if word in sentence:
            return (ctx.issue_date + dt.timedelta(days=delta)).isoformat()
    return None
