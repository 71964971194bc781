"""The super-properties the ontology declares are stated in the data beside each use (one documented
exception), so `?x schema:contributor ?p` finds a reporter without a reasoner (issue 19 item 9)."""
from pathlib import Path

import rdflib
from rdflib.namespace import RDFS

from gonghui.rdf.mapping import SUPER_PROPERTIES

ROOT = Path(__file__).parents[2]
GH = rdflib.Namespace("https://w3id.org/gonghui/ontology#")
SCHEMA = rdflib.Namespace("http://schema.org/")


def test_the_table_is_what_the_ontology_declares_but_sourcepage():
    onto = rdflib.Graph().parse(ROOT / "ontology" / "gonghui.ttl")
    declared = {(str(p), str(q)) for p, q in onto.subject_objects(RDFS.subPropertyOf)}
    stated = {(p.value, q.value) for p, q in SUPER_PROPERTIES.items()}
    assert declared - stated == {(str(GH.sourcePage), "http://www.w3.org/ns/prov#wasDerivedFrom")}
    assert stated <= declared


def test_every_credit_is_also_a_contributor(invented_project):
    g = rdflib.Dataset(default_union=True)
    g.parse(invented_project / "lod" / "gonghui.trig")
    credits = {(a, p) for prop in (GH.reporter, GH.correspondent, GH.photographer)
               for a, p in g.subject_objects(prop)}
    assert len(credits) >= 1                               # 记者 韩雪梅
    assert credits <= set(g.subject_objects(SCHEMA.contributor))
    res = g.query("PREFIX schema: <http://schema.org/> SELECT ?n WHERE { ?a schema:contributor/schema:name ?n }")
    assert {str(r[0]) for r in res} == {"韩雪梅"}
