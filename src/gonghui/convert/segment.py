"""Segment a normalised page into its masthead (`Issue`) and items in page order.

A page is a sequence of blocks (lines of `Page.text`). The masthead is the run of field-like
lines at the top (date, 第…期, 出版:, 社址: …). After it, every item is a *heading run* (short
lines without sentence punctuation) followed by what the run introduces: a dateline paragraph
(本报讯 …), a signed body (■ author), a jump line (详见第2版 → teaser), a caption with a photo
credit (… 摄 → photo) or plain body paragraphs. Headings that introduce other headings are
section (column or umbrella) headings and carry over to the items under them.
"""
from __future__ import annotations

import datetime as dt
import re

from ..model import Credit, Document, Issue, Item, Page, Span

# ---------------------------------------------------------------- patterns

CJK = r"\u3400-\u9fff"
# a Chinese name, or one in parts joined by a dot (阿依努尔·卡德尔)
NAME = rf"(?:[{CJK}]{{1,8}}(?:·[{CJK}]{{1,10}})+|[{CJK}]{{2,4}})"
ROLE_WORDS = {"记者": "reporter", "见习记者": "reporter", "特约记者": "reporter", "实习记者": "reporter",
              "摄影记者": "photographer", "通讯员": "correspondent", "实习生": "correspondent",
              "特约通讯员": "correspondent", "本报记者": "reporter", "本报通讯员": "correspondent",
              "本报特约记者": "reporter", "本报见习记者": "reporter"}
ROLE_RE = "|".join(sorted(map(re.escape, ROLE_WORDS), key=len, reverse=True))

DATELINE = re.compile(r"^(本报讯|本报[^\s,,。]{0,12}讯|新华社[^\s,,。]{0,12}电|[^\s,,。]{2,6}讯)")
JUMP = re.compile(r"^[((]?\s*(详见|见|转|下转|上接|接)第?\s*[0-9一二三四五六七八九十]+\s*版\s*[))]?$")
TEASER_MARK = re.compile(r"^(导读|要闻导读|本期导读|今日导读)$")
TEASER_SECTIONS = ("导读", "要闻导读", "本期导读", "今日导读")
AUTHOR_MARK = re.compile(rf"^[■□●◆▲]\s*({NAME}(?:\s+{NAME})*)$")
AUTHOR_NOTE = re.compile(r"^[((]作者(系|为|是|单位)")
CREDIT_LINE = re.compile(rf"^(?:(?:{ROLE_RE})\s*{NAME}(?:[、\s]+{NAME})*\s*)+(?:摄|摄影)?$")
PUBLISHER_AFTER = re.compile(rf"^([{CJK}A-Za-z0-9()()]{{4,40}}?)\s*(?:主办|出版)$")
# a photographer's credit without a role word: 迪丽娜尔 摄, (贾和平 摄)
BARE_PHOTO_CREDIT = re.compile(rf"^[((]?{NAME}(?:[、\s]+{NAME})*\s+(?:摄|摄影)[))]?$")
ENUM_START = re.compile(r"^([一二三四五六七八九十]+、|[((][一二三四五六七八九十\d]+[))]|第[一二三四五六七八九十]+[,,、]|\d+[、.．])")
SPEECH_PART = re.compile(r"^(在.{2,40}(会|上)的?(讲话|致辞|报告|发言)(摘要|摘登|\(摘要\))?|.{0,20}讲话(摘要)?)$")
GROUP_LABEL = re.compile(r"——$")
SUB_DASH = re.compile(r"^[—－-]{1,2}")
# a 副题 that says on what occasion (在全市工会工作会议上, 在…上的讲话)
SUB_OCCASION = re.compile(r"^在.{2,30}上(的讲话|的发言|的报告|的致辞)?$")

# masthead
MH_LABELS = ("国内统一刊号", "邮发代号", "准印证号", "责任编辑", "新闻热线", "沟通热线", "广告热线", "发行热线",
             "投稿网址", "电子信箱", "电子邮箱", "电子版", "出版", "主办", "主管", "社址", "地址", "邮编",
             "网址", "邮箱", "E-mail", "Email", "热线", "电话", "传真", "编辑", "校对", "美编")
