"""Typed records passed between the stages.

Every offset is a Unicode code point index into `Page.text`, the normalised text of the source
page: `page.text[span.start:span.end] == span.text` always holds.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# ---------------------------------------------------------------- read

@dataclass(frozen=True)
class Repair:
    """One change the reader made to the printed text.

    kind: "decode", "line-endings", "whitespace", "column-break", "chunk-marker", "duplicate",
    "flattened-paragraphs". offset: where in `Page.text` the change took effect.
    detail: what was done, readable (the joined pair "劳模工|匠", the dropped passage …).
    """
    kind: str
    offset: int
    detail: str


@dataclass(frozen=True)
class Page:
    """A source page after reading: normalised text plus the record of every repair.

    `text` holds one block (heading, paragraph or masthead line) per line, lines joined by a
    single "\\n", no blank lines, no leading or trailing whitespace on a line.
    """
    source: str          # file name (no directory)
    sha256: str          # of the raw bytes as read
    encoding: str        # detected encoding, e.g. "utf-8", "gb18030", "utf-16"
    text: str
    repairs: tuple[Repair, ...] = ()

    def lines(self) -> list[Span]:
        """The blocks of the page with their offsets."""
        spans, start = [], 0
        for line in self.text.split("\n"):
            spans.append(Span(start, start + len(line), line))
            start += len(line) + 1
        return spans


# ---------------------------------------------------------------- segment

@dataclass(frozen=True)
class Span:
    """A piece of the page text."""
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Credit:
    """One byline role: who reported, photographed or signed an item.

    role: "reporter" (记者, 见习记者), "correspondent" (通讯员), "photographer" (… 摄),
    "author" (■林小雨, 作者系…), "speaker" (the person giving a speech).
    qualifier: the word printed before the name ("记者", "见习记者", "通讯员") or None.
    """
    role: str
    name: str
    start: int
    end: int
    qualifier: str | None = None


@dataclass
class Issue:
    """The masthead of a page: one issue of a newspaper."""
    newspaper: str
    date: str | None = None               # ISO 8601
    weekday: str | None = None            # 星期二
    lunar_date: str | None = None         # as printed
    issue_number: str | None = None       # 第347期 → "347"
    total_number: str | None = None       # 总第11021号 → "11021"
    publisher: str | None = None          # 出版
    editor: str | None = None             # 责任编辑
    address: str | None = None            # 社址
    postcode: str | None = None           # 邮编
    phones: dict[str, str] = field(default_factory=dict)     # 新闻热线 → "(0571)87160990"
    websites: dict[str, str] = field(default_factory=dict)   # 电子版, 投稿网址
    email: str | None = None
    cn_number: str | None = None          # 国内统一刊号
    postal_code: str | None = None        # 邮发代号
    print_permit: str | None = None       # 准印证号
    other: dict[str, str] = field(default_factory=dict)
    start: int = 0
    end: int = 0


ARTICLE_KINDS = ("news", "speech", "commentary", "discussion", "brief", "notice")
ITEM_KINDS = ARTICLE_KINDS + ("photo", "teaser")


@dataclass
class Item:
    """One item of a page in page order: an article, a photo item or a teaser."""
    kind: str                              # one of ITEM_KINDS
    headline: Span | None = None
    kicker: Span | None = None             # 引题, the line above the headline
    subheadline: Span | None = None        # 副题, the line below
    section: Span | None = None            # umbrella or column heading (工会“小灵通”)
    dateline: Span | None = None           # 本报讯
    credits: list[Credit] = field(default_factory=list)
    paragraphs: list[Span] = field(default_factory=list)
    jump: Span | None = None               # 详见第2版
    start: int = 0
    end: int = 0
    # a full date the item prints for itself (a speech's `(2016年12月8日,根据录音整理)`, a dated
    # dateline): ISO 8601, with the printed words it was read from
    date: str | None = None
    date_evidence: Span | None = None

    @property
    def is_article(self) -> bool:
        return self.kind in ARTICLE_KINDS

    def names(self, role: str) -> list[str]:
        return [c.name for c in self.credits if c.role == role]


@dataclass
class Document:
    """A segmented page."""
    page: Page
    issue: Issue | None
    items: list[Item]


# ---------------------------------------------------------------- extract

@dataclass(frozen=True)
class Mention:
    """An entity named at a place of the page. `item` is the index into Document.items or None.

    source: the evidence that found it, one of EVIDENCE (not part of its identity: the same
    place found twice is one mention)."""
    start: int
    end: int
    text: str
    item: int | None
    source: str = field(default="", compare=False)


# What found a mention: a rule with context, the statistical recogniser, or a list
EVIDENCE = {
    "byline": "a byline or credit (本报讯(记者 …), … 摄)",
    "masthead": "the masthead (责任编辑 …)",
    "post-chain": "a post title printed before the name (市总工会主席 …)",
    "post-after-name": "a post printed after the name (… 是某公司工会主席, 某某同志)",
    "name-list": "a list of names after a first one or an introducing phrase (分别是 …)",
    "boundary-word": "a word that follows names at a clause start (… 表示, … 指出)",
    "author-note": "an author's note (作者系 …)",
    "second-mention": "a further occurrence of a name established on the page",
    "model": "the statistical recogniser (LAC), vetted by a surname or transliteration check",
    "gazetteer": "the administrative division gazetteer",
    "place-suffix": "a town, village, zone or road by its suffix after a division",
    "org-suffix": "an organisation suffix after a division or national prefix (… 总工会)",
    "abbreviation": "a nation-level name or abbreviation from the lexicon (全总, 国务院)",
    "quotation": "a quoted campaign name or slogan",
    "formula": "a numbered formula or national formula (三助三保)",
    "event-name": "a named meeting or event",
    "correction": "an archivist's correction (corrections/*.toml; gh:correctedBy names it)",
}


@dataclass
class OrgRef:
    """An organisation as the page names it, with the full name resolved from context."""
    name: str                  # canonical full name, e.g. 杭州市总工会
    kind: str                  # union | party | government | legislature | company | association | media | school | other
    forms: set[str] = field(default_factory=set)     # every way the page writes it
    parent: str | None = None  # canonical name of the body it belongs to (党组 of …, 分会 of …)
    place: str | None = None   # the place it is named after, if any
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class Post:
    """A title a person holds, as printed next to the name, tied to its organisation."""
    title: str                 # completed from its chain, e.g. 市总工会党组书记 (市总工会党组书记、副主席 → 市总工会副主席)
    role: str                  # the bare role, e.g. 党组书记
    org: str | None            # canonical name of the organisation, or None
    mention: Mention | None = None
    # the title exactly as the page prints it, where it does (副主任 after 、 in a chain, whose
    # organisation is printed once before the first title); `title` may be completed from the chain
    printed: Span | None = None

    @property
    def resolved_title(self) -> str:
        """The title with the organisation's full name: 市人大常委会副主任 → 杭州市人大常委会副主任
        (a title naming its body itself, 全国人大代表, stays as it is)."""
        if self.org is None or self.role == self.title and self.org[:2] == self.role[:2]:
            return self.title
        return self.org + self.role


@dataclass
class PersonRef:
    name: str
    posts: list[Post] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class PlaceRef:
    name: str
    level: str | None = None   # province | city | district | county | town | village | site
    code: str | None = None    # administrative division code
    parent: str | None = None  # name of the containing place
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class SloganRef:
    label: str                 # without quote marks
    variants: set[str] = field(default_factory=set)
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class EventRef:
    name: str
    date: str | None = None    # ISO 8601, resolved against the issue date
    place: str | None = None
    organiser: str | None = None
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class PageEntities:
    """Everything the extractor found on one page."""
    document: Document
    people: list[PersonRef] = field(default_factory=list)
    organisations: list[OrgRef] = field(default_factory=list)
    places: list[PlaceRef] = field(default_factory=list)
    slogans: list[SloganRef] = field(default_factory=list)
    events: list[EventRef] = field(default_factory=list)
    # what a correction made (curate/apply.py): ("mention", start, end, kind) or
    # ("post", person, organisation, role) → the correction's id
    corrections: dict[tuple, str] = field(default_factory=dict)
