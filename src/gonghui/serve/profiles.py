"""The views a resource page adds above its triples: a person's timeline of posts (an SVG drawn
here, with the SPARQL query that gives the same marks, a link that opens it in the query page and
its CSV), and a source page's text with every mention highlighted and linked to its entity."""
from __future__ import annotations

import urllib.parse

from .pages import _BIDI_CONTROLS, Linker, esc, text
from .query_page import with_prefixes

WIDTH, LEFT, ROW, TOP = 900, 300, 30, 34      # the timeline's size in px: label column, row height


def sections(data: dict, linker: Linker) -> list[str]:
    """The extra sections of this resource's page, in order."""
    out, labels = [], data.get("labels", {})
    if data.get("posts"):
        def post_label(post: dict) -> str:
            title, org = post.get("title") or "", labels.get(post.get("org") or "", "")
            return title + (f" ({org})" if org and org not in title else "")
        out.append(timeline(data["posts"], post_label, "Timeline of posts 职务时间线",
                            TIMELINE_QUERY.format(iri=data["iri"])))
    if data.get("together"):
        out.append(named_with(data["iri"], data["together"], linker, labels))
    if data.get("tree") and (data["tree"]["parents"] or data["tree"]["children"]):
        out.append(org_tree(data["iri"], data["tree"], linker, labels))
    if data.get("papers"):
        out.append(named_by_papers(data["iri"], data["papers"], linker, labels))
    if data.get("members"):
        def member_label(post: dict) -> str:
            return f'{labels.get(post.get("person") or "", "")} · {post.get("title") or labels.get(post.get("role") or "", "")}'
        out.append(timeline(data["members"], member_label, "Members over time 成员时间线",
                            MEMBERS_QUERY.format(iri=data["iri"])))
    if data.get("usage") and (data["usage"]["years"] or data["usage"]["undated"]):
        out.append(usage_curve(data["iri"], data["usage"]))
    if data.get("reader"):
        out.append(page_reader(data["reader"], linker))
    return out


# ------------------------------------------------------------------ a person's posts over time

TIMELINE_QUERY = """\
# Every printing of each post of one person, with its date: the marks of the timeline on the person's page.
SELECT ?post ?title ?organisation ?date ?item
WHERE {{
  ?post org:member <{iri}> ; org:organization ?org .
  ?org schema:name ?organisation .
  ?a gh:attests ?post ; gh:resolvedTitle ?title .
  OPTIONAL {{ ?a gh:attestedAt/time:inXSDDate ?date }}
  OPTIONAL {{ ?a prov:wasDerivedFrom ?item }}
}}
ORDER BY ?title ?date
"""


MEMBERS_QUERY = """\
# Every printing of each post in one organisation, with its date: the marks of the members' timeline.
SELECT ?post ?name ?title ?date
WHERE {{
  ?post org:organization <{iri}> ; org:member ?person .
  ?person schema:name ?name .
  ?a gh:attests ?post ; gh:resolvedTitle ?title .
  OPTIONAL {{ ?a gh:attestedAt/time:inXSDDate ?date }}
}}
ORDER BY ?name ?date
"""

TREE_QUERY = """\
# The bodies under one organisation, at any depth, each with its direct parent.
SELECT ?organisation ?parent ?org
WHERE {{
  ?org org:subOrganizationOf+ <{iri}> ; org:subOrganizationOf ?p ; schema:name ?organisation .
  ?p schema:name ?parent .
}}
ORDER BY ?parent ?organisation
"""

USAGE_QUERY = """\
# Articles naming one slogan, per year of their issue: the bars of the usage curve.
SELECT ?year (COUNT(DISTINCT ?article) AS ?articles)
WHERE {{
  ?article schema:mentions <{iri}> ; schema:isPartOf/schema:datePublished ?date .
  BIND(SUBSTR(STR(?date), 1, 4) AS ?year)
}}
GROUP BY ?year
ORDER BY ?year
"""


TOGETHER_QUERY = """\
# The people most often named in the same articles as one person.
SELECT ?name (COUNT(DISTINCT ?article) AS ?articles) ?person
WHERE {{
  ?article schema:mentions <{iri}>, ?person .
  ?person a schema:Person ; schema:name ?name .
  FILTER(?person != <{iri}>)
}}
GROUP BY ?name ?person
ORDER BY DESC(?articles) ?person
LIMIT 15
"""


def _entity(iri: str, linker: Linker, labels: dict[str, str]) -> str:
    """A link to an entity's page, named by its label (its CURIE where it has none)."""
    return f'<a href="{esc(linker.href(iri) or "")}">{text(labels.get(iri) or linker.curie(iri))}</a>'