MH_LABEL_RE = re.compile(r"(" + "|".join(map(re.escape, MH_LABELS)) + r")\s*[::]\s*")
DATE_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
WEEKDAY_RE = re.compile(r"星期[一二三四五六日天]|周[一二三四五六日]")
GANZHI = "[甲乙丙丁戊己庚辛壬癸][子丑寅卯辰巳午未申酉戌亥]"
LUNAR_DAY = "(初[一二三四五六七八九十]|十[一二三四五六七八九]?|二十|廿[一二三四五六七八九]|三十)"
LUNAR_RE = re.compile(rf"(农历)?\s*({GANZHI}年)?\s*闰?[正一二三四五六七八九十冬腊]{{1,2}}月{LUNAR_DAY}")
ISSUE_NO_RE = re.compile(r"(?<!总)第\s*(\d+)\s*期")
TOTAL_NO_RE = re.compile(r"总第\s*(\d+)\s*[号期]")
TITLE_RE = re.compile(rf"^[{CJK}]{{2,10}}(日报|晚报|工人报|工运|周报|商报|时报|报)$")
# the page's staff printed at its foot: 责任编辑:某某 美术编辑:某某 校对:某某
STAFF = "责任编辑|美术编辑|美编|校对|版式设计|版式|组版|编辑"
COLOPHON = re.compile(rf"^(?:本版)?(?:{STAFF})\s*[::]?\s*{NAME}(?:\s+(?:{STAFF})\s*[::]?\s*{NAME})*$")
COLOPHON_PAIR = re.compile(rf"({STAFF})\s*[::]?\s*({NAME})")
PHONE_ONLY = re.compile(r"^[\d()()\s\-—－]{7,20}$")
HOTLINE_LABEL = re.compile(r"^[^\s]{0,6}(热线|电话)$")


# ---------------------------------------------------------------- masthead

def _is_masthead_field(line: str) -> bool:
    if len(line) > 80:
        return False
    if MH_LABEL_RE.search(line) or TOTAL_NO_RE.search(line) or ISSUE_NO_RE.search(line):
        return True
    rest = DATE_RE.sub("", line)
    rest = WEEKDAY_RE.sub("", rest)
    rest = LUNAR_RE.sub("", rest)
    # a line that is only a date, weekday and lunar date
    return rest.strip() == "" and line.strip() != ""


def find_masthead(lines: list[Span]) -> int:
    """Number of leading lines that form the masthead (0: the page has none)."""
    last, signals = -1, 0
    for i, line in enumerate(lines[:30]):
        if _is_masthead_field(line.text):
            last, signals = i, signals + 1
        elif len(line.text) > 40:      # first body paragraph: the masthead is over
            break
    return last + 1 if signals >= 2 else 0


def _field_values(text: str) -> list[tuple[str, str]]:
    """`label:value` pairs of a masthead line; a value runs to the next label or a space."""
    pairs = []
    matches = list(MH_LABEL_RE.finditer(text))
    for k, m in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        value = text[m.end():end].strip()
        # a value is one token: cut at a space unless the next piece is part of an address
        value = value.split(" ")[0] if m.group(1) not in ("出版", "主办", "社址", "地址") else value
        value = TOTAL_NO_RE.sub("", value).strip()
        pairs.append((m.group(1), value))
    return pairs


