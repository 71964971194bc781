"""The ontology, the SHACL shapes, the JSON-LD context and the validator.

tests/graphs/valid.ttl is a small invented graph that follows the core contract and covers
every class the shapes target. Each broken case changes it in one way and must produce exactly
the expected problems (focus node, path) — no more, no fewer.
"""
from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import pyshacl
import pytest
import rdflib
import rdflib.compare
from click.testing import CliRunner
from rdflib import Literal, Namespace, URIRef

from gonghui.cli import main
from gonghui.errors import InputError
from gonghui.rdf.validate import (
    CONTEXT_IRI,
    Problem,
    Report,
    graph_locator,
    load_shapes,
    read_graph,
    validate_file,
    validate_graph,
)

ROOT = Path(__file__).resolve().parents[2]
GRAPHS = Path(__file__).resolve().parent / "graphs"
VALID = GRAPHS / "valid.ttl"
ONTOLOGY = ROOT / "ontology" / "gonghui.ttl"
CONTEXT = ROOT / "ontology" / "context.jsonld"
SHAPES = ROOT / "shapes" / "gonghui-shapes.ttl"

# Plain namespaces: pytest's attribute probing makes rdflib's closed ones (rdflib.XSD) warn.
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
ID = Namespace("https://w3id.org/gonghui/id/")
GH = Namespace("https://w3id.org/gonghui/ontology#")
GHSH = Namespace("https://w3id.org/gonghui/shapes#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SCHEMA = Namespace("http://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
OA = Namespace("http://www.w3.org/ns/oa#")
VANN = Namespace("http://purl.org/vocab/vann/")
DCTERMS = Namespace("http://purl.org/dc/terms/")

ISSUE = ID["issue/qinglan-gongren-bao/2021-04-06"]
PAGE = ID["page/qinglan_p1"]
ARTICLE = ID["article/qinglan_p1/1"]
COMMENTARY = ID["article/qinglan_p1/2"]
PHOTO = ID["article/qinglan_p1/3"]
PERSON = ID["person/bai-yutong"]
UNION = ID["org/qinglan-shi-zonggonghui"]
PARTY_GROUP = ID["org/qinglan-shi-zonggonghui-dangzu"]
GOVERNMENT = ID["org/qinglan-shi-renmin-zhengfu"]
CHAIR = ID["membership/bai-yutong/qinglan-shi-zonggonghui/zhuxi"]
SLOGAN = ID["slogan/jiangxin-qinglan"]
CITY = ID["place/qinglan-shi"]
EVENT = ID["event/qinglan-shi-zhigong-jineng-dasai"]
SELECTOR = ID["mention/qinglan_p1/76-79-person#selector"]
BUILD = ID["build/0.1.0"]


@pytest.fixture(scope="module")
def valid() -> rdflib.Graph:
    return rdflib.Graph().parse(VALID, format="turtle")


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY, format="turtle")


def copy(graph: rdflib.Graph) -> rdflib.Graph:
    new = rdflib.Graph()
    for triple in graph:
        new.add(triple)
    return new


def rename(graph: rdflib.Graph, old: URIRef, new: URIRef) -> None:
    """Give a node another IRI everywhere it occurs."""
    for s, p, o in list(graph):
        if old in (s, o):
            graph.remove((s, p, o))
            graph.add((new if s == old else s, p, new if o == old else o))


def found(report: Report) -> set[tuple[str, str | None]]:
    return {(p.focus, p.path) for p in report.problems}


# ---------------------------------------------------------------- the valid graph

def test_valid_graph_conforms(valid):
    report = validate_graph(valid)
    assert report.conforms
    assert report.problems == []
    assert report.text() == "conforms"


def test_valid_graph_covers_every_target_class(valid):
    targets = set(load_shapes().objects(None, SH.targetClass))
    present = set(valid.objects(None, RDF.type))
    assert len(targets) >= 30
    assert targets - present == set()


# ---------------------------------------------------------------- broken graphs
# Each case: what it does to the valid graph, and the exact (focus, path) problems expected.

def _set(graph, s, p, o):
    graph.remove((s, p, None))
    graph.add((s, p, o))


def _issue_without_date(g):
    g.remove((ISSUE, SCHEMA.datePublished, None))


