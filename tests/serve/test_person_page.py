"""A person's page served by a real `gonghui serve` over the invented pages of
tests/data/invented/: the title as resolved with the printed one beside it, and a date
read from an undated page's speech note marked inferred — on that date only, not the masthead's."""
import csv
import io
import re
import urllib.parse

import httpx
import pytest
import rdflib


@pytest.fixture(scope="module")
def pages(invented_site):
    """The person's page as HTML and as Turtle, and the server's address."""
    html = httpx.get(f"{invented_site.url}/id/person/tao-lixin", headers={"accept": "text/html"})
    turtle = httpx.get(f"{invented_site.url}/id/person/tao-lixin", headers={"accept": "text/turtle"})
    assert (html.status_code, turtle.status_code) == (200, 200)
    return html.text, turtle.text, invented_site.url


@pytest.fixture(scope="module")
def person_page(pages):
    return pages[0]


@pytest.fixture(scope="module")
def person_turtle(pages):
    return pages[1]


def rows_of(html: str, table: str) -> list[str]:
    body = html.split(f'<table class="{table}">', 1)[1].split("</table>", 1)[0]
    return [re.sub(r"<[^>]+>", "", row) for row in body.split("<tr>")[2:]]


def test_posts_show_the_resolved_title_the_printed_one_and_which_date_was_inferred(person_page):
    chair = [row for row in rows_of(person_page, "posts") if "衢州市总工会主席" in row]
    assert len(chair) == 1
    assert "2031-03-05 … 2031-12-03 (inferred 推定)" in chair[0]     # masthead date not marked
    assert "as printed 原文: 市总工会主席" in chair[0]
    vice = [row for row in rows_of(person_page, "posts") if "衢州市人大常委会副主任" in row]
    assert "as printed 原文: 副主任 · 市人大常委会副主任" in vice[0]


def test_a_mention_on_an_undated_page_shows_the_speech_date_as_inferred(person_page):
    mentions = rows_of(person_page, "mentions")
    assert len(mentions) == 2
    assert mentions[0].startswith("2031-03-05市总工会召开全委会议")          # the masthead's date
    assert mentions[1].startswith("2031-12-03 (inferred 推定)扎实推进工作")  # the speech note's


def test_the_person_as_turtle_holds_its_posts_printings_and_mentions(person_turtle):
    g = rdflib.Graph().parse(data=person_turtle, format="turtle")
    person = rdflib.URIRef("https://w3id.org/gonghui/id/person/tao-lixin")
    org, gh, oa = (rdflib.Namespace(n) for n in ("http://www.w3.org/ns/org#",
                                                 "https://w3id.org/gonghui/ontology#", "http://www.w3.org/ns/oa#"))
    posts = set(g.subjects(org.member, person))
    assert len(posts) == 3                               # 主席, 副主任, 党组副书记
    printed = {str(t) for post in posts for a in g.subjects(gh.attests, post) for t in g.objects(a, gh.postTitle)}
    assert printed == {"市总工会主席", "副主任", "市人大常委会党组副书记", "市人大常委会副主任"}
    mentions = set(g.subjects(oa.hasBody, person))
    exact = {str(e) for m in mentions for t in g.objects(m, oa.hasTarget)
             for s in g.objects(t, oa.hasSelector) for e in g.objects(s, oa.exact)}
    assert len(mentions) == 2 and exact == {"陶立新"}


def test_the_timeline_marks_are_what_its_sparql_query_answers(pages):
    """Each post is a row with a mark per distinct date a printing attests it; the query shown
    under the chart gives the same (post, date) pairs at the endpoint."""
    html = pages[0]
    svg = html.split('<svg class="timeline"', 1)[1].split("</svg>", 1)[0]
    marks = set()
    for row in svg.split('<g class="post" data-post="')[1:]:
        post = row.split('"', 1)[0]
        marks |= {(post, d) for d in re.findall(r'<circle class="mark[^"]*" data-date="([\d-]+)"', row)}
    assert len(marks) >= 4
    query = urllib.parse.unquote(re.search(r'<a href="/sparql\?query=([^"&]+)&amp;format=csv">CSV</a>', html)[1])
    answer = httpx.post(f"{pages[2]}/sparql", data={"query": query}, headers={"accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert marks == {(r["post"], r["date"]) for r in rows if r["date"]}
    assert 'class="mark inferred" data-date="2031-12-03"' in svg     # hollow: read from the speech note
    assert "<h2>Timeline of posts" in html and ">open in the query page</a>" in html


def test_a_source_page_shows_its_text_with_every_mention_linked(pages):
    url = f"{pages[2]}/id/page/b_undated"
    html = httpx.get(url, headers={"accept": "text/html"}).text
    reader = html.split('<div class="reader" lang="zh">', 1)[1].split("</div>", 1)[0]
    links = re.findall(r'<a class="mention (\w+)" href="([^"]+)" title="[^"]*"><bdi>([^<]*)</bdi></a>', reader)
    assert ("person", "/id/person/tao-lixin", "陶立新") in links
    assert any(kind == "org" and name == "衢州市总工会" for kind, _, name in links)
    page = rdflib.Graph().parse(data=httpx.get(url + ".ttl").text, format="turtle")
    text = str(next(page.objects(None, rdflib.URIRef("https://w3id.org/gonghui/ontology#normalisedText"))))
    shown = html_unescape(re.sub(r"<[^>]+>", "", reader.replace("<br>\n", "\n")))
    assert shown == text                               # the whole normalised text, in order
    oa = rdflib.Namespace("http://www.w3.org/ns/oa#")
    spans = {tuple(int(x) for x in str(t).rsplit("/", 1)[1].split("-")[:2]) for t in page.subjects(oa.hasSource, None)}
    outer = {(a, b) for a, b in spans if not any(c <= a and b <= d and (c, d) != (a, b) for c, d in spans)}
    assert len(links) == len(outer) == len(spans) - 1   # every mention; 衢州 inside 衢州市总工会 is the org's


def html_unescape(s: str) -> str:
    import html
    return html.unescape(s)