def named_with(iri: str, rows: list[dict], linker: Linker, labels: dict[str, str]) -> str:
    items = "".join(f'<tr><td>{_entity(r["person"], linker, labels)}</td>'
                    f'<td class="num">{r["articles"]:,}</td></tr>' for r in rows)
    return ('<h2>Named with 同时提及</h2><table class="together"><tr><th>Person 人物</th><th>Articles 文章</th></tr>'
            f'{items}</table>' + query_links(TOGETHER_QUERY.format(iri=iri)))


PAPERS_QUERY = """\
# The newspapers whose articles name one organisation, with the first and last issue date.
SELECT ?paper ?name (COUNT(DISTINCT ?article) AS ?articles) (MIN(?date) AS ?first) (MAX(?date) AS ?last)
WHERE {{
  ?article schema:mentions <{iri}> ; schema:isPartOf ?issue .
  ?issue schema:isPartOf ?paper .
  ?paper a schema:Newspaper ; schema:name ?name .
  OPTIONAL {{ ?issue schema:datePublished ?date }}
}}
GROUP BY ?paper ?name
ORDER BY DESC(?articles) ?paper
"""


def named_by_papers(iri: str, rows: list[dict], linker: Linker, labels: dict[str, str]) -> str:
    items = "".join(f'<tr><td>{_entity(r["paper"], linker, labels)}</td>'
                    f'<td class="num">{r["articles"]:,}</td><td>{esc(r["first"] or "")}</td><td>{esc(r["last"] or "")}</td></tr>'
                    for r in rows)
    return ('<h2>Papers that name it 刊载报纸</h2><table class="papers"><tr><th>Newspaper 报纸</th><th>Articles 文章</th>'
            f'<th>First 首见</th><th>Last 末见</th></tr>{items}</table>' + query_links(PAPERS_QUERY.format(iri=iri)))


def org_tree(iri: str, tree: dict, linker: Linker, labels: dict[str, str]) -> str:
    """Where the organisation sits: the chain of bodies above it, and the tree of those under it."""
    def below(children: list[dict]) -> str:
        if not children:
            return ""
        items = sorted(children, key=lambda c: labels.get(c["org"], c["org"]))
        return "<ul>" + "".join(f'<li>{_entity(c["org"], linker, labels)}{below(c["children"])}</li>'
                                for c in items) + "</ul>"
    above = " › ".join(_entity(o, linker, labels) for o in reversed(tree["parents"]))
    parts = ["<h2>Organisation tree 组织结构</h2>"]
    if above:
        parts.append(f'<p class="parents">Under 上级: {above}</p>')
    if tree["children"]:
        parts.append(f'<div class="tree">{below(tree["children"])}</div>' + query_links(TREE_QUERY.format(iri=iri)))
    return "".join(parts)


def usage_curve(iri: str, usage: dict) -> str:
    """A bar per year with its count written on it (read without colour), undated counted apart."""
    years = usage["years"]
    parts = []
    if years:
        first, last = int(years[0][0]), int(years[-1][0])
        counts = dict(years)
        span = list(range(first, last + 1))[-40:]             # at most 40 years drawn
        top = max(counts.values())
        bar, height = 34, 160
        width = 40 + bar * len(span)
        parts.append(f'<svg class="usage" role="img" viewBox="0 0 {width} {height + 40}" width="{width}" '
                     f'height="{height + 40}" xmlns="http://www.w3.org/2000/svg"><title>Articles per year</title>')
        for i, year in enumerate(span):
            n = counts.get(str(year), 0)
            h = (height - 20) * n / top
            x = 20 + i * bar
            parts.append(f'<g class="year" data-year="{year}" data-articles="{n}">'
                         f'<rect x="{x + 4}" y="{height - h:.1f}" width="{bar - 8}" height="{h:.1f}"/>'
                         f'<text class="n" x="{x + bar / 2}" y="{height - h - 4:.1f}" text-anchor="middle">{n or ""}</text>'
                         f'<text class="y" x="{x + bar / 2}" y="{height + 16}" text-anchor="middle">{year}</text></g>')
        parts.append("</svg>")
    note = f' · {usage["undated"]:,} more on pages without a date' if usage["undated"] else ""
    total = sum(n for _, n in years)
    return (f'<h2>Usage 使用情况</h2><p><small>{total:,} dated articles{note}</small></p>' + "".join(parts)
            + query_links(USAGE_QUERY.format(iri=iri)))