def parse_issue(lines: list[Span], trailing: list[Span]) -> Issue | None:
    """Read the masthead lines (and trailing hotline lines at the page end) into an Issue."""
    if not lines:
        return None
    issue = Issue(newspaper="", start=lines[0].start, end=lines[-1].end)
    whole = " ".join(l.text for l in lines)
    if m := DATE_RE.search(whole):
        issue.date = _iso(*m.groups())     # 2020年2月30日 is a misprint, not a date
    if m := WEEKDAY_RE.search(whole):
        issue.weekday = m.group(0)
    if m := LUNAR_RE.search(DATE_RE.sub(" ", whole)):
        issue.lunar_date = m.group(0).strip()
    if m := ISSUE_NO_RE.search(whole):
        issue.issue_number = m.group(1)
    if m := TOTAL_NO_RE.search(whole):
        issue.total_number = m.group(1)
    decorations = []
    for line in lines:
        text = line.text
        if MH_LABEL_RE.search(text):
            for label, value in _field_values(text):
                _set_field(issue, label, value)
        elif (m := PUBLISHER_AFTER.match(text)) and issue.publisher is None:
            issue.publisher = m.group(1)          # 某某公司工会 主办: the label after its value
        elif not _is_masthead_field(text):
            if not issue.newspaper and TITLE_RE.match(text):
                issue.newspaper = text
            else:
                decorations.append(text)
    if not issue.newspaper:
        # no line looks like a title: take the first short decoration line
        short = [d for d in decorations if len(d) <= 10 and " " not in d]
        if short:
            issue.newspaper = short[0]
            decorations.remove(short[0])
    if decorations:
        issue.other["masthead"] = " ".join(decorations)
    # the staff at the page foot: the 责任编辑 is the issue's editor where the masthead names none
    for t in trailing:
        if COLOPHON.match(t.text):
            for m in COLOPHON_PAIR.finditer(t.text):
                if m.group(1) == "责任编辑" and issue.editor is None:
                    issue.editor = m.group(2)
                elif m.group(1) != "责任编辑":
                    issue.other.setdefault(m.group(1), m.group(2))
    # trailing "88851111" / "沟通热线" pairs at the page end
    texts = [t.text for t in trailing]
    for k, text in enumerate(texts):
        if PHONE_ONLY.match(text):
            label = next((t for t in texts[k + 1:k + 2] + texts[max(0, k - 1):k] if HOTLINE_LABEL.match(t)), "热线")
            issue.phones[label] = text
    return issue


def _set_field(issue: Issue, label: str, value: str) -> None:
    if not value:
        return
    simple = {"出版": "publisher", "主办": "publisher", "责任编辑": "editor", "社址": "address", "地址": "address",
              "邮编": "postcode", "国内统一刊号": "cn_number", "邮发代号": "postal_code", "准印证号": "print_permit"}
    if label in simple and getattr(issue, simple[label]) is None:
        setattr(issue, simple[label], value)
    elif label.endswith(("热线", "电话")):
        issue.phones[label] = value
    elif label in ("电子版", "投稿网址", "网址"):
        issue.websites[label] = value
    elif label in ("电子信箱", "电子邮箱", "邮箱", "E-mail", "Email"):
        issue.email = value
    else:
        issue.other[label] = value


# ---------------------------------------------------------------- line classes

def is_heading(text: str) -> bool:
    """Short, no sentence punctuation, not a body or credit line."""
    if len(text) > 50 or not text:
        return False
    if re.search(r"[。;;!?!?]", text[:-1]) or text.endswith(("。", ",", ",", "、", ";", ";", ":", ":")):
        return False
    if re.search(r"[,,]", text) and not GROUP_LABEL.search(text):
        return False
    if ENUM_START.match(text) or _opens_report(text) or JUMP.match(text) or CREDIT_LINE.match(text):
        return False
    if AUTHOR_MARK.match(text) or AUTHOR_NOTE.match(text) or text.startswith(("(", "(")):
        return False
    return True


def _opens_report(text: str) -> bool:
    """A dateline that opens a report: 本报讯 or 新华社…电 (alone on its line or not), or a place
    dateline (南湾讯) with the report going on after it. A short line that merely ends in 讯
    (工会简讯, 传来喜讯) is a heading."""
    m = DATELINE.match(text)
    return bool(m) and (text.startswith(("本报", "新华社")) or m.end() < len(text))


def is_speech_header(text: str) -> bool:
    """`标题 在…会议上的讲话 职务 姓名 (日期) 正文…`: a speech part among the first few pieces."""
    return any(SPEECH_PART.match(p) for p in text.split(" ")[:4])


# ---------------------------------------------------------------- bylines

