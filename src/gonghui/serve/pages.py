"""HTML of the linked-data server: resource pages, index pages, the ontology and downloads.

All data is untrusted text from newspaper pages, so every value goes through `esc` (html.escape)
before it reaches the page. Terms arrive as the small dicts of `describe.term`:
{"t": "iri"|"bnode"|"lit", "v": value, "lang"?: tag, "dt"?: datatype}.
"""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from html import escape

from .prefixes import PREFIXES

ID_PREFIX = "https://w3id.org/gonghui/id/"
LONG_TEXT = 300     # characters of a literal shown before "show all"


def esc(text) -> str:
    return escape(str(text), quote=True)


def text(value) -> str:
    """Data text (a label, a literal, a snippet, a name) for the page: escaped and bidi-isolated,
    so that a U+202E printed in a source page cannot reverse what follows it on the line."""
    return f"<bdi>{esc(value)}</bdi>"


# Bidi embeddings, overrides, isolates and marks: a <title> cannot hold <bdi>, so they are dropped.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                        "\u2066\u2067\u2068\u2069"))


@dataclass
class Linker:
    """Turns IRIs into links on this server and into short prefixed names.

    `local` maps IRI prefixes to paths here: the data base → /id/, and the vocabulary
    (https://w3id.org/gonghui/ontology#…, …/shapes#…) → /ontology#…, /shapes#… when served.
    """
    base: str
    local: dict[str, str] = field(default_factory=dict)

    def href(self, iri: str) -> str | None:
        for prefix, path in sorted({self.base: "/id/", **self.local}.items(), key=lambda kv: -len(kv[0])):
            if iri.startswith(prefix):
                return path + urllib.parse.quote(iri[len(prefix):], safe="/#-_.~:@!$&'()*+,;=%")
        if iri.startswith(("http://", "https://")):
            return iri
        return None

    def curie(self, iri: str) -> str:
        if iri.startswith(self.base):
            return "id:" + iri[len(self.base):]
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if iri.startswith(ns) and iri != ns:
                return f"{prefix}:{iri[len(ns):]}"
        return iri


# ------------------------------------------------------------------ building blocks

def layout(title: str, body: str, *, head: str = "", wide: bool = False) -> str:
    return f"""<!doctype html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title.translate(_BIDI_CONTROLS))} · gonghui</title>
<link rel="stylesheet" href="/static/gonghui.css">
{head}
</head>
<body>
<header class="site">
  <a class="brand" href="/">gonghui 工会报 LOD</a>
  <nav><a href="/">SPARQL</a> <a href="/browse/people">Browse</a> <a href="/id/">Resources</a> <a href="/download/">Downloads</a> <a href="/.well-known/void">VoID</a>
  <a href="/ontology">Ontology</a> <a href="/shapes">Shapes</a></nav>
  <form class="search" action="/search" method="get" role="search"><input type="search" name="q"
   placeholder="搜索 Search: 姓名, pinyin, 组织…" aria-label="Search"></form>
</header>
<main{' class="wide"' if wide else ''}>
{body}
</main>
</body>
</html>
"""


def link(iri: str, linker: Linker, labels: dict[str, str], *, show_curie: bool = True) -> str:
    label = labels.get(iri)
    href = linker.href(iri)
    inner = text(label) if label else f"<code>{text(linker.curie(iri))}</code>"
    if label and show_curie:
        inner += f' <small class="curie">{text(linker.curie(iri))}</small>'
    return f'<a href="{esc(href)}">{inner}</a>' if href else inner


def render_term(t: dict, linker: Linker, labels: dict[str, str]) -> str:
    if t["t"] == "iri":
        return link(t["v"], linker, labels)
    if t["t"] == "bnode":
        return f'<span class="bnode">_:{text(t["v"])}</span>'
    value = t["v"]
    if len(value) > LONG_TEXT:
        shown = (f'<details><summary>{text(value[:LONG_TEXT])}…</summary>'
                 f'<div class="long" dir="auto">{esc(value)}</div></details>')
    else:
        shown = f'<bdi class="lit">{esc(value)}</bdi>'
    if "lang" in t:
        shown += f' <small class="lang">@{esc(t["lang"])}</small>'
    elif "dt" in t:
        shown += f' <small class="dt">{esc(linker.curie(t["dt"]))}</small>'
    return shown


def property_table(rows: list[list[dict]], linker: Linker, labels: dict[str, str]) -> str:
    """Rows of (predicate, object) → a table with one line per predicate."""
    grouped: dict[str, list[dict]] = {}
    for p, o in rows:
        grouped.setdefault(p["v"], []).append(o)
    lines = []
    for p in sorted(grouped, key=lambda i: (i != PREFIXES["rdf"] + "type", linker.curie(i))):
        values = "".join(f"<li>{render_term(o, linker, labels)}</li>" for o in grouped[p])
        lines.append(f'<tr><th>{link(p, linker, labels, show_curie=False)}</th><td><ul>{values}</ul></td></tr>')
    return f'<table class="props">{"".join(lines)}</table>'


