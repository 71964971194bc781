"""The structure of a corpus's organisations (gonghui.convert.structure) on invented pages of
other provinces: federations under the federation of the division above, up to 中华全国总工会;
industrial unions and bodies under their federation; locations; merged short forms.

tests/data/dev/ is a small dev set: invented pages (orgs.txt, Chengdu; orgs2.txt, Wuhan, written
after the rules) with the organisations, parents and places a reader finds (orgs.json, orgs2.json);
`python tests/convert/test_structure.py` prints precision, recall and F1 for each."""
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from gonghui.convert.extract import extract
from gonghui.convert.read import read_bytes
from gonghui.convert.resolve import resolve
from gonghui.convert.segment import segment
from gonghui.convert.structure import federation_name
from gonghui.lexicon import division_by_code, divisions_by_name
from gonghui.rdf.mapping import Mapper

DEV = Path(__file__).parents[1] / "data" / "dev"


def page(text: str, name: str = "p.txt"):
    return extract(segment(read_bytes(text.encode("utf-8"), name)))


def dev_corpus(stem: str = "orgs"):
    return resolve([page((DEV / f"{stem}.txt").read_text(encoding="utf-8"), f"{stem}.txt")])


def place_name(corpus, key):
    """A division by its full name (the page may print 四川 only), a town by its name."""
    place = corpus.places.get(key)
    if place is None:
        return None
    return division_by_code(place.code).name if place.code else place.display_name


def prf(gold: set, found: set) -> tuple[float, float, float]:
    hit = len(gold & found)
    p, r = (hit / len(found) if found else 0.0), (hit / len(gold) if gold else 1.0)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def dev_figures(stem: str = "orgs") -> dict[str, tuple[float, float, float]]:
    """Organisations, parent links and locations of a dev page against its .json."""
    expected = json.loads((DEV / f"{stem}.json").read_text(encoding="utf-8"))
    corpus = dev_corpus(stem)
    derived = set(expected["derived"])
    found = {n: o for n, o in corpus.organisations.items() if n not in derived}
    gold = expected["organisations"]
    return {
        "organisations": prf(set(gold), set(found)),
        "parents": prf({(n, e["parent"]) for n, e in gold.items() if e["parent"]},
                       {(n, o.parent) for n, o in found.items() if o.parent}),
        "locations": prf({(n, e["place"]) for n, e in gold.items() if e["place"]},
                         {(n, place_name(corpus, o.place)) for n, o in found.items() if o.place}),
    }


@pytest.fixture(scope="module")
def corpus():
    return dev_corpus()


@pytest.mark.parametrize("stem", ["orgs", "orgs2"])
def test_dev_set_figures(stem):
    figures = dev_figures(stem)
    assert figures["organisations"][2] >= 0.9
    assert figures["parents"][2] >= 0.9
    assert figures["locations"][2] >= 0.9


def test_federations_chain_up_to_the_national_federation(corpus):
    parent = {n: o.parent for n, o in corpus.organisations.items()}
    assert parent["成都市双流区黄甲街道总工会"] == "成都市双流区总工会"
    assert parent["成都市双流区总工会"] == "成都市总工会"
    assert parent["金堂县总工会"] == parent["简阳市总工会"] == "成都市总工会"
    assert parent["成都市总工会"] == "四川省总工会"
    assert parent["四川省总工会"] == "中华全国总工会"       # not printed on the page: added
    assert parent["中华全国总工会"] is None
    assert parent["成都高新区总工会"] == "成都市总工会"        # a zone's federation: its city's


def test_industrial_unions_and_bodies_belong_to_their_federation(corpus):
    parent = {n: o.parent for n, o in corpus.organisations.items()}
    for name in ("成都市教育工会", "成都市机械工会", "成都市直机关工会", "成都市总工会法律服务中心"):
        assert parent[name] == "成都市总工会"
    assert parent["四川省总工会干部学校"] == "四川省总工会"
    assert parent["成都市第七中学工会"] == "成都市第七中学"       # an enterprise's union: its unit's


def test_locations_are_the_places_of_the_divisions(corpus):
    where = {n: place_name(corpus, o.place) for n, o in corpus.organisations.items()}
    assert where["金堂县总工会"] == "金堂县"
    assert where["成都市双流区总工会"] == "双流区"
    assert where["四川工人日报社"] == "四川省"             # named by the short form 四川
    assert where["中华全国总工会"] is None
    assert corpus.places[corpus.organisations["金堂县总工会"].place].code == divisions_by_name("金堂县")[0].code