def parse_dateline(line: Span) -> tuple[Span, list[Credit], int]:
    """Split `本报讯(记者 汪燕盼)6月29日…` or `本报讯 记者胡朔报道 昨天…` into the dateline,
    the credits and the offset where the body text starts."""
    text = line.text
    m = DATELINE.match(text)
    dateline = Span(line.start, line.start + m.end(), m.group(0))
    pos = m.end()
    rest = text[pos:]
    credits: list[Credit] = []
    paren = re.match(r"\s*[((]([^))]{2,60})[))]\s*", rest)
    reported = re.match(rf"\s*((?:(?:{ROLE_RE})\s*{NAME}(?:[、\s]+{NAME})*\s*)+)报道\s*", rest)
    if paren and re.search(ROLE_RE, paren.group(1)):
        credits = parse_credits(paren.group(1), line.start + pos + paren.start(1))
        body = pos + paren.end()
    elif reported:
        credits = parse_credits(reported.group(1), line.start + pos + reported.start(1))
        body = pos + reported.end()
    else:
        body = pos + len(rest) - len(rest.lstrip(" "))
    return dateline, credits, line.start + body


def parse_credits(text: str, offset: int, default_role: str | None = None) -> list[Credit]:
    """`记者王海霞 见习记者张泽媛` → two reporter credits with offsets."""
    credits = []
    role, qualifier = default_role, None
    for m in re.finditer(rf"({ROLE_RE})|({NAME})", text):
        if m.group(1):
            qualifier = m.group(1)
            role = ROLE_WORDS[qualifier]
        elif role and m.group(2) not in ("报道", "摄影") and not m.group(2).endswith(("报道", "摄")):
            name = m.group(2)
            credits.append(Credit(role, name, offset + m.start(2), offset + m.end(2), qualifier))
    return credits


# ---------------------------------------------------------------- items

def _split_heading_run(run: list[Span], paren_style: bool) -> tuple[list[Span], Span | None, Span | None, Span | None]:
    """(section lines, kicker, headline, subheadline) of a heading run.

    Where the layout is not in the text, house style decides: a two-line head is 引题 + 主题 on
    pages whose bylines read `本报讯 记者X报道`, 主题 + 副题 on pages with `本报讯(记者 X)`."""
    run = list(run)
    section: list[Span] = []
    # a group label ending in —— (杭州、湖州学习组——) is a kicker; what stands above it is a section
    for k in range(len(run) - 1, -1, -1):
        if GROUP_LABEL.search(run[k].text) and k < len(run) - 1:
            section, kicker, rest = run[:k], run[k], run[k + 1:]
            head = rest[0]
            sub = rest[1] if len(rest) > 1 else None
            return section, kicker, head, sub
    if len(run) >= 4:
        section, run = run[:-2], run[-2:]
    elif len(run) == 3 and _is_column_heading(run[0]):
        section, run = run[:1], run[1:]
    elif len(run) == 2 and _is_column_heading(run[0]):
        return run[:1], None, run[1], None
    if len(run) == 1:
        return section, None, run[0], None
    if len(run) == 3:
        return section, run[0], run[1], run[2]
    first, second = run
    if SUB_DASH.match(second.text) or SUB_OCCASION.match(second.text):
        return section, None, first, second
    if paren_style and not section:
        return section, None, first, second
    return section, first, second, None


def _is_column_heading(line: Span) -> bool:
    """A short column name (工会“小灵通”, 致敬了不起的你) rather than a headline."""
    return len(line.text) <= 8 and " " not in line.text and "\u3000" not in line.text