def _fragment(iri: str) -> str:
    return iri.split("#", 1)[1] if "#" in iri else ""


# ------------------------------------------------------------------ pages

def resource_page(data: dict, linker: Linker, extra: list[str] = (), last: str = "") -> str:
    """The page of one resource: names, `extra` views (profiles.py), posts by date, mentions with
    snippets, all its triples, and `last` (the correction form of `serve --curate`)."""
    labels = data.get("labels", {})
    iri = data["iri"]
    title = data.get("label") or linker.curie(iri)
    parts = [f"<h1>{text(title)}</h1>",
             f'<p class="iri"><code>{text(iri)}</code></p>']
    if data["types"]:
        parts.append('<p class="types">' + " · ".join(link(t, linker, labels) for t in data["types"]) + "</p>")
    own = linker.href(iri) or ""
    path = own.split("#")[0]
    parts.append('<p class="formats">' + " · ".join(
        f'<a href="{esc(path + suffix)}">{name}</a>' for suffix, name in
        ((".ttl", "Turtle"), (".nt", "N-Triples"), (".jsonld", "JSON-LD"), (".rdf", "RDF/XML"))) + "</p>")
    parts += extra
    if data.get("posts"):
        parts.append("<h2>Posts 职务 (by date)</h2>" + _posts_table(data["posts"], "org", linker, labels))
    if data.get("members"):
        parts.append("<h2>Posts in this organisation</h2>" + _posts_table(data["members"], "person", linker, labels))
    if data.get("contents"):
        items = "".join(
            f'<li value="{int(r["position"])}">{link(r["article"], linker, {r["article"]: r["headline"]} if r["headline"] else {}, show_curie=False)}</li>'
            for r in data["contents"])
        parts.append(f"<h2>Contents 目录</h2><ol class='contents'>{items}</ol>")
    if data.get("mentions"):
        parts.append("<h2>Mentioned in 提及</h2>" + _mentions_table(data["mentions"], linker))

    # Own triples, grouped by subject: the resource first, then its #fragments and blank nodes.
    by_subject: dict[str, list] = {}
    for s, p, o in data["triples"]:
        by_subject.setdefault(s["v"], []).append([p, o])
    parts.append("<h2>Properties</h2>")
    for subject in sorted(by_subject, key=lambda v: (v != iri, v)):
        if subject != iri:
            anchor = _fragment(subject)
            parts.append(f'<h3 id="{esc(anchor)}"><code>{text(linker.curie(subject) if anchor else "_:" + subject)}</code></h3>')
        parts.append(property_table(by_subject[subject], linker, labels))
    if data.get("incoming"):
        rows = "".join(f"<tr><td>{render_term(s, linker, labels)}</td><td>{link(p['v'], linker, labels, show_curie=False)}</td></tr>"
                       for s, p in data["incoming"])
        parts.append(f'<h2>Referenced by</h2><table class="incoming">{rows}</table>')
    if last:
        parts.append(last)
    return layout(title, "\n".join(parts))


_INFERRED = ' <small title="read from the item\'s dateline, not the masthead">(inferred 推定)</small>'


def _dates(dates: list[str], inferred: list[str] = ()) -> str:
    """First … last date of a post's printings; a date read from the item is marked as inferred."""
    if not dates:
        return "—"

    def one(d: str) -> str:
        return text(d) + (_INFERRED if d in inferred else "")
    if len(dates) == 1:
        return one(dates[0])
    return f"{one(dates[0])} … {one(dates[-1])} <small>({len(dates)}×)</small>"


def _mention_date(r: dict) -> str:
    if r["date"]:
        return text(r["date"])
    if r.get("created"):
        return text(r["created"]) + _INFERRED
    return "—"


def _posts_table(rows: list[dict], other: str, linker: Linker, labels: dict[str, str]) -> str:
    head = "Organisation 组织" if other == "org" else "Person 人物"
    lines = []
    for r in rows:
        title = r["title"] or labels.get(r["role"] or "", "")
        printed = [p for p in r.get("printed", []) if p != title]
        said = f'<br><small>as printed 原文: {text(" · ".join(printed))}</small>' if printed else ""
        lines.append(
            f'<tr><td class="date">{_dates(r["dates"], r.get("inferred", []))}</td><td>{link(r["membership"], linker, {r["membership"]: title}, show_curie=False) if title else ""}{said}</td>'
            f'<td>{link(r["role"], linker, labels, show_curie=False) if r["role"] else ""}</td>'
            f'<td>{link(r[other], linker, labels, show_curie=False) if r[other] else ""}</td></tr>')
    return (f'<table class="posts"><tr><th>Attested 日期</th><th>Post 职务</th><th>Role</th>'
            f'<th>{head}</th></tr>{"".join(lines)}</table>')


