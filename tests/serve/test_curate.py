"""`gonghui serve --curate` over HTTP: the form on resource pages, what a POST must carry, and that
it writes the corrections file and never the dataset. The browser test is tests/browser/test_curate_form.py."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from servers import running_serve

from gonghui.curate import load
from gonghui.publish import build

PAGES = Path(__file__).parents[1] / "data" / "curate"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("curate-serve")
    shutil.copytree(PAGES, root / "seeds")
    assert build(root / "seeds", root / "lod", workers=1)
    return root


@pytest.fixture(scope="module")
def curating(project):
    with running_serve("--curate", cwd=project) as served:
        yield served


def person_page(site, name: str) -> tuple[str, str]:
    """The path of the person of that name, and its page."""
    r = httpx.get(site.url + "/search", params={"q": name, "format": "json"})
    iri = next(h["iri"] for h in r.json()["results"] if h["label"] == name)
    path = "/id/" + iri.split("/id/", 1)[1]
    return path, httpx.get(site.url + path, headers={"accept": "text/html"}).text


def token(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def test_without_curate_there_is_no_form_and_nothing_to_post_to(project):
    with running_serve(cwd=project) as served:
        _, page = person_page(served, "周建萍")
        assert 'action="/curate"' not in page
        assert httpx.post(served.url + "/curate", data={"op": "merge"}).status_code == 404


def test_a_person_page_offers_a_merge_prefilled_with_its_iri(curating):
    path, page = person_page(curating, "周建萍")
    assert '<option value="merge" selected>' in page
    assert re.search(r'<textarea name="people"[^>]*>https://w3id.org/gonghui/id/person/[^<]+\n</textarea>', page)


def test_a_suggestion_is_appended_to_the_file_not_to_the_dataset(curating, project):
    path, page = person_page(curating, "周建萍")
    before = (project / "lod" / "gonghui.trig").read_bytes()
    iri = "https://w3id.org/gonghui/id/" + path[len("/id/"):]
    r = httpx.post(curating.url + "/curate", data={
        "token": token(page), "op": "merge", "people": f"{iri}\n周建平", "by": "Li Hua",
        "note": "one secretary printed two ways", "back": iri})
    assert r.status_code == 303 and r.headers["location"].startswith(path + "?curated=")
    shown = httpx.get(curating.url + r.headers["location"]).text
    assert "Written to the corrections file" in shown
    fixes = load(project / "corrections")
    assert [(c.op, c.people, c.by, c.note) for c in fixes] == [("merge", (iri, "周建平"), "Li Hua", "one secretary printed two ways")]
    assert fixes[0].date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", fixes[0].date)
    assert (project / "lod" / "gonghui.trig").read_bytes() == before
    again = httpx.post(curating.url + "/curate", data={"token": token(page), "op": "merge", "people": f"{iri}\n周建平"})
    assert again.status_code == 400 and "already holds this correction" in again.text


@pytest.mark.parametrize("change, status", [
    ({"token": "forged"}, 403),
    ({"origin": "http://attacker.example"}, 403),
    ({"json": True}, 415),
    ({"op": "explode"}, 400),
])
def test_what_a_suggestion_must_carry(curating, change, status):
    _, page = person_page(curating, "王海")
    data = {"token": change.get("token", token(page)), "op": change.get("op", "rename"),
            "organisation": "某工会", "name": "某某工会"}
    headers = {"origin": change["origin"]} if "origin" in change else {}
    if change.get("json"):
        r = httpx.post(curating.url + "/curate", json=data, headers=headers)
    else:
        r = httpx.post(curating.url + "/curate", data=data, headers=headers)
    assert r.status_code == status


def test_curate_is_refused_on_a_public_address(project):
    run = subprocess.run([sys.executable, "-m", "gonghui.cli", "serve", "--curate", "--host", "0.0.0.0",
                          "--port", "0"], cwd=project, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip() == ("gonghui: --curate writes corrections from this machine only: "
                                  "serve it on 127.0.0.1 or ::1, not 0.0.0.0")
