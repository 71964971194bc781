"""IRIs published before a change of the slug rule keep working: a real `gonghui serve` over the
invented pages answers each with 301 to the IRI that replaced it (stated in the data with
dcterms:isReplacedBy), in the format the old IRI's suffix asked for; current IRIs answer 200."""

import httpx
import pytest

# The old rule cut 主席 after 主 as if it were a surname; its post and the attestations of that
# post carried the old slug in their IRIs too.
MOVED = {"role/zhu-xi": "role/zhuxi",
         "membership/tao-lixin/quzhou-shi-zonggonghui/zhu-xi": "membership/tao-lixin/quzhou-shi-zonggonghui/zhuxi",
         "attestation/a_dated/1/tao-lixin/quzhou-shi-zonggonghui/zhu-xi":
             "attestation/a_dated/1/tao-lixin/quzhou-shi-zonggonghui/zhuxi"}


@pytest.fixture(scope="module")
def served(invented_site):
    return invented_site


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_iri_is_redirected_permanently_to_its_replacement(served, old):
    r = httpx.get(f"{served.url}/id/{old}", headers={"accept": "text/turtle"})
    assert r.status_code == 301
    assert r.headers["location"] == f"{served.url}/id/{MOVED[old]}"
    new = httpx.get(r.headers["location"], headers={"accept": "text/turtle"})
    assert new.status_code == 200


def test_the_redirect_keeps_the_format_suffix_and_is_followed_to_the_new_description(served):
    r = httpx.get(f"{served.url}/id/role/zhu-xi.ttl")
    assert r.status_code == 301 and r.headers["location"] == f"{served.url}/id/role/zhuxi.ttl"
    followed = httpx.get(f"{served.url}/id/role/zhu-xi", headers={"accept": "text/html"}, follow_redirects=True)
    assert followed.status_code == 200 and str(followed.url).endswith("/id/role/zhuxi") and "主席" in followed.text


def test_current_iris_and_unknown_ones_are_not_redirected(served):
    assert httpx.get(f"{served.url}/id/role/zhuxi", headers={"accept": "text/turtle"}).status_code == 200
    assert httpx.get(f"{served.url}/id/person/tao-lixin", headers={"accept": "text/turtle"}).status_code == 200
    assert httpx.get(f"{served.url}/id/role/no-such-role", headers={"accept": "text/turtle"}).status_code == 404


def test_the_replacements_are_queryable(served):
    query = ("SELECT ?old ?new WHERE { ?old <http://purl.org/dc/terms/isReplacedBy> ?new } ORDER BY ?old")
    r = httpx.get(f"{served.url}/sparql", params={"query": query},
                  headers={"accept": "application/sparql-results+json"})
    rows = {b["old"]["value"]: b["new"]["value"] for b in r.json()["results"]["bindings"]}
    base = "https://w3id.org/gonghui/id/"
    assert {base + k: base + v for k, v in MOVED.items()}.items() <= rows.items()