def _date_as_string(g):
    _set(g, ISSUE, SCHEMA.datePublished, Literal("2021-04-06", datatype=XSD.string))


def _person_two_names(g):
    g.add((PERSON, SCHEMA.name, Literal("柏语桐", lang="zh")))


def _name_without_zh(g):
    _set(g, PERSON, SCHEMA.name, Literal("柏雨桐"))


def _name_in_pinyin(g):
    _set(g, PERSON, SCHEMA.name, Literal("Bǎi Yǔtóng", lang="zh-Latn-pinyin"))


def _member_not_a_person(g):
    _set(g, CHAIR, ORG.member, UNION)


def _org_without_name(g):
    g.remove((GOVERNMENT, SCHEMA.name, None))


def _place_without_name(g):
    g.remove((CITY, SCHEMA.name, None))


def _mention_iri_without_kind(g):
    old = ID["mention/qinglan_p1/76-79-person"]
    rename(g, old, ID["mention/qinglan_p1/76-79"])


def _slogan_without_preflabel(g):
    g.remove((SLOGAN, SKOS.prefLabel, None))


def _person_iri_upper_case(g):
    rename(g, PERSON, ID["person/Bai-Yutong"])


def _person_iri_non_ascii(g):
    rename(g, PERSON, ID["person/柏雨桐"])


def _sha256_short(g):
    _set(g, PAGE, GH.sha256, Literal("f5f5f39d2d83"))


def _sha256_upper_case(g):
    _set(g, PAGE, GH.sha256, Literal("F5F5F39D2D83A02C1611B1DAD7DEF6C52CFA594528DC3D9BCDDAFEF08167DF00"))


def _offsets_reversed(g):
    _set(g, ARTICLE, GH.startOffset, Literal(100))


def _photo_typed_article(g):
    g.add((PHOTO, RDF.type, SCHEMA.NewsArticle))


def _two_kinds(g):
    g.add((UNION, RDF.type, GH.Company))


def _kind_without_organization(g):
    # Without inference a gh:TradeUnion is no org:Organization unless the data says so.
    g.remove((UNION, RDF.type, ORG.Organization))


def _wall_clock(g):
    g.add((BUILD, PROV.startedAtTime, Literal("2021-04-06T08:00:00", datatype=XSD.dateTime)))


def _short_division_code(g):
    _set(g, CITY, GH.divisionCode, Literal("990100"))


def _unknown_item_kind(g):
    _set(g, COMMENTARY, GH.itemKind, Literal("opinion"))


def _start_as_integer(g):
    _set(g, SELECTOR, OA.start, Literal(76))


def _event_date_time(g):
    _set(g, EVENT, SCHEMA.startDate, Literal("2021-04-06T09:00:00", datatype=XSD.dateTime))


CORRECTION = ID["correction/0a1b2c3d4e5f"]
ATTESTED = ID["attestation/qinglan_p1/1/bai-yutong/qinglan-shi-zonggonghui-dangzu/dangzu-shuji"]


def _correction_without_operation(g):
    g.remove((CORRECTION, GH.operation, None))


def _unknown_operation(g):
    _set(g, CORRECTION, GH.operation, Literal("delete-everything"))


def _corrected_by_a_page(g):
    _set(g, ATTESTED, GH.correctedBy, PAGE)


def _correction_dated_as_text(g):
    _set(g, CORRECTION, DCTERMS.date, Literal("1 May 2021"))


