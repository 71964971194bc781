"""Corrections that survive every rebuild: each operation on invented pages built with and without
it, the provenance it leaves, determinism, stale corrections, malformed files, incremental rebuilds,
and a merge whose old IRI still resolves on a real `gonghui serve`."""
from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef
from servers import running_serve

from gonghui.convert import read_page
from gonghui.curate import Correction, from_table, load, parse, to_toml
from gonghui.errors import InputError
from gonghui.publish import build
from gonghui.serve.query_page import examples

PAGES = Path(__file__).parents[1] / "data" / "curate"
ID = "https://w3id.org/gonghui/id/"
GH = rdflib.Namespace("https://w3id.org/gonghui/ontology#")
SCHEMA = rdflib.Namespace("http://schema.org/")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
OA = rdflib.Namespace("http://www.w3.org/ns/oa#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
PREFIXES = """PREFIX gh: <https://w3id.org/gonghui/ontology#> PREFIX schema: <http://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#> PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


class Built:
    """A build of the invented pages with some corrections: the dataset and what it printed."""

    def __init__(self, root: Path, printed: list[str]):
        self.root, self.printed = root, "\n".join(printed)
        self.g = rdflib.Dataset(default_union=True)
        self.g.parse(root / "lod" / "gonghui.trig", format="trig")

    def rows(self, query: str) -> set[tuple]:
        return {tuple(str(v) if v is not None else None for v in row) for row in self.g.query(PREFIXES + query)}

    def posts(self, name: str) -> set[tuple[str, str, str]]:
        """(person IRI, organisation, role) of every post of the people of that name."""
        return self.rows(f"""SELECT ?p ?o ?r WHERE {{ ?p schema:name "{name}"@zh . ?m org:member ?p ;
            org:organization/schema:name ?o ; org:role/skos:prefLabel ?r }}""")

    def mentions(self, page: str, kind: str) -> set[str]:
        """The offsets (start-end) of the page's mentions of that kind."""
        return {iri.rsplit("/", 1)[1].rsplit("-", 1)[0] for (iri,) in self.rows(
            "SELECT ?m WHERE { ?m a oa:Annotation }") if f"/mention/{page}/" in iri and iri.endswith("-" + kind)}


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("curate-cache")


@pytest.fixture
def make(tmp_path, cache):
    """make(toml) → Built: the invented pages built with that corrections file."""
    def run(toml: str | None, root: Path | None = None, strict: bool = False) -> Built:
        root = root or tmp_path / "project"
        if not (root / "seeds").exists():
            shutil.copytree(PAGES, root / "seeds")
        fixes = root / "corrections"
        shutil.rmtree(fixes, ignore_errors=True)
        if toml is not None:
            fixes.mkdir()
            (fixes / "archivist.toml").write_text(toml, encoding="utf-8")
        printed: list[str] = []
        assert build(root / "seeds", root / "lod", workers=1, echo=lambda line, err=False: printed.append(line),
                     cache_dir=cache,
                     corrections=fixes, strict=strict)
        return Built(root, printed)
    return run


@pytest.fixture(scope="module")
def plain(tmp_path_factory, cache) -> Built:
    """The pages built with no correction: what the extractor makes of them."""
    root = tmp_path_factory.mktemp("plain")
    shutil.copytree(PAGES, root / "seeds")
    assert build(root / "seeds", root / "lod", workers=1, cache_dir=cache)
    return Built(root, [])


# ---------------------------------------------------------------- the file

def test_a_correction_round_trips_through_its_toml():
    c = from_table({"op": "not", "kind": "person", "page": "p1.txt", "at": [12, 15], "text": "王\"海",
                    "by": "Li Hua", "date": "2031-05-07", "note": "two\nlines"})
    again = parse(to_toml(c).encode("utf-8"), "x.toml")[0]
    assert (again.op, again.at, again.text, again.note, again.date) == ("not", (12, 15), "王\"海", "two\nlines", "2031-05-07")
    assert again.id == c.id


def test_the_identity_is_what_is_corrected_not_who_or_why():
    a = from_table({"op": "merge", "people": ["甲", "乙"], "by": "A", "note": "x"})
    b = from_table({"op": "merge", "people": ["甲", "乙"], "by": "B", "date": "2031-01-01"})
    c = from_table({"op": "merge", "people": ["乙", "甲"]})
    assert a.id == b.id != c.id


@pytest.mark.parametrize("toml, says", [
    ('[[correction]]\nop = "delete"\n', "op must be one of"),
    ('[[correction]]\nop = "not"\nkind = "person"\n', "needs 'at' or 'text'"),
    ('[[correction]]\nop = "not"\nkind = "robot"\ntext = "x"\n', "kind must be one of"),
    ('[[correction]]\nop = "merge"\npeople = ["甲"]\n', "at least 2"),
    ('[[correction]]\nop = "merge"\npeople = ["甲", "乙"]\npage = "p1.txt"\n', "'page' is not a key"),
    ('[[correction]]\nop = "not"\nkind = "person"\nat = [9, 3]\n', "0 <= start < end"),
    ('[[correction]]\nop = "not"\nkind = "person"\ntext = "x"\ndate = "yesterday"\n', "ISO 8601"),
    ('[[correction]\nop = "not"\n', "not a TOML file"),
    ('[fix]\nop = "not"\n', "unknown table"),
])
def test_a_malformed_file_is_one_line_naming_it(tmp_path, toml, says):
    (tmp_path / "bad.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load(tmp_path)
    assert says in str(err.value) and "bad.toml" in str(err.value) and "\n" not in str(err.value)


def test_the_same_correction_twice_is_refused(tmp_path):
    (tmp_path / "a.toml").write_text('[[correction]]\nop = "rename"\norganisation = "甲"\nname = "乙"\n', "utf-8")
    (tmp_path / "b.toml").write_text('[[correction]]\nop = "rename"\norganisation = "甲"\nname = "乙"\nby = "X"\n', "utf-8")
    with pytest.raises(InputError, match="the same correction as a.toml correction 1"):
        load(tmp_path)


# ---------------------------------------------------------------- each operation

PROVENANCE = 'by = "Li Hua"\ndate = 2031-07-02\nnote = "checked against the print edition"\n'


def test_not_a_person_here_removes_the_mention_and_says_so(make, plain):
    assert "76-78" in plain.mentions("p3", "person")          # 王海 说: the model's proposal
    built = make(f'[[correction]]\nop = "not"\nkind = "person"\npage = "p3.txt"\nat = [76, 78]\ntext = "王海"\n{PROVENANCE}')
    assert "76-78" not in built.mentions("p3", "person")
    assert built.mentions("p3", "person") == plain.mentions("p3", "person") - {"76-78"}
    # the correction is a PROV activity with who, when and why as written, and what it removed
    (c, op, who, when, note, removed), = built.rows("""SELECT ?c ?op ?who ?when ?note ?removed WHERE {
        ?b prov:wasInformedBy ?c . ?c a gh:Correction ; gh:operation ?op ; dcterms:date ?when ;
        prov:wasAssociatedWith/schema:name ?who ; <http://www.w3.org/2000/01/rdf-schema#comment> ?note ;
        gh:removedStatement ?removed }""")
    assert (op, who, when, note) == ("not", "Li Hua", "2031-07-02", "checked against the print edition")
    assert "p3.txt 76-78 “王海”" in removed
    assert "removed: p3.txt 76-78 “王海”" in built.printed


def test_not_a_person_anywhere(make, plain):
    assert plain.rows('SELECT ?p WHERE { ?p schema:name "罗小川"@zh }')
    built = make('[[correction]]\nop = "not"\nkind = "person"\ntext = "罗小川"\n')
    assert not built.rows('SELECT ?p WHERE { ?p schema:name "罗小川"@zh }')
    assert not built.rows('SELECT ?a WHERE { ?a gh:correspondent ?p }')     # nor credited


def test_this_span_is_this_person_where_the_extractor_missed_it(make, plain):
    text = read_page(PAGES / "p3.txt").text          # offsets are into the normalised text
    assert not plain.rows('SELECT ?p WHERE { ?p schema:name "林小东"@zh }')
    built = make('[[correction]]\nop = "is"\nkind = "person"\npage = "p3.txt"\ntext = "小林"\nname = "林小东"\n')
    (mention, exact, found, fix), = built.rows("""SELECT ?m ?exact ?found ?fix WHERE { ?m oa:hasBody ?p ;
        gh:foundBy ?found ; gh:correctedBy ?fix ; oa:hasTarget/oa:hasSelector/oa:exact ?exact .
        ?p schema:name "林小东"@zh }""")
    start = text.index("小林")
    assert mention.endswith(f"/mention/p3/{start}-{start + 2}-person") and exact == "小林" and found == "correction"
    assert fix.startswith(ID + "correction/")
    # the article mentions the person now
    assert built.rows('SELECT ?a WHERE { ?a schema:mentions ?p . ?p schema:name "林小东"@zh }')


def test_this_office_on_this_page_is_another_body(make, plain):
    at = read_page(PAGES / "p1.txt").text.index("市总工会召开")
    query = f"""SELECT ?o WHERE {{ ?m oa:hasBody/schema:name ?o . FILTER(STRENDS(STR(?m), "/p1/{at}-{at + 4}-org")) }}"""
    assert plain.rows(query) == {("绵阳市总工会",)}
    built = make(f'[[correction]]\nop = "is"\nkind = "organisation"\npage = "p1.txt"\nat = [{at}, {at + 4}]\n'
                 'text = "市总工会"\nname = "四川省总工会"\n')
    assert built.rows(query) == {("四川省总工会",)}
    # the other printings of 市总工会 on the page stay the city's federation
    assert len(built.rows('SELECT ?m WHERE { ?m oa:hasBody/schema:name "绵阳市总工会"@zh FILTER(CONTAINS(STR(?m), "/p1/")) }')) >= 2


def test_a_merge_keeps_every_post_of_both_people(make, plain):
    a, b = plain.posts("周建平"), plain.posts("周建萍")
    assert a and b and {p for p, _, _ in a} != {p for p, _, _ in b}      # two people, both with posts
    old = next(iter(b))[0]
    built = make(f'[[correction]]\nop = "merge"\npeople = ["{next(iter(a))[0]}", "周建萍"]\n')
    kept = next(iter(a))[0]
    assert {(o, r) for _, o, r in built.posts("周建平")} == {(o, r) for _, o, r in a | b}
    assert {p for p, _, _ in built.posts("周建平")} == {kept}
    assert (URIRef(old), DCT.isReplacedBy, URIRef(kept)) in built.g
    assert (URIRef(kept), SKOS.altLabel, Literal("周建萍", lang="zh")) in built.g
    assert (URIRef(kept), GH.correctedBy, None) in built.g
    # the attestations of both pages now attest the merged person's posts
    pages = built.rows(f"""SELECT ?page WHERE {{ ?a gh:attests/org:member <{kept}> ; gh:sourcePage ?page }}""")
    assert {p.rsplit("/", 1)[1] for (p,) in pages} >= {"p1", "p2", "p3"}


def test_a_split_makes_the_namesake_of_another_body_another_person(make, plain):
    assert len({p for p, _, _ in plain.posts("王海")}) == 1
    built = make('[[correction]]\nop = "split"\nperson = "王海"\norganisation = "绵阳市科技城管委会工会"\n')
    people = {}
    for p, o, r in built.posts("王海"):
        people.setdefault(p, set()).add((o, r))
    assert {frozenset(posts) for posts in people.values()} == {
        frozenset({("绵阳市科技城管委会工会", "主席")}), frozenset({("绵阳市总工会", "副主席")})}
    assert len(built.rows('SELECT ?p WHERE { ?p a schema:Person ; schema:name "王海"@zh }')) == 2


def test_add_and_remove_a_post(make, plain):
    assert not plain.posts("罗小川")
    assert ("绵阳市总工会", "副主席") in {(o, r) for _, o, r in plain.posts("王海")}
    built = make('[[correction]]\nop = "add-post"\npage = "p1.txt"\nperson = "罗小川"\nrole = "通讯员"\n'
                 'organisation = "绵阳市涪城区总工会"\n\n'
                 '[[correction]]\nop = "remove-post"\nperson = "王海"\nrole = "副主席"\n')
    assert {(o, r) for _, o, r in built.posts("罗小川")} == {("绵阳市涪城区总工会", "通讯员")}
    assert ("绵阳市总工会", "副主席") not in {(o, r) for _, o, r in built.posts("王海")}
    # the added post's attestation says which correction made it; an extracted one says none
    corrected = built.rows("SELECT ?a WHERE { ?a a gh:Attestation ; gh:correctedBy ?c }")
    assert len(corrected) == 1 and "/luo-xiaochuan/" in next(iter(corrected))[0]
    assert "removed: p1.txt: the post 副主席 of 王海 in 绵阳市总工会" in built.printed


def test_a_renamed_organisation_keeps_its_members_and_its_old_iri_redirects(make, plain):
    (old,), = plain.rows('SELECT ?o WHERE { ?o schema:name "绵阳市科技城管委会工会"@zh }')
    built = make('[[correction]]\nop = "rename"\norganisation = "绵阳市科技城管委会工会"\nname = "绵阳科技城管委会工会"\n')
    (new,), = built.rows('SELECT ?o WHERE { ?o schema:name "绵阳科技城管委会工会"@zh }')
    assert new != old and (URIRef(old), DCT.isReplacedBy, URIRef(new)) in built.g
    assert ("绵阳科技城管委会工会", "主席") in {(o, r) for _, o, r in built.posts("王海")}
    assert (URIRef(new), SKOS.altLabel, Literal("绵阳市科技城管委会工会", lang="zh")) in built.g


def test_variants_of_one_slogan(make, plain):
    assert len(plain.rows("SELECT ?s WHERE { ?s a gh:Slogan }")) == 2
    built = make('[[correction]]\nop = "variants"\nslogans = ["安心工程", "职工安心工程"]\n')
    (slogan,), = built.rows("SELECT ?s WHERE { ?s a gh:Slogan }")
    assert (URIRef(slogan), SKOS.altLabel, Literal("职工安心工程", lang="zh")) in built.g
    pages = built.rows(f"SELECT ?m WHERE {{ ?m oa:hasBody <{slogan}> }}")
    assert {m.split("/mention/")[1].split("/")[0] for (m,) in pages} == {"p1", "p2", "p3"}


def test_corrected_statements_can_be_told_from_extracted_ones(make):
    built = make('[[correction]]\nop = "is"\nkind = "person"\npage = "p3.txt"\ntext = "小林"\nname = "林小东"\n')
    (corrected, extracted), = built.rows("""SELECT (SUM(?c) AS ?corrected) (SUM(1 - ?c) AS ?extracted) WHERE {
        ?m a oa:Annotation . BIND(IF(EXISTS { ?m gh:correctedBy ?x }, 1, 0) AS ?c) }""")
    assert int(corrected) == 1 and int(extracted) > 40


# ---------------------------------------------------------------- rebuilds

ALL = ('[[correction]]\nop = "not"\nkind = "person"\npage = "p3.txt"\nat = [76, 78]\n\n'
       '[[correction]]\nop = "merge"\npeople = ["周建平", "周建萍"]\n\n'
       '[[correction]]\nop = "variants"\nslogans = ["安心工程", "职工安心工程"]\n\n'
       '[[correction]]\nop = "add-post"\npage = "p1.txt"\nperson = "罗小川"\nrole = "通讯员"\norganisation = "绵阳市涪城区总工会"\n')


def test_building_twice_with_corrections_is_byte_identical(make, tmp_path):
    first = make(ALL, tmp_path / "one")
    second = make(ALL, tmp_path / "two")
    for name in ("gonghui.ttl", "gonghui.trig", "gonghui.nt.gz", "gonghui.jsonld", "void.ttl", "SHA256SUMS"):
        assert (first.root / "lod" / name).read_bytes() == (second.root / "lod" / name).read_bytes(), name


def test_a_changed_correction_remaps_only_the_page_it_touches(make, tmp_path, cache):
    root = tmp_path / "inc"
    make(ALL, root)
    chunks = {p.name for p in cache.rglob("chunks/*.pkl")}
    make(ALL.replace("[76, 78]", "[113, 116]"), root)          # another span of the same page
    new = {p.name for p in cache.rglob("chunks/*.pkl")} - chunks
    pages = [n for n in new if not n.startswith("entities-")]
    assert len(pages) == 1                                      # p3's graph, and no other page's


def test_a_stale_correction_is_reported_and_strict_refuses(make, tmp_path):
    root = tmp_path / "stale"
    stale = ALL + ('\n[[correction]]\nop = "not"\nkind = "person"\npage = "p2.txt"\nat = [5, 8]\n\n'
                   '[[correction]]\nop = "not"\nkind = "person"\npage = "p9.txt"\ntext = "某某"\n')
    built = make(stale, root)
    assert "corrections: 4 applied, 2 stale, of 6" in built.printed
    assert "no person mention at 5-8 on p2.txt: the extractor no longer finds one" in built.printed
    assert "the page p9.txt is not in the build" in built.printed
    published = (root / "lod" / "gonghui.ttl").read_bytes()
    with pytest.raises(InputError, match=r"2 stale correction\(s\), first archivist.toml correction 5.*--strict"):
        make(stale, root, strict=True)
    assert (root / "lod" / "gonghui.ttl").read_bytes() == published      # nothing published, nothing lost


def test_a_correction_made_stale_by_a_changed_page(make, tmp_path):
    root = tmp_path / "changed"
    toml = '[[correction]]\nop = "not"\nkind = "person"\npage = "p3.txt"\nat = [76, 78]\ntext = "王海"\n'
    assert "1 applied, 0 stale" in make(toml, root).printed
    page = root / "seeds" / "p3.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("王海说", "王大海说"), encoding="utf-8")
    built = make(toml, root)
    assert "p3.txt no longer prints “王海” at 76-78 (it prints “王大”)" in built.printed


def test_the_cli_refuses_a_malformed_file_and_publishes_nothing(tmp_path):
    shutil.copytree(PAGES, tmp_path / "seeds")
    (tmp_path / "corrections").mkdir()
    (tmp_path / "corrections" / "x.toml").write_text('[[correction]]\nop = "merge"\npeople = "甲"\n', "utf-8")
    run = subprocess.run([sys.executable, "-m", "gonghui.cli", "build", "--quiet"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.strip() == "gonghui: x.toml correction 1 (merge): people is a list of at least 2 names"
    assert not (tmp_path / "lod").exists()


def test_gonghui_correct_writes_what_the_build_reads(tmp_path):
    def correct(*args):
        return subprocess.run([sys.executable, "-m", "gonghui.cli", "correct", "--by", "Li Hua", "--date",
                               "2031-07-02", *args], cwd=tmp_path, capture_output=True, text=True)
    assert correct("merge", "周建平", "周建萍").returncode == 0
    assert correct("not", "person", "--page", "p3.txt", "--at", "76-78").returncode == 0
    again = correct("merge", "周建平", "周建萍")
    assert again.returncode == 2 and "already holds this correction" in again.stderr
    bad = correct("not", "person", "--page", "p3.txt")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "needs 'at' or 'text'" in bad.stderr
    fixes = load(tmp_path / "corrections")
    assert [(c.op, c.by, c.date) for c in fixes] == [("merge", "Li Hua", "2031-07-02"), ("not", "Li Hua", "2031-07-02")]
    assert fixes[1].at == (76, 78) and isinstance(fixes[0], Correction)


def test_the_merged_away_iri_redirects_on_a_real_server(make, tmp_path):
    built = make('[[correction]]\nop = "merge"\npeople = ["周建平", "周建萍"]\n', tmp_path / "served")
    (old, new), = built.rows("""SELECT ?old ?new WHERE { ?old dcterms:isReplacedBy ?new . ?new a schema:Person }""")
    with running_serve(cwd=built.root) as served:
        path = old.split("/id/", 1)[1]

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args):
                return None
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as moved:
            opener.open(f"{served.url}/id/{path}")
        assert moved.value.code == 301 and moved.value.headers["Location"].endswith(new.split("/id/", 1)[1])
        from SPARQLWrapper import JSON, SPARQLWrapper
        client = SPARQLWrapper(f"{served.url}/sparql")
        client.setQuery(PREFIXES + f"SELECT (COUNT(?m) AS ?n) WHERE {{ ?m org:member <{new}> }}")
        client.setReturnFormat(JSON)
        n = int(client.query().convert()["results"]["bindings"][0]["n"]["value"])
        assert n == len({(o, r) for _, o, r in built.posts("周建平")}) == 2    # 主席, and the other's 党组书记
        # the query page's example lists the correction and what it changed
        example = next(e for e in examples() if "corrections changed" in e["title"])
        client.setQuery(example["query"])
        rows = [{k: v["value"] for k, v in b.items()} for b in client.query().convert()["results"]["bindings"]]
        assert {(r["operation"], r["change"], r["changed"]) for r in rows} == {
            ("merge", "made or changed", new),
            ("merge", "removed", "the person 周建萍 (its IRI now redirects to the person kept)")}


@pytest.mark.parametrize("keep", ["周建平", "周建萍"])
def test_a_merge_moves_no_iri_to_another_person(make, plain, keep):
    """Whichever is kept, it keeps its IRI and the other's IRI redirects to it: no IRI comes to
    name someone it did not name before (the two names make the same slug)."""
    other = "周建萍" if keep == "周建平" else "周建平"
    iris = {name: next(iter(plain.posts(name)))[0] for name in (keep, other)}
    built = make(f'[[correction]]\nop = "merge"\npeople = ["{keep}", "{other}"]\n')
    assert {p for p, _, _ in built.posts(keep)} == {iris[keep]}
    assert (URIRef(iris[other]), DCT.isReplacedBy, URIRef(iris[keep])) in built.g
    assert not built.rows(f"SELECT ?n WHERE {{ <{iris[other]}> schema:name ?n }}")


def test_a_place_by_its_name_is_never_one(make, plain):
    """A place is keyed by its division code, not its name: the name still finds the pages."""
    query = 'SELECT ?m WHERE { ?m oa:hasBody/schema:name "游仙区"@zh }'
    assert plain.rows(query)
    built = make('[[correction]]\nop = "not"\nkind = "place"\ntext = "游仙区"\n')
    assert not built.rows(query) and "1 applied, 0 stale" in built.printed


def test_not_a_slogan(make, plain):
    query = 'SELECT ?s WHERE { ?s a gh:Slogan ; skos:prefLabel "职工安心工程"@zh }'
    assert plain.rows(query)
    built = make('[[correction]]\nop = "not"\nkind = "slogan"\npage = "p3.txt"\ntext = "职工安心工程"\n')
    assert not built.rows(query)
    assert built.rows('SELECT ?s WHERE { ?s a gh:Slogan ; skos:prefLabel "安心工程"@zh }')


def test_a_rename_remaps_only_the_pages_naming_the_body(make, tmp_path, cache):
    """A corpus-level correction changes the IRIs some pages refer to: those pages, and only
    those, are mapped again (涪城区总工会 is printed on p1 alone)."""
    root = tmp_path / "inc-rename"
    make(ALL, root)
    chunks = {p.name for p in cache.rglob("chunks/*.pkl")}
    built = make(ALL + '\n[[correction]]\nop = "rename"\norganisation = "绵阳市涪城区总工会"\nname = "涪城区总工会"\n', root)
    assert "5 applied, 0 stale" in built.printed
    new = [n for n in {p.name for p in cache.rglob("chunks/*.pkl")} - chunks if not n.startswith("entities-")]
    assert len(new) == 1
