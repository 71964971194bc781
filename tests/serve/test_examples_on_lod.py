"""The query page's examples answer the users' six questions on the published lod/: each is run
through SPARQLWrapper against a real `gonghui serve` of the committed dumps, and its answer is
checked against the same thing counted in Python over the parsed TriG (issue 19)."""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, SKOS
from servers import running_serve
from SPARQLWrapper import JSON, SPARQLWrapper

from gonghui.serve.query_page import examples

ROOT = Path(__file__).parents[2]
GH, SCHEMA, ORG, OA, TIME = (rdflib.Namespace(n) for n in (
    "https://w3id.org/gonghui/ontology#", "http://schema.org/", "http://www.w3.org/ns/org#",
    "http://www.w3.org/ns/oa#", "http://www.w3.org/2006/time#"))


@pytest.fixture(scope="module")
def dump():
    ds = rdflib.Dataset(default_union=True)
    ds.parse(ROOT / "lod" / "gonghui.trig")
    return ds


@pytest.fixture(scope="module")
def answers():
    """Every example's rows, as {variable: value} dicts, from the served lod/."""
    out = {}
    with running_serve(cwd=ROOT) as served:
        for example in examples():
            sw = SPARQLWrapper(served.url + "/sparql")
            sw.setQuery(example["query"])
            sw.setReturnFormat(JSON)
            result = sw.queryAndConvert()["results"]["bindings"]
            out[example["title"].split(" · ")[1]] = [{k: v["value"] for k, v in b.items()} for b in result]
    return out


def one(g, s, p):
    """The one object of (s, p), or None; None for s = None (rdflib would read it as a wildcard)."""
    return None if s is None else next(iter(g.objects(s, p)), None)


def test_who_held_which_post_is_one_row_per_printing_with_its_own_date(answers, dump):
    rows = answers["Who holds which posts where"]
    printings = set(dump.subjects(RDF.type, GH.Attestation))
    assert len(rows) == len(printings) > 100
    by_title = Counter((r["name"], r["printed"], r.get("date")) for r in rows)
    expected = Counter()
    for a in printings:
        person = one(dump, one(dump, a, GH.attests), ORG.member)
        date = one(dump, one(dump, a, GH.attestedAt), TIME.inXSDDate)
        expected[(str(one(dump, person, SCHEMA.name)), str(one(dump, a, GH.postTitle)),
                  str(date) if date is not None else None)] += 1
    assert by_title == expected
    inferred = [r for r in rows if r.get("inferred") == "true"]
    assert len(inferred) == len(set(dump.subjects(GH.dateInferred, None))) > 0
    assert all(r.get("date") for r in inferred)             # an inferred date is always a date


def test_the_people_of_an_organisation_count_each_posts_printings(answers, dump):
    rows = [r for r in answers["People of an organisation"] if r["unit"] == r["organisation"]]   # direct posts
    got = {(r["org"], r["person"], r["role"]): (int(r["printings"]), r.get("first"), r.get("last")) for r in rows}
    expected = {}
    for m in dump.subjects(RDF.type, ORG.Membership):
        org, person = one(dump, m, ORG.organization), one(dump, m, ORG.member)
        role = str(one(dump, one(dump, m, ORG.role), SKOS.prefLabel))
        printings = set(dump.subjects(GH.attests, m))
        dates = sorted(str(d) for a in printings if (d := one(dump, one(dump, a, GH.attestedAt), TIME.inXSDDate)))
        expected[(str(org), str(person), role)] = (len(printings), dates[0] if dates else None,
                                                   dates[-1] if dates else None)
    assert got == expected
    assert sum(1 for _, first, _ in got.values() if first) > 20


def test_every_mention_of_a_person_is_listed_once_inside_its_article(answers, dump):
    rows = answers["Every mention of a person"]
    spans = defaultdict(list)
    for article in dump.subjects(GH.sourcePage, None):
        start, end = one(dump, article, GH.startOffset), one(dump, article, GH.endOffset)
        if start is not None:
            spans[one(dump, article, GH.sourcePage)].append((int(start), int(end)))
    expected = 0
    for ann in dump.subjects(RDF.type, OA.Annotation):
        if (one(dump, ann, OA.hasBody), RDF.type, SCHEMA.Person) in dump:
            target = one(dump, ann, OA.hasTarget)
            at = int(one(dump, one(dump, target, OA.hasSelector), OA.start))
            expected += sum(a <= at < b for a, b in spans[one(dump, target, OA.hasSource)])
    assert len(rows) == expected > 100
    assert any(r.get("given") and not r.get("date") for r in rows)   # a speech on an undated page


def test_the_people_a_reporter_wrote_about_are_those_their_items_mention(answers, dump):
    rows = answers["People a reporter wrote about"]
    got = {(r["by"], r["person"]): (int(r["articles"]), r.get("first")) for r in rows}
    articles, dates = Counter(), defaultdict(list)
    for prop in (GH.reporter, GH.correspondent, GH.photographer):
        for article, by in set(dump.subject_objects(prop)):
            date = one(dump, one(dump, article, SCHEMA.isPartOf), SCHEMA.datePublished)
            for person in set(dump.objects(article, SCHEMA.mentions)):
                if person != by and (person, RDF.type, SCHEMA.Person) in dump:
                    articles[(str(by), str(person))] += 1
                    dates[(str(by), str(person))] += [str(date)] if date is not None else []
    assert got == {k: (n, min(dates[k], default=None)) for k, n in articles.items()} and len(got) > 10


def test_slogans_come_in_order_of_their_first_dated_appearance(answers, dump):
    rows = answers["Slogans by first appearance"]
    first = {}
    for slogan in dump.subjects(RDF.type, GH.Slogan):
        dates = [one(dump, one(dump, a, SCHEMA.isPartOf), SCHEMA.datePublished)
                 for a in dump.subjects(SCHEMA.mentions, slogan)]
        if any(True for _ in dump.subjects(SCHEMA.mentions, slogan)):
            first[str(slogan)] = min((str(d) for d in dates if d is not None), default=None)
    assert {r["slogan"]: r.get("first") for r in rows} == first
    order = [r.get("first") or "9999" for r in rows]
    assert order == sorted(order)                            # undated last


def test_every_sub_organisation_reaches_its_top(answers, dump):
    rows = answers["Organisations under a parent"]
    assert rows
    for r in rows:
        org, seen = rdflib.URIRef(r["org"]), set()
        while (parent := one(dump, org, ORG.subOrganizationOf)) is not None and org not in seen:
            seen.add(org)
            org = parent
        assert str(one(dump, org, SCHEMA.name)) == r["top"]


def test_the_mentions_each_source_found_are_counted_as_in_the_dump(answers, dump):
    rows = answers["What found the mentions"]
    counts = Counter()
    for mention in dump.subjects(RDF.type, OA.Annotation):
        source = one(dump, mention, GH.foundBy)
        if one(dump, one(dump, mention, OA.hasBody), RDF.type) == SCHEMA.Person:
            counts[str(source)] += 1
    served = {r["source"]: int(r["mentions"]) for r in rows if r["class"] == str(SCHEMA.Person)}
    assert served == dict(counts) and served["byline"] > 0 and served.get("model", 0) > 0