def _mentions_table(rows: list[dict], linker: Linker) -> str:
    lines = []
    for r in rows:
        article = ""
        if r["article"]:
            article = link(r["article"], linker, {r["article"]: r["headline"]} if r["headline"] else {}, show_curie=False)
        snippet = ""
        if r["exact"]:
            snippet = f'…{text(r["before"])}<mark>{text(r["exact"])}</mark>{text(r["after"])}…'
        lines.append(f'<tr><td class="date">{_mention_date(r)}</td><td>{article}</td>'
                     f'<td class="snippet">{snippet}</td></tr>')
    return (f'<table class="mentions"><tr><th>Date 日期</th><th>Article 文章</th><th>Text 原文</th></tr>'
            f'{"".join(lines)}</table>')


def document_page(title: str, filename: str, triples: list[list[dict]], linker: Linker, path: str) -> str:
    """A vocabulary file (ontology or shapes) as one section per subject."""
    labels: dict[str, str] = {}
    for s, p, o in triples:
        if p["v"] in (PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel") and o["t"] == "lit":
            if s["v"] not in labels or o.get("lang", "").startswith("en"):
                labels[s["v"]] = o["v"]
    by_subject: dict[str, list] = {}
    for s, p, o in triples:
        by_subject.setdefault((s["t"], s["v"]), []).append([p, o])
    parts = [f"<h1>{esc(title)}</h1>",
             f'<p class="formats">{esc(filename)}: ' + " · ".join(
                 f'<a href="{esc(path + suffix)}">{name}</a>' for suffix, name in
                 ((".ttl", "Turtle"), (".nt", "N-Triples"), (".jsonld", "JSON-LD"), (".rdf", "RDF/XML"))) + "</p>"]
    named = sorted((k for k in by_subject if k[0] == "iri"), key=lambda k: linker.curie(k[1]))
    parts.append('<nav class="toc">' + " ".join(
        f'<a href="#{esc(_fragment(k[1]) or k[1])}">{esc(linker.curie(k[1]))}</a>' for k in named) + "</nav>")
    for key in named + sorted(k for k in by_subject if k[0] != "iri"):
        kind, value = key
        anchor = _fragment(value) or value
        heading = text(labels.get(value, "")) + f' <code>{text(linker.curie(value) if kind == "iri" else "_:" + value)}</code>'
        parts.append(f'<section id="{esc(anchor)}"><h2>{heading}</h2>'
                     f'{property_table(by_subject[key], linker, labels)}</section>')
    return layout(title, "\n".join(parts))


def downloads_page(facts: dict, files: list[dict]) -> str:
    """The dumps with what they are, their size and SHA-256, under the dataset's title, description
    and licence as its VoID states them."""
    parts = ["<h1>Downloads 下载</h1>"]
    for t in facts["title"]:
        parts.append(f'<p class="title"><bdi>{esc(t["v"])}</bdi></p>')
    for d in facts["description"]:
        parts.append(f'<p class="description"><bdi>{esc(d["v"])}</bdi></p>')
    about = []
    if facts["license"]:
        about.append(f'Licence 许可: <a rel="license" href="{esc(facts["license"])}">{esc(facts["license"])}</a>')
    if facts["version"]:
        about.append(f"version {esc(facts['version'])}")
    if facts["triples"]:
        about.append(f"{int(facts['triples']):,} triples")
    if about:
        parts.append('<p class="about">' + " · ".join(about) + ' · <a href="/.well-known/void">VoID</a></p>')
    if not files:
        parts.append("<p>No dumps are published here.</p>")
    else:
        rows = "".join(f'<tr><td><a href="/download/{esc(urllib.parse.quote(f["name"]))}">{text(f["name"])}</a>'
                       f'<br><small>{esc(f["note"])}</small></td><td><code>{esc(f["media"])}</code></td>'
                       f'<td class="num">{f["bytes"]:,}</td>'
                       f'<td><code class="sha256">{esc(f["sha256"] or "—")}</code></td></tr>' for f in files)
        parts.append('<table class="downloads"><tr><th>File</th><th>Type</th><th>Bytes</th><th>SHA-256</th></tr>'
                     f'{rows}</table>')
        parts.append("<p>Check a download with <code>sha256sum -c SHA256SUMS</code> in the folder that "
                     "holds it, or <code>gonghui verify DIR</code>.</p>")
    return layout("Downloads", "\n".join(parts))


KIND_TITLES = {"newspaper": "Newspapers 报纸", "issue": "Issues 期", "page": "Source pages 版面",
               "article": "Articles 文章", "person": "People 人物", "org": "Organisations 组织",
               "membership": "Posts 职务", "attestation": "Printings of posts 职务记载", "role": "Roles 职位",
               "slogan": "Slogans 口号", "place": "Places 地点", "event": "Events 活动", "date": "Dates 日期",
               "mention": "Mentions 提及"}


def index_page(data: dict) -> str:
    """/id/: every kind of resource with its count."""
    rows = "".join(f'<tr><td><a href="/id/{esc(r["kind"])}/">{esc(KIND_TITLES.get(r["kind"], r["kind"]))}</a></td>'
                   f'<td><code>id:{esc(r["kind"])}/…</code></td><td class="num">{r["count"]:,}</td></tr>'
                   for r in data["kinds"] if r["count"])
    return layout("Resources", '<h1>Resources 资源</h1><table class="index"><tr><th>Kind</th><th>IRIs</th>'
                  f'<th>Count</th></tr>{rows}</table>')


def kind_page(data: dict, linker: Linker) -> str:
    """/id/{kind}/: one page of the resources of a kind, in IRI order, with links to the next."""
    kind, total, offset, limit = data["kind"], data["total"], data["offset"], data["limit"]
    title = KIND_TITLES.get(kind, kind)
    items = "".join(f'<li>{link(r["iri"], linker, {r["iri"]: r["label"]} if r["label"] else {})}</li>'
                    for r in data["rows"])
    shown = f"{offset + 1:,}–{offset + len(data['rows']):,} of {total:,}" if data["rows"] else f"none of {total:,}"
    nav = []
    if offset > 0:
        nav.append(f'<a rel="prev" href="?offset={max(0, offset - limit)}">← previous</a>')
    if offset + limit < total:
        nav.append(f'<a rel="next" href="?offset={offset + limit}">next →</a>')
    return layout(title, f'<h1>{esc(title)}</h1><p><a href="/id/">All resources</a> · {shown}</p>'
                  f'<ul class="index">{items}</ul><p class="pager">{" · ".join(nav)}</p>')


SEARCH_KINDS = {"person": "Person 人物", "org": "Organisation 组织", "slogan": "Slogan 口号",
                "place": "Place 地点", "article": "Article 文章"}


def _hit_line(r: dict) -> str:
    bits = []
    if r.get("post"):
        bits.append(text(r["post"]))
    if r.get("parent"):
        bits.append("under " + text(r["parent"]))
    if "posts" in r:
        bits.append(f'{r["posts"]:,} post{"" if r["posts"] == 1 else "s"}')
    if r.get("in"):
        bits.append("in " + text(r["in"]))
    if "articles" in r:
        bits.append(f'{r["articles"]:,} article{"" if r["articles"] == 1 else "s"}')
    if r.get("first"):
        bits.append(text(r["first"]) + (f" … {text(r['last'])}" if r.get("last") != r["first"] else ""))
    if r.get("date"):
        bits.append(text(r["date"]))
    return " · ".join(bits)


def search_page(q: str, kind: str | None, rows: list[dict]) -> str:
    """The ranked hits of a search, each with its kind and a line of context."""
    options = "".join(f'<option value="{k}"{" selected" if k == kind else ""}>{esc(v)}</option>'
                      for k, v in SEARCH_KINDS.items())
    form = (f'<form class="search-page" action="/search" method="get" role="search">'
            f'<input type="search" name="q" value="{esc(q)}" aria-label="Search" autofocus> '
            f'<select name="kind" aria-label="Kind"><option value="">all kinds</option>{options}</select> '
            f'<button>Search 搜索</button></form>')
    if not q.strip():
        body = "<p>Names in Chinese (full or part), pinyin with or without spaces or tones, any written form.</p>"
    elif not rows:
        body = f"<p>Nothing found for <bdi>{esc(q)}</bdi>.</p>"
    else:
        items = "".join(
            f'<li><a href="{esc(r["page"])}">{text(r["label"])}</a> <span class="kind">{esc(SEARCH_KINDS[r["kind"]])}</span>'
            f'<br><small>{_hit_line(r)}</small></li>' for r in rows)
        body = f'<ol class="hits">{items}</ol>'
    json_link = f'<p><small><a href="/search?{esc(urllib.parse.urlencode({"q": q, **({"kind": kind} if kind else {}), "format": "json"}))}">as JSON</a></small></p>' if q.strip() else ""
    return layout(f"Search {q}" if q else "Search", f"<h1>Search 搜索</h1>{form}{body}{json_link}")


def error_page(status: int, message: str) -> str:
    return layout(f"{status}", f"<h1>{status}</h1><p>{text(message)}</p>")