def segment(page: Page) -> Document:
    """Find the masthead and the items of a page."""
    lines = [l for l in page.lines() if l.text]
    n_mast = find_masthead(lines)
    body = lines[n_mast:]
    # hotline lines at the page end belong to the masthead, not to the last article
    trailing: list[Span] = []
    while body and (PHONE_ONLY.match(body[-1].text) or
                    (n_mast and (HOTLINE_LABEL.match(body[-1].text) or COLOPHON.match(body[-1].text)))):
        trailing.insert(0, body.pop())
    issue = parse_issue(lines[:n_mast], trailing) if n_mast else None
    paren_style = bool(re.search(r"本[报刊网]讯\s*[((]", page.text))       # 本报讯(记者 …), 本刊讯(…)

    items: list[Item] = []
    section: Span | None = None
    current: Item | None = None
    i = 0
    while i < len(body):
        line = body[i]
        text = line.text
        if TEASER_MARK.match(text):
            section, current = line, None
            i += 1
            continue
        if is_heading(text) and not (current and current.kind == "photo" and not current.paragraphs):
            j = i
            while j < len(body) and is_heading(body[j].text):
                j += 1
            run = body[i:j]
            nxt = body[j] if j < len(body) else None
            if nxt is None:           # headings at the very end: a heading without body
                current = _new_item("news", run, section, paren_style)
                items.append(current)
                i = j
                continue
            sec_lines, kicker, head, sub = _split_heading_run(run, paren_style)
            own = bool(sec_lines)
            if own:
                section = Span(sec_lines[0].start, sec_lines[-1].end, page.text[sec_lines[0].start:sec_lines[-1].end])
            elif len(run) >= 2 and not (kicker and GROUP_LABEL.search(kicker.text)):
                section = None   # a full new head ends the column; group reports stay under their umbrella
            kind = "teaser" if JUMP.match(nxt.text) else "news"
            current = Item(kind, headline=head, kicker=kicker, subheadline=sub, section=section,
                           start=(kicker or head).start, end=(sub or head).end)
            # a column heading carries over to the following reports (本报讯 …), not to photos or signed pieces
            if section is not None and not own and section.text not in TEASER_SECTIONS \
                    and not DATELINE.match(nxt.text) and not (kicker and GROUP_LABEL.search(kicker.text)):
                current.section = None
            items.append(current)
            i = j
            continue
        if current is None or current.kind == "teaser" and current.jump is not None:
            current = Item("news", section=section, start=line.start, end=line.end)
            items.append(current)
        nxt = body[i + 1] if i + 1 < len(body) else None
        _add_line(current, line, items, page, nxt)
        i += 1

    for item in items:
        _finish(item, page)
    items.sort(key=lambda it: it.start)
    return Document(page=page, issue=issue, items=items)


def _new_item(kind, run, section, paren_style) -> Item:
    sec_lines, kicker, head, sub = _split_heading_run(run, paren_style)
    return Item(kind, headline=head, kicker=kicker, subheadline=sub, section=section,
                start=(kicker or head).start, end=(sub or head).end)


def _add_line(item: Item, line: Span, items: list[Item], page: Page, nxt: Span | None) -> None:
    """Attach one non-heading line to the current item."""
    text = line.text
    if JUMP.match(text):
        item.jump = line
        if item.kind != "teaser" and not item.paragraphs:
            item.kind = "teaser"
    elif DATELINE.match(text) and not item.dateline:
        dateline, credits, body_start = parse_dateline(line)
        item.dateline = dateline
        item.credits.extend(credits)
        if body_start < line.end:
            item.paragraphs.append(Span(body_start, line.end, page.text[body_start:line.end]))
    elif m := AUTHOR_MARK.match(text):
        item.credits.extend(parse_credits(m.group(1), line.start + m.start(1), "author"))
        if item.kind == "news":
            item.kind = "commentary"
    elif len(text) <= 40 and CREDIT_LINE.match(text):
        credits = parse_credits(text, line.start)
        photo = text.rstrip().endswith(("摄", "摄影"))
        if photo or (item.paragraphs and not item.dateline):
            credits = [Credit("photographer", c.name, c.start, c.end, c.qualifier) for c in credits]
            if not item.dateline:
                item.kind = "photo"
        item.credits.extend(credits)
    elif (cut := photo_credit_tail(text)) is not None:
        # a caption with its credit: a photo item of its own, even inside an article
        credits = [Credit("photographer", c.name, c.start, c.end, c.qualifier)
                   for c in parse_credits(text[cut:], line.start + cut, "photographer")]
        caption_text = text[:cut].rstrip()
        caption = Span(line.start, line.start + len(caption_text), caption_text)
        embedded = item.paragraphs or item.dateline or item.kind == "teaser" or (nxt and DATELINE.match(nxt.text))
        if embedded:
            # a caption printed inside or beside an article is a photo item of its own
            items.append(Item("photo", paragraphs=[caption], credits=credits, start=line.start, end=line.end))
            return
        item.paragraphs.append(caption)
        item.credits.extend(credits)
        item.kind = "photo"
    elif is_speech_header(text) and not item.paragraphs and item.headline is None:
        _speech_header(item, line, page)
    else:
        item.paragraphs.append(line)
    item.end = max(item.end, line.end)


