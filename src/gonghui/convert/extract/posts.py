"""Posts printed before a name: chains of titles with their organisations
(`市总工会党组书记、常务副主席`), national titles and the titles written after a name (同志, 总书记)."""
from __future__ import annotations

import re

from ...model import Post, Span
from .context import CJK, Context
from .org_names import suffix_kind
from .orgs import OrgHit, find_orgs
from .words import title_ending_at, title_words

SEPARATORS = "、,,"
# titles printed after a name, with the body they belong to where that is general knowledge
TITLE_AFTER_NAME = {"总书记": "中共中央", "同志": None}
AFTER_NAME = re.compile(rf"([{CJK}]{{2,4}}?)({'|'.join(TITLE_AFTER_NAME)})")
NATIONAL_TITLES = {"全国人大代表": "全国人民代表大会", "全国政协委员": "中国人民政治协商会议全国委员会"}


def title_at_start(text: str) -> str | None:
    for t in sorted(NATIONAL_TITLES, key=len, reverse=True):
        if text.startswith(t):
            return t
    n = title_words().match(text)
    return text[:n] if n else None


def org_of_title_text(text: str, ctx: Context) -> str | None:
    if text in NATIONAL_TITLES:
        return NATIONAL_TITLES[text]
    # a title's few characters: the rules read them; the recogniser is for whole pages (and a
    # snippet would push the page out of its cache)
    hits = find_orgs(text, ctx, with_model=False)
    return hits[-1].name if hits else None


# a unit's own bodies, printed as the head of a title after the unit (公司工会主席, 学校党委书记)
UNIT_BODIES = ("工会", "党委", "团委", "党支部", "党总支")


def post_chain(text: str, title_start: int, title: str, ctx: Context, org_at_end: dict) -> list[Post]:
    """All posts printed before a name: `市人大常委会党组副书记、副主任,市总工会主席郑国平`."""
    posts: list[Post] = []
    segs = []
    # walk left segment by segment: [org]title, separated by 、 or ,
    t_start = title_start
    t = title
    while True:
        org = org_at_end.get(t_start)      # a department before the title is a unit (orgs._departments)
        segs.append((org, t, t_start))
        start = org.start if org else t_start
        if start == 0 or text[start - 1] not in SEPARATORS:
            break
        # previous segment must end with a title
        prev_end = start - 1
        m = title_ending_at(text, prev_end, org_at_end)
        if not m:
            break
        t_start, t = m
    segs.reverse()
    base_org: OrgHit | None = None
    for org, t, at in segs:
        first = org.start if org is not None else at
        printed = Span(first, at + len(t), text[first:at + len(t)])
        if org is None and base_org is not None:
            org_name = base_org.name
            if base_org.parent and t not in ("书记", "副书记", "成员", "党组成员"):
                org_name = base_org.parent
            form = base_org.form
            if org_name != base_org.name:
                form = base_org.form[: len(base_org.form) - (len(base_org.name) - len(org_name))]
            body = _unit_body(t, org_name, base_org.kind if org_name == base_org.name else suffix_kind(org_name))
            if body:       # 某集团党委副书记、工会主席: the second post is in the enterprise's union
                posts.append(Post(t, t[len(body):], org_name + body, printed=printed))
                continue
            posts.append(Post(form + t, t, org_name, printed=printed))
        elif org is not None:
            base_org = org
            body = _unit_body(t, org.name, org.kind)
            if body:
                # 某有限公司|工会主席: the post is in the company's union, not the company
                posts.append(Post(org.form + t, t[len(body):], org.name + body, printed=printed))
                continue
            posts.append(Post(org.form + t, t, org.name, printed=printed))
        else:
            posts.append(Post(t, t, None, printed=printed))
    return posts


def _unit_body(title: str, org: str, kind: str | None) -> str | None:
    """The unit's own body a title begins with (工会 of 工会主席 after a company), or None."""
    body = next((b for b in UNIT_BODIES if title.startswith(b) and len(title) > len(b)), None)
    if body and kind in ("company", "school", "media", "other") and not org.endswith(body):
        return body
    return None
