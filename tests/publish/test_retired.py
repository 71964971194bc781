"""The register of retired IRIs: `gonghui retire` finds what an earlier dump published and the
current lod/ no longer mints, with the successor its mentions now belong to; the build states
dcterms:isReplacedBy or owl:deprecated for each; a real `gonghui serve` answers 301 and 410."""
import gzip
import re
import shutil

import httpx
import pytest
from click.testing import CliRunner

from gonghui.cli import main
from gonghui.publish import build
from gonghui.publish.retired import load
from tests.servers import running_serve

BASE = "https://w3id.org/gonghui/id/"


@pytest.fixture(scope="module")
def project(invented_project, tmp_path_factory):
    root = tmp_path_factory.mktemp("retired")
    shutil.copytree(invented_project / "seeds", root / "seeds")
    shutil.copytree(invented_project / "lod", root / "lod")
    lines = gzip.open(root / "lod" / "gonghui.nt.gz", "rt", encoding="utf-8").read().splitlines()
    org = sorted({m.group(1) for line in lines if (m := re.match(rf"<{BASE}(org/[a-z0-9-]+)> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", line))})[0]
    # the dump an "earlier extractor" published: this organisation under another slug, and a place
    # that was never one
    old = [line.replace(f"<{BASE}{org}>", f"<{BASE}{org}-old>") for line in lines]
    old.append(f"<{BASE}place/never-a-place> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://schema.org/Place> .")
    with gzip.open(root / "old.nt.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(old) + "\n")
    return root, org


def test_retire_finds_the_successor_by_mentions_and_the_build_publishes_it(project):
    root, org = project
    r = CliRunner().invoke(main, ["retire", str(root / "old.nt.gz"), "--out", str(root / "lod"),
                                  "--register", str(root / "retired.tsv")])
    assert r.exit_code == 0, r.output
    table = load(root / "retired.tsv")
    assert table[f"{org}-old"] == org and table["place/never-a-place"] is None
    assert not [k for k in table if k == org]                # what is minted now is not retired
    assert build(root / "seeds", root / "lod", workers=1, cache=False)
    nt = gzip.open(root / "lod" / "gonghui.nt.gz", "rt", encoding="utf-8").read()
    assert f"<{BASE}{org}-old> <http://purl.org/dc/terms/isReplacedBy> <{BASE}{org}> ." in nt
    assert f"<{BASE}place/never-a-place> <http://www.w3.org/2002/07/owl#deprecated> " in nt
    with running_serve(cwd=root) as served:
        moved = httpx.get(f"{served.url}/id/{org}-old", headers={"accept": "text/turtle"})
        assert moved.status_code == 301 and moved.headers["location"] == f"{served.url}/id/{org}"
        gone = httpx.get(f"{served.url}/id/place/never-a-place", headers={"accept": "text/html"})
        assert gone.status_code == 410 and "withdrawn" in gone.text
        assert httpx.get(f"{served.url}/id/{org}", headers={"accept": "text/turtle"}).status_code == 200


def test_an_entry_minted_again_is_not_redirected_and_a_bad_register_stops_the_build(project, tmp_path):
    root, org = project
    seeds = tmp_path / "seeds"
    shutil.copytree(root / "seeds", seeds)
    (tmp_path / "retired.tsv").write_text(f"{org}\tplace/never-a-place\n", encoding="utf-8")
    assert build(seeds, tmp_path / "lod", workers=1, cache=False)
    nt = gzip.open(tmp_path / "lod" / "gonghui.nt.gz", "rt", encoding="utf-8").read()
    assert f"<{BASE}{org}> <http://purl.org/dc/terms/isReplacedBy>" not in nt
    (tmp_path / "retired.tsv").write_text("not a line of the register\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["build", "--seeds", str(seeds), "--out", str(tmp_path / "lod2")])
    assert r.exit_code == 2 and "retired.tsv:1:" in r.output and "Traceback" not in r.output
