"""IRIs: readable pinyin slugs, distinct on collision, always valid."""
import pyoxigraph
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st

from gonghui.rdf.iri import Minter, pinyin_label, slug


def test_readable_slugs():
    assert slug("郑国平", person=True) == "zheng-guoping"
    assert slug("欧阳明远", person=True) == "ouyang-mingyuan"
    assert slug("杭州市总工会") == "hangzhou-shi-zonggonghui"
    assert pinyin_label("郑国平", person=True) == "Zheng Guoping"


def test_collisions_get_distinct_stable_slugs():
    m = Minter()
    m.assign("person", {"张伟": "张伟", "章玮": "章玮", "张三": "张三"})
    a, b = m("person", "张伟"), m("person", "章玮")
    assert a != b and {a, b} >= {"zhang-wei"}
    again = Minter()
    again.assign("person", {"章玮": "章玮", "张伟": "张伟", "张三": "张三"})
    assert again("person", "章玮") == b and again("person", "张伟") == a


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=40))
def test_any_text_gives_a_valid_iri(text):
    s = slug(text)
    assert s and all(c.islower() or c.isdigit() or c == "-" for c in s)
    iri = f"https://w3id.org/gonghui/id/person/{s}"
    pyoxigraph.NamedNode(iri)
    g = rdflib.Graph()
    g.add((rdflib.URIRef(iri), rdflib.RDF.type, rdflib.URIRef("http://schema.org/Person")))
    [triple] = list(pyoxigraph.parse(g.serialize(format="nt"), format=pyoxigraph.RdfFormat.N_TRIPLES))
    assert triple.subject.value == iri