def photo_credit_tail(text: str) -> int | None:
    """Where the credit of a caption line starts (`…发言。记者周金友 摄` → at 记者), or None.

    Only the short tail after the last full stop or space is matched, so a long paragraph costs
    one endswith() (a regex over the whole line backtracks badly on long runs of Chinese)."""
    body = text.rstrip()
    if len(body) >= 300 or not body.endswith(("摄", "摄影", "摄)", "摄)", "摄影)", "摄影)")):
        return None
    bracket = body.rfind("(") if body.endswith(")") else body.rfind("(") if body.endswith(")") else -1
    cut = max(body.rfind("。"), body.rfind(" ", 0, max(0, len(body) - 12)), bracket - 1)
    for start in sorted({cut + 1, body.rfind("。") + 1}):
        tail = body[start:].strip()
        if 0 < start and len(tail) <= 40 and (CREDIT_LINE.match(tail) or BARE_PHOTO_CREDIT.match(tail)):
            return start + (len(body[start:]) - len(body[start:].lstrip()))
    return None


def _speech_header(item: Item, line: Span, page: Page) -> None:
    """`扎实推进工作 开创崭新局面 在…会上的讲话摘要 市总工会主席 郑国平 (2016年12月8日,根据录音整理) 刚才…`"""
    text = line.text
    parts = [(m.start(), m.group(0)) for m in re.finditer(r"\S+", text)]
    k = next(idx for idx, (_, p) in enumerate(parts) if SPEECH_PART.match(p))
    item.kind = "speech"
    if k > 0:
        s, e = parts[0][0], parts[k - 1][0] + len(parts[k - 1][1])
        item.headline = Span(line.start + s, line.start + e, text[s:e])
    s = parts[k][0]
    item.subheadline = Span(line.start + s, line.start + s + len(parts[k][1]), parts[k][1])
    if item.headline is None:
        item.headline, item.subheadline = item.subheadline, None
    item.start = line.start
    pos = s + len(parts[k][1])
    # speaker: posts then a 2–4 character name as the last token before a date note or body
    rest = parts[k + 1:]
    for idx, (off, p) in enumerate(rest):
        if re.fullmatch(NAME, p) and idx <= 2:
            item.credits.append(Credit("speaker", p, line.start + off, line.start + off + len(p)))
            pos = off + len(p)
            nxt = rest[idx + 1] if idx + 1 < len(rest) else None
            if nxt and nxt[1].startswith(("(", "(")):
                close = text.find(")", nxt[0]) if ")" in text[nxt[0]:] else text.find(")", nxt[0])
                if close > 0:
                    item.dateline = Span(line.start + nxt[0], line.start + close + 1, text[nxt[0]:close + 1])
                    pos = close + 1
            break
    body = text[pos:].lstrip()
    if body:
        b = len(text) - len(body)
        item.paragraphs.append(Span(line.start + b, line.end, body))


def _finish(item: Item, page: Page) -> None:
    """Settle the kind of an item once all its lines are known, and the date it prints."""
    if item.dateline and (m := DATE_RE.search(item.dateline.text)) and (iso := _iso(*m.groups())):
        item.date, item.date_evidence = iso, item.dateline
    if item.kind in ("news", "commentary") and item.paragraphs and not item.dateline and any(
            c.role == "author" for c in item.credits):
        item.kind = "discussion" if any(ENUM_START.match(p.text) for p in item.paragraphs) else "commentary"
    if item.kind == "news" and not item.paragraphs and item.jump:
        item.kind = "teaser"
    if item.paragraphs:
        item.end = max(item.end, item.paragraphs[-1].end)
    if item.headline is None and item.kind not in ("photo",) and item.paragraphs and not item.dateline:
        # a body with no heading continues the page (e.g. text after a photo): keep it as a brief
        item.kind = "brief" if item.kind == "news" else item.kind


def _iso(year: str, month: str, day: str) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None