BROKEN = [
    ("issue without datePublished", _issue_without_date, {(ISSUE, SCHEMA.datePublished)}),
    ("date typed xsd:string", _date_as_string, {(ISSUE, SCHEMA.datePublished)}),
    ("person with two names", _person_two_names, {(PERSON, SCHEMA.name)}),
    ("Chinese name without @zh", _name_without_zh, {(PERSON, SCHEMA.name)}),
    ("pinyin in schema:name", _name_in_pinyin, {(PERSON, SCHEMA.name)}),
    ("member is not a person", _member_not_a_person, {(CHAIR, ORG.member)}),
    ("organisation without name", _org_without_name, {(GOVERNMENT, SCHEMA.name)}),
    ("slogan without prefLabel", _slogan_without_preflabel, {(SLOGAN, SKOS.prefLabel)}),
    ("place without name", _place_without_name, {(CITY, SCHEMA.name)}),
    ("mention IRI without kind", _mention_iri_without_kind, {(ID["mention/qinglan_p1/76-79"], None)}),
    ("person IRI upper case", _person_iri_upper_case, {(ID["person/Bai-Yutong"], None)}),
    ("person IRI not ASCII", _person_iri_non_ascii, {(ID["person/柏雨桐"], None)}),
    ("sha256 too short", _sha256_short, {(PAGE, GH.sha256)}),
    ("sha256 upper case", _sha256_upper_case, {(PAGE, GH.sha256)}),
    ("start offset after end", _offsets_reversed, {(ARTICLE, GH.startOffset)}),
    ("photo typed NewsArticle", _photo_typed_article, {(PHOTO, None), (PHOTO, SCHEMA.headline)}),
    ("organisation of two kinds", _two_kinds, {(UNION, RDF.type)}),
    ("union not typed org:Organization", _kind_without_organization,
     {(UNION, None), (CHAIR, ORG.organization), (PARTY_GROUP, ORG.subOrganizationOf),
      (EVENT, SCHEMA.organizer)}),
    ("build with a wall-clock time", _wall_clock, {(BUILD, PROV.startedAtTime)}),
    ("division code of 6 digits", _short_division_code, {(CITY, GH.divisionCode)}),
    ("unknown item kind", _unknown_item_kind, {(COMMENTARY, GH.itemKind)}),
    ("oa:start typed xsd:integer", _start_as_integer, {(SELECTOR, OA.start)}),
    ("event start date with a time", _event_date_time, {(EVENT, SCHEMA.startDate)}),
    ("correction without an operation", _correction_without_operation, {(CORRECTION, GH.operation)}),
    ("correction of an unknown operation", _unknown_operation, {(CORRECTION, GH.operation)}),
    ("corrected by a page", _corrected_by_a_page, {(ATTESTED, GH.correctedBy)}),
    ("correction dated in words", _correction_dated_as_text, {(CORRECTION, DCTERMS.date)}),
]


@pytest.mark.parametrize("change, expected", [(c, e) for _, c, e in BROKEN], ids=[n for n, _, _ in BROKEN])
def test_broken_graph_fails_on_the_right_path(valid, change, expected):
    graph = copy(valid)
    change(graph)
    report = validate_graph(graph)
    assert not report.conforms
    want = {(str(focus), str(path) if path is not None else None) for focus, path in expected}
    assert found(report) == want
    assert all(p.severity == "Violation" and p.message and p.shape for p in report.problems)


def test_problem_carries_shape_message_and_value(valid):
    graph = copy(valid)
    _date_as_string(graph)
    [problem] = validate_graph(graph).problems
    assert problem == Problem(
        focus=str(ISSUE),
        path=str(SCHEMA.datePublished),
        message="An issue has exactly one schema:datePublished, an xsd:date",
        severity="Violation",
        shape=str(GHSH["Issue-datePublished"]),
        value='"2021-04-06"^^xsd:string',
        where=None,
    )


def test_report_text_has_one_block_per_problem(valid):
    graph = copy(valid)
    _issue_without_date(graph)
    _name_without_zh(graph)
    text = validate_graph(graph, locate=lambda focus: "page.txt:7").text()
    blocks = text.split("\n\n")
    assert blocks[-1] == "2 violations"
    assert blocks[0].splitlines()[0] == str(ISSUE)          # sorted by focus IRI
    assert "  path:    schema:datePublished" in blocks[0]
    assert "  where:   page.txt:7" in blocks[0]
    assert blocks[1].splitlines()[0] == str(PERSON)
    assert '  value:   "柏雨桐"' in blocks[1]
    assert "  shape:   ghsh:Person-name" in blocks[1]


def test_one_violation_is_singular(valid):
    graph = copy(valid)
    _org_without_name(graph)
    assert validate_graph(graph).text().endswith("\n\n1 violation")


def test_problems_are_sorted_and_repeatable(valid):
    graph = copy(valid)
    for change in (_name_without_zh, _sha256_short, _issue_without_date, _two_kinds):
        change(graph)
    first, second = validate_graph(graph), validate_graph(copy(graph))
    assert first.text() == second.text()
    keys = [p.sort_key() for p in first.problems]
    assert keys == sorted(keys) and len(keys) == 4


# ---------------------------------------------------------------- where a problem comes from

