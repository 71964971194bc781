"""The views a resource page adds above its triples: a person's timeline of posts (an SVG drawn
here, with the SPARQL query that gives the same marks, a link that opens it in the query page and
its CSV), and a source page's text with every mention highlighted and linked to its entity."""
from __future__ import annotations

import urllib.parse

from .pages import _BIDI_CONTROLS, Linker, esc, text
from .prefixes import PREFIXES

_SCHEMA = PREFIXES["schema"]
WIDTH, LEFT, ROW, TOP = 900, 300, 30, 34      # the timeline's size in px: label column, row height


def sections(data: dict, linker: Linker) -> list[str]:
    """The extra sections of this resource's page, in order."""
    out = []
    if data.get("posts"):
        out.append(timeline(data["iri"], data["posts"], data.get("labels", {})))
    if data.get("reader"):
        out.append(page_reader(data["reader"], linker))
    return out


# ------------------------------------------------------------------ a person's posts over time

TIMELINE_QUERY = """\
# Every printing of each post of one person, with its date: the marks of the timeline on the person's page.
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <http://schema.org/>
PREFIX gh: <https://w3id.org/gonghui/ontology#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX prov: <http://www.w3.org/ns/prov#>
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


def query_links(query: str) -> str:
    """'See the query' for a chart or table: the query itself, a link that opens it in the query
    page, and its answer as CSV straight from the endpoint."""
    q = urllib.parse.quote(query)
    return (f'<details class="query"><summary>SPARQL query</summary><pre>{esc(query)}</pre></details>'
            f'<p class="query-links"><a href="/?query={q}">open in the query page</a> · '
            f'<a href="/sparql?query={q}&amp;format=csv">CSV</a></p>')


def _year_fraction(date: str) -> float:
    y, m, d = (int(x) for x in date.split("-"))
    return y + (m - 1) / 12 + (d - 1) / 372


def timeline(iri: str, posts: list[dict], labels: dict[str, str]) -> str:
    """One row per post: a line from its first to its last printed date and a mark on each date
    a printing attests it (distinct dates); undated printings counted at the row's end."""
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
        title = post.get("title") or ""
        org = labels.get(post.get("org") or "", "")
        # SVG text cannot be isolated like HTML: bidi controls go (as in <title>), the text stays escaped
        name = esc(f"{title}" + (f" ({org})" if org and org not in title else "")).translate(_BIDI_CONTROLS)
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
    return ("<h2>Timeline of posts 职务时间线</h2>" + "".join(parts) + legend
            + query_links(TIMELINE_QUERY.format(iri=iri)))


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