def query_links(query: str) -> str:
    """'See the query' for a chart or table: the query itself (with the PREFIX lines it needs), a
    link that opens it in the query page, and its answer as CSV straight from the endpoint."""
    query = with_prefixes(query)
    q = urllib.parse.quote(query)
    return (f'<details class="query"><summary>SPARQL query</summary><pre>{esc(query)}</pre></details>'
            f'<p class="query-links"><a href="/?query={q}">open in the query page</a> · '
            f'<a href="/sparql?query={q}&amp;format=csv">CSV</a></p>')


def _year_fraction(date: str) -> float:
    y, m, d = (int(x) for x in date.split("-"))
    return y + (m - 1) / 12 + (d - 1) / 372


def timeline(posts: list[dict], row_label, heading: str, query: str) -> str:
    """One row per post (named by `row_label(post)`): a line from its first to its last printed
    date and a mark on each date a printing attests it (distinct dates); undated printings
    counted at the row's end; the query that gives the marks below."""
    dated = [d for p in posts for d in p["dates"]]
    if dated:
        lo, hi = _year_fraction(min(dated)), _year_fraction(max(dated))
    else:
        lo = hi = 2000.0
    if hi - lo < 1:
        lo, hi = lo - 0.5, hi + 0.5
    span = WIDTH - LEFT - 110          # room on the right for "undated ×N"

    def x(date: str) -> float:
        return LEFT + (_year_fraction(date) - lo) / (hi - lo) * span

    height = TOP + ROW * len(posts) + 10
    parts = [f'<svg class="timeline" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>Posts over time</title>']
    for year in range(int(lo) + 1, int(hi) + 1):
        px = LEFT + (year - lo) / (hi - lo) * span
        parts.append(f'<line class="tick" x1="{px:.1f}" y1="{TOP - 8}" x2="{px:.1f}" y2="{height - 6}"/>'
                     f'<text class="year" x="{px:.1f}" y="{TOP - 14}" text-anchor="middle">{year}</text>')
    for i, post in enumerate(posts):
        y = TOP + ROW * i + ROW / 2
        # SVG text cannot be isolated like HTML: bidi controls go (as in <title>), the text stays escaped
        name = esc(row_label(post)).translate(_BIDI_CONTROLS)
        dates = post["dates"]
        undated = sum(1 for a in post.get("attestations", []) if not a.get("date"))
        parts.append(f'<g class="post" data-post="{esc(post["membership"])}">'
                     f'<text class="label" x="{LEFT - 10}" y="{y + 5:.1f}" text-anchor="end">{name}</text>')
        if dates:
            parts.append(f'<line class="span" x1="{x(dates[0]):.1f}" y1="{y:.1f}" x2="{x(dates[-1]):.1f}" y2="{y:.1f}"/>')
            for d in dates:
                inferred = " inferred" if d in post.get("inferred", []) else ""
                parts.append(f'<circle class="mark{inferred}" data-date="{esc(d)}" cx="{x(d):.1f}" cy="{y:.1f}" r="5">'
                             f'<title>{esc(d)}{" (inferred)" if inferred else ""}</title></circle>')
        if undated:
            parts.append(f'<text class="undated" x="{WIDTH - 4}" y="{y + 5:.1f}" text-anchor="end">'
                         f'undated ×{undated}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    legend = ('<p class="legend"><small>● a printing on that date (hollow: the date read from the item, '
              'not the masthead) · line: first to last printing · undated: printed on a page with no date</small></p>')
    return f"<h2>{esc(heading)}</h2>" + "".join(parts) + legend + query_links(query)


# ------------------------------------------------------------------ a source page's text

def page_reader(reader: dict, linker: Linker) -> str:
    """The normalised text, line by line, each mention a link to its entity (the outermost of
    overlapping mentions wins; an offset past the text is skipped)."""
    body, marks = reader["text"], reader["marks"]
    out, at = [], 0
    for m in marks:
        start, end = m["start"], m["end"]
        if start < at or end > len(body) or start >= end:
            continue
        out.append(text(body[at:start]) if start > at else "")
        href = linker.href(m["entity"]) or ""
        title = esc(m["label"] or m["entity"])
        out.append(f'<a class="mention {esc(m["kind"])}" href="{esc(href)}" title="{title}">'
                   f'{text(body[start:end])}</a>')
        at = end
    out.append(text(body[at:]))
    html = "".join(out).replace("\n", "<br>\n")
    kinds = sorted({m["kind"] for m in marks})
    legend = " ".join(f'<span class="mention {esc(k)}">{esc(k)}</span>' for k in kinds)
    return (f'<h2>Text 原文</h2><p class="legend"><small>{len(marks):,} mentions: {legend}</small></p>'
            f'<div class="reader" lang="zh">{html}</div>')