def test_graph_locator_finds_page_lines(valid):
    locate = graph_locator(valid)
    assert locate(str(ARTICLE)) == "qinglan_p1.txt:3"       # starts at offset 40, line 3
    assert locate(str(PHOTO)) == "qinglan_p1.txt:6"
    assert locate(str(PERSON)) == "qinglan_p1.txt:4"        # through its mention at 76
    assert locate(str(CHAIR)) == "qinglan_p1.txt:3"         # through the article it was read from
    assert locate(str(SELECTOR)) == "qinglan_p1.txt:4"
    assert locate(str(ISSUE)) == "qinglan_p1.txt"           # no offset: the file only
    assert locate(str(GOVERNMENT)) is None                  # never mentioned


def test_validate_file_fills_where(valid, tmp_path):
    graph = copy(valid)
    _person_two_names(graph)
    _offsets_reversed(graph)
    path = tmp_path / "broken.ttl"
    graph.serialize(path, format="turtle")
    report = validate_file(path)
    assert {(p.focus, p.where) for p in report.problems} == {
        (str(ARTICLE), "qinglan_p1.txt:5"),     # its start offset is now 100, on line 5
        (str(PERSON), "qinglan_p1.txt:4"),
    }


# ---------------------------------------------------------------- reading files

def test_formats_by_suffix(valid, tmp_path):
    nt_gz = tmp_path / "data.nt.gz"
    nt_gz.write_bytes(gzip.compress(valid.serialize(format="nt", encoding="utf-8")))
    trig = tmp_path / "data.trig"
    dataset = rdflib.Dataset()
    named = dataset.graph(URIRef("https://example.org/graph"))
    for triple in valid:
        named.add(triple)
    dataset.serialize(trig, format="trig")
    for path in (nt_gz, trig):
        assert len(read_graph(path)) == len(valid)
        assert validate_file(path).conforms


