"""The build's SHACL engine (gonghui.rdf.shacl) against pyshacl, the reference, on the same data.

Good data must conform in both; broken copies — triples deleted, values replaced by a literal
of another kind, extra values added, types removed — must give the same results in both:
the same focus nodes, paths, shapes and values."""
from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib import BNode, Literal, URIRef

from gonghui.rdf.shacl import Data, Shapes, ShapesError, compiled_shapes
from gonghui.rdf.validate import load_shapes

ROOT = Path(__file__).resolve().parents[2]
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
RDF_TYPE = rdflib.RDF.type


def to_ox(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or rdflib.XSD.string)))


def key(term) -> tuple | None:
    """A node as plain values, the same for an rdflib and a pyoxigraph term."""
    if term is None:
        return None
    if isinstance(term, (URIRef, ox.NamedNode)):
        return ("iri", str(term) if isinstance(term, URIRef) else term.value)
    if isinstance(term, (BNode, ox.BlankNode)):
        return ("blank",)
    if isinstance(term, Literal):
        return ("lit", str(term), (term.language or "").lower(), str(term.datatype or rdflib.XSD.string)
                if not term.language else "")
    return ("lit", term.value, (term.language or "").lower(), term.datatype.value if not term.language else "")


def reference(graph: rdflib.Graph) -> set:
    _, results, _ = pyshacl.validate(graph, shacl_graph=load_shapes(), inference="none",
                                            advanced=False, meta_shacl=False, allow_warnings=True)
    found = set()
    for r in results.objects(None, SH.result):       # top-level results, not sh:detail ones
        found.add((key(results.value(r, SH.focusNode)), key(results.value(r, SH.resultPath)),
                   key(results.value(r, SH.sourceShape)), key(results.value(r, SH.value))))
    return found


def ours(graph: rdflib.Graph) -> set:
    data = Data(ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph)
    return {(key(r.focus), key(r.path), key(r.source), key(r.value)) for r in compiled_shapes().check(data)}


def mutate(graph: rdflib.Graph, seed: int, n: int) -> rdflib.Graph:
    """A copy with n random breakages, each on a different subject."""
    rnd = random.Random(seed)
    triples = sorted(graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
    broken = rdflib.Graph()
    for t in triples:
        broken.add(t)
    wrong = [Literal("x"), Literal("2021", datatype=rdflib.XSD.gYear), Literal("pinyin", lang="zh-Latn-pinyin"),
             Literal("-3", datatype=rdflib.XSD.integer), Literal("文字", lang="zh"), Literal("x", lang="en"),
             URIRef("http://example.org/elsewhere"), Literal("not a date", datatype=rdflib.XSD.date)]
    done = set()
    for s, p, o in rnd.sample(triples, len(triples)):
        if len(done) >= n or s in done:
            continue
        done.add(s)
        how = rnd.choice(["delete", "replace", "add", "retype"])
        if how == "delete":
            broken.remove((s, p, o))
        elif how == "replace":
            broken.remove((s, p, o))
            broken.add((s, p, rnd.choice(wrong)))
        elif how == "add":
            broken.add((s, p, rnd.choice(wrong)))
        else:
            other = rnd.choice(sorted({c for c in graph.objects(None, RDF_TYPE)}))
            broken.remove((s, RDF_TYPE, None))
            broken.add((s, RDF_TYPE, other))
    return broken


@pytest.fixture(scope="module")
def published() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "lod" / "gonghui.ttl", format="turtle")


@pytest.fixture(scope="module")
def small() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "tests" / "rdf" / "graphs" / "valid.ttl", format="turtle")


def test_good_data_conforms_in_both(published, small):
    assert reference(published) == set() == ours(published)
    assert reference(small) == set() == ours(small)


@pytest.mark.parametrize("seed", range(6))
def test_broken_copies_give_the_same_results_as_pyshacl(small, seed):
    broken = mutate(small, seed, 12)
    expected = reference(broken)
    assert expected, "the mutations should break something"
    assert ours(broken) == expected


@pytest.mark.parametrize("seed", [1, 2])
def test_broken_published_data_gives_the_same_results_as_pyshacl(published, seed):
    broken = mutate(published, seed, 80)
    expected = reference(broken)
    assert len(expected) >= 20
    assert ours(broken) == expected


def test_page_data_sees_shared_descriptions():
    """A value's class can come from the shared layer (an entity described elsewhere)."""
    shapes = compiled_shapes()
    page = ox.NamedNode("https://w3id.org/gonghui/id/article/p/1")
    person = ox.NamedNode("https://w3id.org/gonghui/id/person/zhang-san")
    schema = "http://schema.org/"
    shared = Data([ox.Triple(person, ox.NamedNode(str(RDF_TYPE)), ox.NamedNode(schema + "Person"))])
    own = [ox.Triple(page, ox.NamedNode(str(RDF_TYPE)), ox.NamedNode(schema + "NewsArticle")),
           ox.Triple(page, ox.NamedNode(schema + "author"), person)]
    with_shared = {(r.path.value if r.path else None) for r in shapes.check(Data(own, shared=shared))}
    without = {(r.path.value if r.path else None) for r in shapes.check(Data(own))}
    assert schema + "author" in without - with_shared


def test_an_unimplemented_component_is_refused():
    ttl = b"""@prefix sh: <http://www.w3.org/ns/shacl#> .
    <http://example.org/S> a sh:NodeShape ; sh:targetClass <http://example.org/C> ;
        sh:sparql [ sh:select "SELECT $this WHERE { }" ] ."""
    with pytest.raises(ShapesError, match="sparql"):
        Shapes(ox.parse(ttl, format=ox.RdfFormat.TURTLE))