def test_a_county_or_district_short_form_in_a_proper_name_gives_no_location():
    corpus = dev_corpus("orgs2")
    where = {n: place_name(corpus, o.place) for n, o in corpus.organisations.items()}
    assert where["江城工人报"] is None          # 江城 is also a district of another province
    assert where["湖北日报社"] == "湖北省"        # a province's short form is safe
    assert where["武汉市江夏区纸坊街道总工会"] == "纸坊街道"


def test_a_short_form_merges_into_the_one_full_name_it_ends(corpus):
    assert "黄甲街道总工会" not in corpus.organisations
    assert "黄甲街道总工会" in corpus.organisations["成都市双流区黄甲街道总工会"].forms
    assert corpus.org_name("黄甲街道总工会") == "成都市双流区黄甲街道总工会"


def test_a_short_form_of_two_full_names_stays_apart():
    one = page("成都市双流区黄甲街道总工会开展活动。", "a.txt")
    two = page("绵阳市涪城区黄甲街道总工会开展活动。黄甲街道总工会表示。", "b.txt")
    assert "黄甲街道总工会" in resolve([one, two]).organisations


def test_names_of_one_division_and_rest_are_one_body():
    a = page("四川工人日报社总编辑庞雪出席。", "a.txt")
    corpus = resolve([a, page("四川省工人日报社开展活动。", "b.txt")])
    assert "四川工人日报社" in corpus.organisations and "四川省工人日报社" not in corpus.organisations


def test_federations_no_page_prints_are_added_up_to_the_top():
    corpus = resolve([page("金堂县总工会主席祁安出席。", "a.txt")])
    chain, name = [], "金堂县总工会"
    while name:
        chain.append(name)
        name = corpus.organisations[name].parent
    assert chain == ["金堂县总工会", "成都市总工会", "四川省总工会", "中华全国总工会"]
    assert all(not corpus.organisations[n].forms for n in chain[1:])     # printed nowhere


def test_the_dev_page_builds_and_validates(tmp_path):
    from gonghui.publish import build
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "orgs.txt").write_bytes((DEV / "orgs.txt").read_bytes())
    assert build(seeds, tmp_path / "lod") is True
    named = {q.subject.value for q in ox.parse(path=str(tmp_path / "lod" / "gonghui.ttl"), format=ox.RdfFormat.TURTLE)
             if q.predicate.value == "http://schema.org/name" and q.object == ox.Literal("锦城工运", language="zh")}
    assert len(named) == 1 and "/newspaper/" in named.pop()      # the paper, once


def test_an_enterprise_printed_at_the_start_of_its_offices_name_is_its_parent():
    corpus = resolve([page("成都铁路局重庆办事处工会主席邝远出席。", "a.txt")])
    parent = {n: o.parent for n, o in corpus.organisations.items()}
    assert parent["成都铁路局重庆办事处工会"] == "成都铁路局重庆办事处"
    assert parent["成都铁路局重庆办事处"] == "成都铁路局"
    assert corpus.organisations["成都铁路局"].kind == "company"


def test_federation_names_follow_the_extractor():
    assert federation_name(divisions_by_name("双流区")[0]) == "成都市双流区总工会"
    assert federation_name(divisions_by_name("金堂县")[0]) == "金堂县总工会"
    assert federation_name(divisions_by_name("四川省")[0]) == "四川省总工会"


def test_mapping_links_parents_locations_and_the_newspaper(corpus):
    m = Mapper(corpus)
    g = m.entities_graph()
    sub, loc = ox.NamedNode("http://www.w3.org/ns/org#subOrganizationOf"), ox.NamedNode("http://schema.org/location")
    assert (m.org("四川省总工会"), sub, m.org("中华全国总工会")) in g
    assert (m.org("金堂县总工会"), loc, m.place(divisions_by_name("金堂县")[0].code)) in g
    # the paper's title as an organisation is the newspaper's own node, not a second one
    assert m.org("锦城工运") == m.newspaper("锦城工运")
    assert m.org("黄甲街道总工会") == m.org("成都市双流区黄甲街道总工会")


if __name__ == "__main__":
    for stem in ("orgs", "orgs2"):
        for what, (p, r, f) in dev_figures(stem).items():
            print(f"{stem:6s} {what:14s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