@pytest.mark.parametrize("name, content, says", [
    ("broken.ttl", b"<a> <b> .\n", "not valid turtle"),
    ("broken.jsonld", b'{"@id": ', "not valid json-ld"),
    ("binary.nt.gz", b"not gzip at all", "cannot read"),
    ("empty.ttl", b"# nothing here\n", "no triples"),
    ("data.csv", b"a,b\n", "unknown RDF format"),
    ("remote.jsonld", b'{"@context": "https://example.org/ctx.jsonld", "@id": "https://example.org/x"}',
     "not fetched"),
])
def test_bad_files_raise_one_line_input_error(tmp_path, name, content, says):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        validate_file(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert says in message


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        validate_file(tmp_path / "absent.ttl")


# ---------------------------------------------------------------- the CLI

def test_cli_valid_graph_exits_0():
    result = CliRunner().invoke(main, ["validate", str(VALID)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "conforms"


def test_cli_broken_graph_exits_1_and_names_the_focus(valid, tmp_path):
    graph = copy(valid)
    _slogan_without_preflabel(graph)
    path = tmp_path / "broken.ttl"
    graph.serialize(path, format="turtle")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert str(SLOGAN) in result.output
    assert "skos:prefLabel" in result.output
    assert result.output.rstrip().endswith("1 violation")


def test_cli_unparsable_file_exits_2_with_one_line(tmp_path):
    path = tmp_path / "garbage.ttl"
    path.write_text("this is @ not turtle <<<\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gonghui: ") and "garbage.ttl" in lines[0]


# ---------------------------------------------------------------- the ontology

def test_ontology_header(ontology):
    onto = URIRef("https://w3id.org/gonghui/ontology")
    assert (onto, RDF.type, OWL.Ontology) in ontology
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {o.language for o in ontology.objects(onto, prop)} == {"en", "zh"}
    assert ontology.value(onto, OWL.versionInfo) == Literal("0.1.0")
    assert ontology.value(onto, VANN.preferredNamespacePrefix) == Literal("gh")
    assert "MIT" in str(ontology.value(onto, DCTERMS.license))


def _gh_terms(graph):
    return {t for t in graph.all_nodes() if isinstance(t, URIRef) and t.startswith(str(GH))}


def _documented(ontology, term) -> bool:
    labels = {o.language for o in ontology.objects(term, RDFS.label)}
    comments = {o.language for o in ontology.objects(term, RDFS.comment)}
    comments |= {o.language for o in ontology.objects(term, SKOS.definition)}
    return {"en", "zh"} <= labels and {"en", "zh"} <= comments


def test_every_gh_term_is_declared_and_documented(ontology):
    terms = _gh_terms(ontology)
    assert len(terms) == 45
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    for term in sorted(terms):
        assert set(ontology.objects(term, RDF.type)) & kinds, term
        assert _documented(ontology, term), term


def test_gh_terms_of_shapes_and_data_are_in_the_ontology(ontology, valid):
    declared = set(ontology.subjects(RDFS.isDefinedBy, URIRef("https://w3id.org/gonghui/ontology")))
    assert _gh_terms(load_shapes()) - declared == set()
    assert _gh_terms(valid) - declared == set()


def test_every_class_and_property_the_shapes_name_is_declared(ontology):
    shapes = load_shapes()
    used = set(shapes.objects(None, SH.targetClass)) | set(shapes.objects(None, SH["class"]))
    used |= {p for p in shapes.objects(None, SH.path) if p != RDF.type}
    for term in sorted(used):
        assert ontology.value(term, RDFS.isDefinedBy) is not None, term
        assert {o.language for o in ontology.objects(term, RDFS.label)} >= {"en", "zh"}, term


def test_alignment_to_reused_vocabularies(ontology):
    sub_class = {
        GH.Slogan: SKOS.Concept, GH.SourcePage: PROV.Entity, GH.Teaser: SCHEMA.CreativeWork,
        GH.Speech: SCHEMA.NewsArticle, ORG.Role: SKOS.Concept,
    }
    for kind in ("TradeUnion", "PartyBody", "GovernmentBody", "Legislature", "Company",
                 "Association", "MediaOrganisation", "School"):
        sub_class[GH[kind]] = ORG.Organization
    for term, parent in sub_class.items():
        assert (term, RDFS.subClassOf, parent) in ontology, term
    for credit in ("reporter", "correspondent", "photographer"):
        assert (GH[credit], RDFS.subPropertyOf, SCHEMA.contributor) in ontology
        assert (GH[credit], RDFS.range, SCHEMA.Person) in ontology


# ---------------------------------------------------------------- the shapes

def test_shapes_are_shacl_core_and_explained():
    shapes = load_shapes()
    assert not set(shapes.subject_objects(SH.sparql))
    named = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    named |= set(shapes.objects(None, SH.property))
    assert len(named) > 100
    for shape in named:
        assert shapes.value(shape, SH.severity) == SH.Violation, shape
        assert shapes.value(shape, SH.message) or shapes.value(shape, SH.name), shape


def test_shapes_conform_to_shacl_shacl():
    shapes = rdflib.Graph().parse(SHAPES, format="turtle")
    conforms, _, text = pyshacl.validate(rdflib.Graph(), shacl_graph=shapes, meta_shacl=True, inference="none")
    assert conforms, text


def test_cardinalities_follow_the_table():
    shapes = load_shapes()

    def counts(shape):
        node = GHSH[shape]
        return (shapes.value(node, SH.minCount), shapes.value(node, SH.maxCount))

    one = (Literal(1), Literal(1))
    for shape in ("Issue-datePublished", "Issue-isPartOf", "SourcePage-fileName", "SourcePage-sha256",
                  "Article-headline", "Item-sourcePage", "Item-startOffset", "Item-endOffset",
                  "Item-position", "Person-name", "Organisation-name", "Membership-member",
                  "Membership-organization", "Membership-role", "Role-prefLabel", "Instant-inXSDDate",
                  "Slogan-prefLabel", "Event-name", "Mention-hasBody", "Mention-hasTarget"):
        assert counts(shape) == one, shape
    assert counts("Issue-issueNumber") == (Literal(1), None)
    assert counts("Slogan-inScheme") == (Literal(1), None)
    assert counts("Place-name") == (Literal(1), None)             # every form printed
    assert counts("Item-headline") == (None, Literal(1))          # optional on photos and teasers


# ---------------------------------------------------------------- the JSON-LD context

def _context() -> dict:
    return json.loads(CONTEXT.read_text(encoding="utf-8"))["@context"]


def test_context_expands_to_the_right_iris():
    doc = {
        "@context": _context(),
        "@graph": [
            {"id": str(ID["person/he-qing"]), "type": "Person", "name": "何青", "pinyin": "Hé Qīng"},
            {"id": str(ID["membership/he-qing/org-x/zhuxi"]), "type": "Membership",
             "member": str(ID["person/he-qing"]), "organization": str(ID["org/org-x"]),
             "role": str(ID["role/zhuxi"])},
            {"id": str(ID["role/zhuxi"]), "type": "Role", "prefLabel": "主席"},
            {"id": str(ID["issue/p/2020-01-01"]), "type": "PublicationIssue",
             "datePublished": "2020-01-01", "issueNumber": "3", "headline": "标题"},
            {"id": str(ID["article/p1/1"]), "type": "NewsArticle", "startOffset": 5, "sourcePage": str(ID["page/p1"])},
        ],
    }
    graph = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    person, member = ID["person/he-qing"], ID["membership/he-qing/org-x/zhuxi"]
    expected = {
        (person, RDF.type, SCHEMA.Person),
        (person, SCHEMA.name, Literal("何青", lang="zh")),
        (person, RDFS.label, Literal("Hé Qīng", lang="zh-Latn-pinyin")),
        (member, RDF.type, ORG.Membership),
        (member, ORG.member, person),
        (member, ORG.organization, ID["org/org-x"]),
        (member, ORG.role, ID["role/zhuxi"]),
        (ID["role/zhuxi"], RDF.type, ORG.Role),
        (ID["role/zhuxi"], SKOS.prefLabel, Literal("主席", lang="zh")),
        (ID["issue/p/2020-01-01"], RDF.type, SCHEMA.PublicationIssue),
        (ID["issue/p/2020-01-01"], SCHEMA.datePublished, Literal("2020-01-01", datatype=XSD.date)),
        (ID["issue/p/2020-01-01"], SCHEMA.issueNumber, Literal("3")),
        (ID["issue/p/2020-01-01"], SCHEMA.headline, Literal("标题", lang="zh")),
        (ID["article/p1/1"], RDF.type, SCHEMA.NewsArticle),
        (ID["article/p1/1"], GH.startOffset, Literal(5)),
        (ID["article/p1/1"], GH.sourcePage, ID["page/p1"]),
    }
    assert set(graph) == expected


def test_context_terms_name_declared_terms(ontology):
    context = _context()
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    declared = set(ontology.subjects(RDFS.isDefinedBy, None))
    for term, value in context.items():
        if term.startswith("@") or term in prefixes or value in ("@id", "@type"):
            continue
        curie = value if isinstance(value, str) else value["@id"]
        prefix, local = curie.split(":", 1)
        assert URIRef(prefixes[prefix] + local) in declared, term


def test_valid_graph_round_trips_through_the_context(valid, tmp_path):
    path = tmp_path / "valid.jsonld"
    text = valid.serialize(format="json-ld", context=_context(), auto_compact=True)
    doc = json.loads(text)
    doc["@context"] = CONTEXT_IRI            # as published: read with the local copy
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    back = read_graph(path)
    assert rdflib.compare.isomorphic(back, valid)
    assert validate_file(path).conforms


# ---------------------------------------------------------------- speed

def test_a_few_thousand_triples_validate_quickly(valid):
    graph = rdflib.Graph()
    base = str(ID)
    for n in range(20):                     # 20 renamed copies of the valid graph
        def moved(node):
            if isinstance(node, URIRef) and node.startswith(base):
                return URIRef(str(node).replace("qinglan", f"qinglan{n}"))
            return node
        for s, p, o in valid:
            graph.add((moved(s), p, moved(o)))
    assert len(graph) > 3000
    load_shapes()
    started = time.perf_counter()
    report = validate_graph(graph)
    seconds = time.perf_counter() - started
    print(f"\nvalidated {len(graph)} triples in {seconds:.2f} s")
    assert report.conforms
    assert seconds < 10


def test_ontology_terms_are_sorted_within_sections():
    sections, current = [], None
    for line in ONTOLOGY.read_text(encoding="utf-8").splitlines():
        if line.startswith("# ----"):
            current = []
            sections.append(current)
        elif current is not None and line[:1].isalpha() and ":" in line.split()[0]:
            current.append(line.split()[0])
    assert len(sections) == 6
    for terms in sections[1:]:
        assert terms == sorted(terms, key=str.lower), terms
