"""`gonghui serve --store DIR`: an on-disk store loaded once and reused while the files are unchanged.

Data: small invented TriG pages written by the tests (no seed content).
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from servers import running_serve

from gonghui.errors import InputError
from gonghui.serve import store as serve_store
from gonghui.serve.store import STORE_MANIFEST, open_store

ID = "https://w3id.org/gonghui/id/"
PAGE1, PAGE2 = ID + "graph/page/901_test", ID + "graph/page/902_test"
# Two invented pages; the name of 甄一鸣 is printed on both (the merged default graph holds it once).
SAMPLE = f"""@prefix schema: <http://schema.org/> .
@prefix person: <{ID}person/> .
@prefix org: <{ID}org/> .
<{PAGE1}> {{
  person:zhen-yiming a schema:Person ; schema:name "甄一鸣"@zh .
  org:qinghe-jixie a schema:Organization ; schema:name "青禾县机械工会"@zh .
}}
<{PAGE2}> {{
  person:zhen-yiming schema:name "甄一鸣"@zh .
  person:bai-zhiqiu a schema:Person ; schema:name "柏知秋"@zh .
}}
"""
EXTRA = f'<{PAGE2}> {{ <{ID}person/bai-zhiqiu> <http://schema.org/jobTitle> "班组长"@zh . }}\n'
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture
def data(tmp_path) -> Path:
    path = tmp_path / "pages.trig"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


def beside(store: Path) -> list[str]:
    """What else lies next to the store folder (half loads, replaced stores)."""
    return sorted(p.name for p in store.parent.iterdir() if p.name != store.name and p.name.startswith("."))


def count(db: str) -> int:
    store = ox.Store.read_only(db)
    return int(next(iter(store.query(COUNT)))["n"].value)


def test_the_first_start_loads_and_records_the_sources(tmp_path, data):
    store = tmp_path / "store"
    dataset = open_store([data], store)
    assert (dataset.reused, dataset.store, dataset.triples) == (False, store, 6)
    assert dataset.graphs == [PAGE1, PAGE2]
    assert count(dataset.store_dir) == 6
    manifest = json.loads((store / STORE_MANIFEST).read_text(encoding="utf-8"))
    assert manifest["sources"] == [{"file": str(data.resolve()), "bytes": data.stat().st_size,
                                    "sha256": hashlib.sha256(data.read_bytes()).hexdigest()}]
    assert (manifest["triples"], manifest["graphs"]) == (6, [PAGE1, PAGE2])
    assert beside(store) == []


def test_a_later_start_reuses_the_store_without_parsing(tmp_path, data, monkeypatch):
    store = tmp_path / "store"
    open_store([data], store)

    def no_parsing(*args, **kwargs):
        raise AssertionError("the files were parsed again")

    monkeypatch.setattr(serve_store, "_load_file", no_parsing)
    dataset = open_store([data], store)
    assert (dataset.reused, dataset.triples, dataset.graphs) == (True, 6, [PAGE1, PAGE2])
    assert count(dataset.store_dir) == 6


def test_a_changed_file_is_loaded_again(tmp_path, data):
    store = tmp_path / "store"
    open_store([data], store)
    data.write_text(SAMPLE + EXTRA, encoding="utf-8")
    dataset = open_store([data], store)
    assert (dataset.reused, dataset.triples) == (False, 7)
    assert count(dataset.store_dir) == 7
    manifest = json.loads((store / STORE_MANIFEST).read_text(encoding="utf-8"))
    assert manifest["key"]["sha256"] == [hashlib.sha256(data.read_bytes()).hexdigest()]
    assert beside(store) == []   # the replaced store is gone
    assert open_store([data], store).reused


def test_a_touched_but_unchanged_file_is_reused(tmp_path, data):
    store = tmp_path / "store"
    open_store([data], store)
    os.utime(data, (time.time() + 100, time.time() + 100))   # same bytes, newer time: the hash decides
    assert open_store([data], store).reused


def test_another_base_or_another_file_list_loads_again(tmp_path, data):
    store = tmp_path / "store"
    open_store([data], store)
    assert not open_store([data], store, base="https://example.org/id/").reused
    extra = tmp_path / "extra.trig"
    extra.write_text(EXTRA, encoding="utf-8")
    dataset = open_store([data, extra], store, base="https://example.org/id/")
    assert (dataset.reused, dataset.triples) == (False, 7)


def test_an_interrupted_load_leaves_the_old_store_in_place(tmp_path, data, monkeypatch):
    store = tmp_path / "store"
    open_store([data], store)
    before = (store / STORE_MANIFEST).read_text(encoding="utf-8")
    data.write_text(SAMPLE + EXTRA, encoding="utf-8")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(serve_store, "_load_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        open_store([data], store)
    assert (store / STORE_MANIFEST).read_text(encoding="utf-8") == before
    assert count(str(store / "db")) == 6
    assert beside(store) == []


def test_a_killed_load_never_leaves_a_half_store(tmp_path, data):
    """SIGKILL a real load mid-way: the old store stays whole, the half load is cleared next time."""
    store = tmp_path / "store"
    open_store([data], store)
    big = tmp_path / "big.nq"
    with open(big, "w", encoding="utf-8") as fh:
        for i in range(150_000):
            fh.write(f'<{ID}person/p{i}> <http://schema.org/name> "测试{i}"@zh <{PAGE1}> .\n')
    code = f"from gonghui.serve.store import open_store; open_store([{str(big)!r}], {str(store)!r})"
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 60
        # Kill once the new store exists on disk (pyoxigraph has opened it), i.e. mid-load.
        while not list(tmp_path.glob(".store.loading-*/db/*")):
            assert proc.poll() is None, "the load ended before it could be killed"
            assert time.monotonic() < deadline, "the load did not start"
            time.sleep(0.002)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert any(name.startswith(".store.loading-") for name in beside(store))
    # The store folder still holds the complete old data and is reused for the old file …
    dataset = open_store([data], store)
    assert (dataset.reused, count(dataset.store_dir)) == (True, 6)
    # … and the dead process's half load was removed.
    assert beside(store) == []


def test_a_damaged_store_is_loaded_again(tmp_path, data):
    store = tmp_path / "store"
    open_store([data], store)
    (store / "db" / "CURRENT").write_text("damaged")
    dataset = open_store([data], store)
    assert (dataset.reused, count(dataset.store_dir)) == (False, 6)


def test_a_folder_that_is_not_a_store_is_never_replaced(tmp_path, data):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match=rf"^{folder}: not a gonghui store \(no gonghui-store\.json\)"):
        open_store([data], folder)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match=r"file: --store must be a folder, not a file$"):
        open_store([data], tmp_path / "file")


def test_an_empty_folder_and_missing_parents_are_fine(tmp_path, data):
    (tmp_path / "empty").mkdir()
    assert open_store([data], tmp_path / "empty").triples == 6
    assert open_store([data], tmp_path / "a" / "b" / "store").triples == 6


def test_bad_data_is_one_line_and_leaves_nothing(tmp_path):
    bad = tmp_path / "bad.trig"
    bad.write_text(f"<{PAGE1}> {{ <{ID}a> <{ID}b> ", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.trig: cannot be read as TriG"):
        open_store([bad], tmp_path / "store")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.trig"]
    with pytest.raises(InputError, match=r"missing\.trig: no such file"):
        open_store([tmp_path / "missing.trig"], tmp_path / "store")


# ------------------------------------------------------------------ the real command

def serve_once(data: Path, store: Path) -> tuple[str, int]:
    """Start `gonghui serve --store`, read its banner, count the triples over HTTP, stop it."""
    # Stopped with SIGINT (Ctrl-C), the way a person stops it.
    with running_serve("--data", str(data), "--store", str(store), cwd=data.parent, sig=signal.SIGINT) as server:
        assert "serving" in server.banner, server.banner
        response = httpx.post(f"{server.url}/sparql", data={"query": COUNT},
                              headers={"Accept": "application/sparql-results+json"}, timeout=30)
        n = int(response.json()["results"]["bindings"][0]["n"]["value"])
    return server.banner, n


def test_gonghui_serve_store_loads_once_then_reuses(tmp_path, data):
    store = tmp_path / "store"
    banner, n = serve_once(data, store)
    assert f"(store {store}: loaded, reused at the next start)" in banner
    assert n == 6
    assert (store / STORE_MANIFEST).is_file()   # stopping the server keeps the store
    banner, n = serve_once(data, store)
    assert f"(store {store}: reused, the files are unchanged)" in banner
    assert n == 6


def test_a_long_load_into_a_temporary_store_suggests_keeping_one(tmp_path, data, monkeypatch):
    temporary = serve_store.load_dataset([data])
    assert temporary.store is None and temporary.seconds > 0
    assert serve_store.store_note(temporary) == ""                  # quick: nothing to suggest
    monkeypatch.setattr(serve_store, "STORE_HINT_AFTER", temporary.seconds / 2)
    assert "`--store DIR` keeps the store on disk" in serve_store.store_note(temporary)
    kept = open_store([data], tmp_path / "store")
    assert serve_store.store_note(kept) == f" (store {tmp_path / 'store'}: loaded, reused at the next start)"
    again = open_store([data], tmp_path / "store")
    assert again.reused and again.seconds == 0.0
    assert serve_store.store_note(again) == f" (store {tmp_path / 'store'}: reused, the files are unchanged)"


def test_temporary_stores_of_killed_servers_are_removed_at_start(tmp_path, data, monkeypatch):
    """kill -9 skips the clean-up at exit: the next start removes the stores whose server is gone,
    and only those (a running server's store, or a folder of another name, stays)."""
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()                                       # a pid that no longer runs
    stale = tmp_path / f"gonghui-store-{gone.pid}-abc123"
    running = tmp_path / f"gonghui-store-{os.getppid()}-def456"
    other = tmp_path / "gonghui-store-notapid"
    for folder in (stale, running, other):
        (folder / "db").mkdir(parents=True)
    dataset = serve_store.load_dataset([data])
    assert not stale.exists()
    assert running.exists() and other.exists()
    assert Path(dataset.store_dir).parent.name.startswith(f"gonghui-store-{os.getpid()}-")


def test_serving_a_checked_lod_hashes_each_dump_once(tmp_path, monkeypatch):
    """serve checks lod/ against SHA256SUMS, then keys its store on the same digests: a dump of
    gigabytes was hashed twice before the server started."""
    from gonghui.publish import build, settled
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "a.txt").write_text((Path(__file__).parents[1] / "data" / "invented" / "a_dated.txt")
                                             .read_text(encoding="utf-8"), encoding="utf-8")
    assert build(tmp_path / "seeds", tmp_path / "lod", workers=1, cache=False)
    hashed = []
    real = serve_store.sha256_file
    monkeypatch.setattr(serve_store, "sha256_file", lambda p: hashed.append(Path(p).name) or real(p))
    checked = settled(tmp_path / "lod")
    trig = tmp_path / "lod" / "gonghui.trig"
    assert checked[str(trig.resolve())] == hashlib.sha256(trig.read_bytes()).hexdigest()
    ds = open_store([trig], tmp_path / "store", digests=checked)
    assert hashed == [] and ds.triples > 0
    manifest = json.loads((tmp_path / "store" / STORE_MANIFEST).read_text(encoding="utf-8"))
    assert manifest["sources"][0]["sha256"] == checked[str(trig.resolve())]
    open_store([trig], tmp_path / "store2")                 # without them it hashes, as before
    assert hashed == ["gonghui.trig"]
