"""Where the paper stands: its home province and city and its issue date, from the masthead
and the divisions the page names; they resolve 市/省/县/区 abbreviations."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from ... import lexicon
from ...model import Document
from .words import division_mentions

CJK = "\u3400-\u9fff"
IS_CJK = re.compile(f"[{CJK}]")
NUMERALS = "一二三四五六七八九十两双百千万"


@dataclass
class Context:
    """Where the paper stands: resolves 市/省/县/区 abbreviations."""
    province: str | None = None     # full name, e.g. 浙江省
    city: str | None = None         # full name, e.g. 杭州市
    issue_date: dt.date | None = None
    company: str | None = None      # the enterprise whose union publishes the paper: its 公司, 集团


# an enterprise paper's publisher: the company's union or party committee (某某集团有限公司工会)
PUBLISHING_COMPANY = re.compile(rf"([{CJK}A-Za-z0-9]{{2,30}}?(?:有限责任公司|股份有限公司|有限公司|集团公司|集团|公司))"
                                r"(?:工会(?:委员会)?|党委|团委)?")


def page_context(doc: Document) -> Context:
    """The paper's home city and province: from the masthead title, else the page's most named ones."""
    ctx = Context()
    if doc.issue and doc.issue.date:
        ctx.issue_date = dt.date.fromisoformat(doc.issue.date)
    title = doc.issue.newspaper if doc.issue else ""
    if doc.issue and doc.issue.publisher and (m := PUBLISHING_COMPANY.fullmatch(doc.issue.publisher)):
        ctx.company = m.group(1)
    cities: Counter[str] = Counter()
    provinces: Counter[str] = Counter()
    for name in division_mentions(title):
        d = lexicon.divisions_by_name(name)[0]
        if d.level == "province":
            provinces[d.name] += 100
        elif d.code.endswith("00000000"):     # 市 stands for a prefecture city, never a district (江城)
            cities[d.name] += 100
    for name in division_mentions(doc.page.text):
        divs = lexicon.divisions_by_name(name)
        d = divs[0]
        if d.level == "province":
            provinces[d.name] += 1
        elif d.level == "city" and d.code.endswith("00000000"):
            cities[d.name] += 1
    if provinces:
        ctx.province = provinces.most_common(1)[0][0]
    if cities:
        ctx.city = cities.most_common(1)[0][0]
        if not ctx.province:
            ctx.province = parent_name(ctx.city)
    if ctx.city and not provinces:
        ctx.province = parent_name(ctx.city)
    return ctx


def parent_name(name: str) -> str | None:
    divs = lexicon.divisions_by_name(name)
    if divs and divs[0].parent_code:
        parent = lexicon.division_by_code(divs[0].parent_code)
        return parent.name if parent else None
    return None


def home_code(ctx: Context) -> str | None:
    if ctx.province:
        divs = lexicon.divisions_by_name(ctx.province)
        if divs:
            return divs[0].code[:2]
    return None
