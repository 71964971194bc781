"""What the published data says of a post's printing, built from invented pages: the title exactly
as printed (with its place in the text), the resolved title beside it, a speech byline's posts,
and a date read from an undated page's own words, marked inferred (issue 19 items 2–4)."""

import pytest
import rdflib

# The pages (conftest's invented_project): two invented ones, a fictional paper and people: one
# with a masthead date, one without a masthead whose only date is the speech's own note.

Q = """PREFIX gh: <https://w3id.org/gonghui/ontology#> PREFIX time: <http://www.w3.org/2006/time#>
PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX schema: <http://schema.org/>
SELECT ?a ?printed ?resolved ?start ?end ?text ?date ?inferred ?evidence WHERE {
  ?a a gh:Attestation ; gh:postTitle ?printed ; gh:resolvedTitle ?resolved ; gh:sourcePage ?page .
  ?page gh:normalisedText ?text .
  OPTIONAL { ?a gh:startOffset ?start ; gh:endOffset ?end }
  OPTIONAL { ?a gh:attestedAt/time:inXSDDate ?date }
  OPTIONAL { ?a gh:dateInferred ?inferred }
  OPTIONAL { ?a gh:dateEvidence ?evidence } }"""


@pytest.fixture(scope="module")
def graph(invented_project):
    ds = rdflib.Dataset(default_union=True)
    ds.parse(invented_project / "lod" / "gonghui.trig")
    return ds


def rows(graph):
    result = graph.query(Q)
    return [{str(v): (str(r[v]) if r[v] is not None else None) for v in result.vars} for r in result]


def test_each_attestation_quotes_the_page_once_at_its_offsets(graph):
    found = rows(graph)
    assert len(found) >= 5
    assert len({r["a"] for r in found}) == len(found)        # one title per attestation
    for r in found:
        assert r["start"] is not None
        assert r["text"][int(r["start"]):int(r["end"])] == r["printed"]


def test_a_title_after_a_comma_is_kept_as_printed_and_resolved_beside_it(graph):
    dated = {(r["printed"], r["resolved"]) for r in rows(graph) if "/a_dated/" in r["a"]}
    assert ("副主任", "衢州市人大常委会副主任") in dated
    assert ("市人大常委会党组副书记", "衢州市人大常委会党组副书记") in dated
    assert ("市总工会主席", "衢州市总工会主席") in dated
    assert not any(printed == "市人大常委会副主任" for printed, _ in dated)    # not printed on that page


def test_a_speech_byline_attests_its_posts_dated_by_its_note_and_marked_inferred(graph):
    undated = [r for r in rows(graph) if "/b_undated/" in r["a"]]
    assert {r["resolved"] for r in undated} == {"衢州市人大常委会副主任", "衢州市总工会主席"}
    for r in undated:
        assert r["date"] == "2031-12-03"
        assert r["inferred"] == "true"
        assert r["evidence"] == "(2031年12月3日,根据录音整理)"
    dated = [r for r in rows(graph) if "/a_dated/" in r["a"]]
    assert all(r["date"] == "2031-03-05" and r["inferred"] is None for r in dated)


def test_the_speech_is_dated_as_given_not_as_published(graph):
    schema = rdflib.Namespace("http://schema.org/")
    speech = rdflib.URIRef("https://w3id.org/gonghui/id/article/b_undated/1")
    assert [str(d) for d in graph.objects(speech, schema.dateCreated)] == ["2031-12-03"]
    assert list(graph.objects(speech, schema.datePublished)) == []
