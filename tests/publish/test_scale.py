"""Parallel, incremental and sharded builds, and a build that is killed or cannot write."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from gonghui import publish
from gonghui.cli import main
from gonghui.errors import InputError
from gonghui.publish import FILES, SUMS, build, commit, dataset, dumps, graphs, passes, pool, recover, render, verify
from gonghui.publish.cache import Cache

SEEDS = Path(__file__).parents[2] / "seeds"


def files_of(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES + (SUMS,)}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref")
    assert build(SEEDS, out / "lod", workers=2, cache_dir=out / "cache")
    return out


def built_copy(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the seeds, built once into tmp_path/lod with a cache: (its folder, the cache)."""
    seeds, cache = tmp_path / "seeds", tmp_path / "cache"
    shutil.copytree(SEEDS, seeds)
    assert build(seeds, tmp_path / "lod", workers=1, cache_dir=cache)
    return seeds, cache


def spy(monkeypatch, owner, name: str, note) -> list:
    """Wrap owner.name so that each call first records note(*args, **kwargs); the list of the records."""
    calls, real = [], getattr(owner, name)
    monkeypatch.setattr(owner, name, lambda *args, **kwargs: calls.append(note(*args, **kwargs))
                        or real(*args, **kwargs))
    return calls


def add_line(page: Path, line: str) -> None:
    page.write_text(page.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_one_worker_gives_the_same_bytes_as_two(reference, tmp_path):
    assert build(SEEDS, tmp_path / "lod", workers=1, cache_dir=tmp_path / "cache")
    assert files_of(tmp_path / "lod") == files_of(reference / "lod")


def test_rebuild_converts_only_the_changed_page(tmp_path, monkeypatch):
    seeds, cache = built_copy(tmp_path)
    converted = spy(monkeypatch, pool, "convert_page", lambda path: path.name)
    page = sorted(seeds.glob("*.txt"))[1]
    add_line(page, "本报讯 记者阎明报道 日前,又一段新的报道。")
    assert build(seeds, tmp_path / "lod", workers=1, cache_dir=cache)
    assert converted == [page.name]
    converted.clear()
    assert build(seeds, tmp_path / "lod", workers=1, cache_dir=cache, cache=False)   # --no-cache
    assert len(converted) == len(list(seeds.glob("*.txt")))


def test_rebuild_maps_only_the_pages_whose_graph_can_change(tmp_path, monkeypatch):
    """A page graph comes from the cache unless the page or an IRI it refers to changed; the
    published files are the same as from a build without the cache."""
    seeds, cache = built_copy(tmp_path)
    mapped = spy(monkeypatch, graphs, "page_graph", lambda pe, refs: refs.stem)
    loaded = spy(monkeypatch, Cache, "load_page", lambda cache, source, sha: source)
    assert build(seeds, tmp_path / "lod", workers=1, cache_dir=cache)
    assert mapped == []                                      # nothing changed: nothing mapped
    assert loaded == []                                      # and no page unpickled whole (summaries do)
    page = sorted(seeds.glob("*.txt"))[1]
    add_line(page, "本报讯 日前,又一段新的报道。")
    assert build(seeds, tmp_path / "lod", workers=1, cache_dir=cache)
    assert mapped == [page.stem]
    assert build(seeds, tmp_path / "fresh", workers=1, cache_dir=tmp_path / "other", cache=False)
    assert files_of(tmp_path / "lod") == files_of(tmp_path / "fresh")


def test_page_refs_key_every_iri_a_page_graph_uses():
    """Everything a page graph takes from the corpus is in its refs: every IRI in the graph is
    the page's own (page, article, mention, attestation, build, date) or one of the refs."""
    import tempfile

    from gonghui.convert.resolve import Corpus, add_page, add_parents
    from gonghui.publish.cache import Cache
    from gonghui.publish.pool import convert
    from gonghui.rdf.mapping import Mapper, PageNames
    from gonghui.rdf.page_graph import page_graph
    with tempfile.TemporaryDirectory() as tmp:
        cache = Cache(Path(tmp), "v")
        sources = convert(sorted(SEEDS.glob("*.txt")), cache, 1, None)
        pages = [cache.load_page(s.path.name, s.sha) for s in sources]
    corpus = Corpus()
    for k, pe in enumerate(pages):
        add_page(corpus, k, pe)
    add_parents(corpus)
    mapper = Mapper(corpus)
    own = ("page/", "article/", "mention/", "attestation/", "build/", "date/")
    for k, pe in enumerate(pages):
        refs = mapper.page_refs(k, PageNames.of(pe))
        allowed = {iri for _, iri in refs.iris}
        used = {t.value for triple in page_graph(pe, refs) for t in (triple[0], triple[2])
                if hasattr(t, "value") and type(t).__name__ == "NamedNode" and t.value.startswith(mapper.base)}
        strays = {iri for iri in used - allowed if not iri[len(mapper.base):].startswith(own)}
        assert not strays, strays


def test_entities_rendered_in_pieces_publish_the_same_triples(reference, tmp_path, monkeypatch):
    """A large entities graph is rendered a piece at a time (bounded memory): the dumps still
    parse and hold the same triples, the same graph names, the same counts."""
    import pyoxigraph
    monkeypatch.setattr(graphs, "PIECE", 500)
    assert build(SEEDS, tmp_path / "lod", workers=2, cache_dir=tmp_path / "cache")
    ref = reference / "lod"
    for name, fmt in (("gonghui.trig", pyoxigraph.RdfFormat.TRIG), ("gonghui.ttl", pyoxigraph.RdfFormat.TURTLE)):
        ours = set(map(str, pyoxigraph.parse(path=str(tmp_path / "lod" / name), format=fmt)))
        theirs = set(map(str, pyoxigraph.parse(path=str(ref / name), format=fmt)))
        assert ours == theirs
    assert (tmp_path / "lod" / "gonghui.trig").read_text().count("/graph/entities> {") > 5
    assert (tmp_path / "lod" / "void.ttl").read_text().split("dcat:distribution")[0] == \
        (ref / "void.ttl").read_text().split("dcat:distribution")[0]


def test_corrupted_cache_entry_is_rebuilt(reference, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    assert build(SEEDS, tmp_path / "lod", workers=1, cache_dir=cache)
    pages, summaries = sorted(cache.rglob("pages/*.page.pkl")), sorted(cache.rglob("pages/*.summary.pkl"))
    pages[0].write_bytes(pages[0].read_bytes()[:100])                  # truncated
    summaries[1].write_bytes(b"\0" * 64)                              # garbage, another page's
    converted = spy(monkeypatch, pool, "convert_page", lambda path: path.name)
    assert build(SEEDS, tmp_path / "lod", workers=1, cache_dir=cache)
    assert len(converted) == 2
    assert files_of(tmp_path / "lod") == files_of(reference / "lod")


class _RunsCode:
    """A pickle that runs code when it is loaded: what a writer of the cache folder could plant."""
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "ran"))


def test_a_forged_or_wrong_typed_cache_entry_is_a_miss_and_never_runs(reference, tmp_path, monkeypatch):
    """Issue 18, item 7: an entry with a valid SHA-256 header but another object inside crashed the
    build with a traceback, and one that runs code when unpickled ran it. Entries are signed with a
    key kept outside the cache now: a forged one is not unpickled, a wrong-typed one is a miss."""
    import hashlib
    import pickle
    import zlib

    from gonghui.model import PageEntities
    from gonghui.publish.cache import cache_key
    cache = tmp_path / "cache"
    assert build(SEEDS, tmp_path / "lod", workers=1, cache_dir=cache)
    assert cache_key() and not any(cache_key() in p.read_bytes() for p in cache.rglob("*.pkl"))
    pages, summaries = sorted(cache.rglob("pages/*.page.pkl")), sorted(cache.rglob("pages/*.summary.pkl"))
    marker = tmp_path / "marker"
    forged = zlib.compress(pickle.dumps(_RunsCode(marker)))
    summaries[0].write_bytes(hashlib.sha256(forged).digest() + forged)  # the old, unkeyed header
    Cache._store(pages[1], {"entities": []})                          # signed, but not PageEntities
    assert Cache._load(pages[1], PageEntities) is None and not pages[1].exists()   # a miss, removed
    converted = spy(monkeypatch, pool, "convert_page", lambda path: path.name)
    assert build(SEEDS, tmp_path / "lod", workers=1, cache_dir=cache)
    assert not marker.exists()
    assert len(converted) == 2
    assert files_of(tmp_path / "lod") == files_of(reference / "lod")


def test_a_new_code_version_invalidates_the_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    assert build(SEEDS, tmp_path / "lod", workers=1, cache_dir=cache)
    monkeypatch.setattr(passes, "code_version", lambda: "another-version")
    converted = spy(monkeypatch, pool, "convert_page", lambda path: path.name)
    assert build(SEEDS, tmp_path / "lod", workers=1, cache_dir=cache)
    assert len(converted) == 5


def test_shards_merge_into_the_same_dataset(reference, tmp_path):
    runner = CliRunner()
    for i in (1, 2):
        res = runner.invoke(main, ["build", "--quiet", "--shard", f"{i}/2", "--seeds", str(SEEDS),
                                   "--out", str(tmp_path / f"s{i}")])
        assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["merge", "--quiet", str(tmp_path / "s1"), str(tmp_path / "s2"),
                               "--out", str(tmp_path / "lod")])
    assert res.exit_code == 0, res.output
    assert files_of(tmp_path / "lod") == files_of(reference / "lod")
    bad = runner.invoke(main, ["build", "--shard", "3/2", "--seeds", str(SEEDS), "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2


def test_verify_detects_a_changed_file(reference, tmp_path):
    lod = tmp_path / "lod"
    shutil.copytree(reference / "lod", lod)
    assert verify(lod) == []
    data = bytearray((lod / "gonghui.ttl").read_bytes())
    data[500] ^= 1
    (lod / "gonghui.ttl").write_bytes(bytes(data))
    res = CliRunner().invoke(main, ["verify", str(lod)])
    assert res.exit_code == 1 and "gonghui.ttl" in res.output


def test_interrupted_publish_is_rolled_back_or_forward(reference, tmp_path):
    lod = tmp_path / "lod"
    shutil.copytree(reference / "lod", lod)
    before = files_of(lod)
    half = lod / ".staging-abc"
    half.mkdir()
    (half / "gonghui.ttl").write_text("half written")
    recover(lod)
    assert not half.exists() and files_of(lod) == before
    done = lod / ".staging-def"
    done.mkdir()
    for name in FILES + (SUMS,):
        (done / name).write_bytes(before[name])
    (done / "COMPLETE").write_bytes(b"")
    (lod / "gonghui.ttl").unlink()                  # killed half-way through the moves
    recover(lod)
    assert files_of(lod) == before and not done.exists()


def test_a_publish_killed_after_swapping_a_file_in_is_rolled_forward(reference, tmp_path):
    """Where the dumps are exchanged into place (renameat2), the old file is left in staging
    under the new one's name until it is removed; recovery must not swap it back."""
    lod = tmp_path / "lod"
    shutil.copytree(reference / "lod", lod)
    staging = lod / ".staging-xyz"
    staging.mkdir()
    for name in FILES + (SUMS,):
        (staging / name).write_bytes(b"new " + name.encode())
    commit.mark_complete(staging)
    if not commit._exchange(staging / "gonghui.ttl", lod / "gonghui.ttl"):
        pytest.skip("renameat2 RENAME_EXCHANGE is not available here")
    assert (lod / "gonghui.ttl").read_bytes() == b"new gonghui.ttl"      # killed here
    recover(lod)
    assert files_of(lod) == {name: b"new " + name.encode() for name in FILES + (SUMS,)}
    assert not staging.exists()


def test_sigkill_at_random_points_leaves_the_published_files_intact(reference, tmp_path):
    lod = tmp_path / "lod"
    shutil.copytree(reference / "lod", lod)
    before = files_of(lod)
    cmd = [sys.executable, "-m", "gonghui.cli", "build", "--quiet", "--no-cache", "--seeds", str(SEEDS),
           "--out", str(lod)]
    env = dict(os.environ, PYTHONPATH=str(Path(publish.__file__).parents[2]))
    for delay in (0.5, 2.0, 4.0):
        proc = subprocess.Popen(cmd, env=env, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        recover(lod)
        assert files_of(lod) == before, f"published files changed after a kill at {delay}s"
    assert subprocess.run(cmd, env=env).returncode == 0
    assert verify(lod) == [] and files_of(lod) == before


# A build of four of the five seeds whose process dies after moving its first file into lod/:
# the folder then holds one new dump beside old ones and the old SHA256SUMS (issue 18 item 5).
CRASH_BETWEEN_MOVES = """
import os, sys
from pathlib import Path
from gonghui.publish import build, commit
real, moves = commit._move_over, []
def move_then_die(src, dst):
    real(src, dst)
    moves.append(dst)
    if len(moves) == 1:
        os._exit(9)
commit._move_over = move_then_die
build(Path(sys.argv[1]), Path(sys.argv[2]), workers=1, cache=False)
"""


def disagreeing(lod: Path) -> list[str]:
    """The files of lod/ whose SHA-256 is not the one its SHA256SUMS gives."""
    import hashlib
    sums = dict(line.split("  ")[::-1] for line in (lod / SUMS).read_text().splitlines())
    return [name for name, digest in sorted(sums.items())
            if hashlib.sha256((lod / name).read_bytes()).hexdigest() != digest]


def crashed_between_moves(reference: Path, tmp_path: Path) -> Path:
    """tmp_path/lod: a copy of the reference whose next publish died between two file moves."""
    lod, seeds = tmp_path / "lod", tmp_path / "seeds"
    shutil.copytree(reference / "lod", lod)
    seeds.mkdir()
    for page in sorted(SEEDS.glob("*.txt"))[:4]:
        shutil.copy(page, seeds / page.name)
    env = dict(os.environ, PYTHONPATH=str(Path(publish.__file__).parents[2]))
    res = subprocess.run([sys.executable, "-c", CRASH_BETWEEN_MOVES, str(seeds), str(lod)], env=env)
    assert res.returncode == 9
    assert disagreeing(lod), "the crash left a folder that agrees with its sums: nothing tested"
    return lod


def test_serve_finishes_a_publish_that_died_between_two_moves(reference, tmp_path):
    from servers import running_serve
    lod = crashed_between_moves(reference, tmp_path)
    with running_serve(cwd=tmp_path) as served:
        import httpx
        count = httpx.post(served.url + "/sparql", data={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
                           headers={"accept": "text/csv"}).text.split()[1]
        void = ox.Store()
        void.load(path=str(lod / "void.ttl"), format=ox.RdfFormat.TURTLE)
        stated = {q.object.value for q in void.quads_for_pattern(
            None, ox.NamedNode("http://rdfs.org/ns/void#triples"), None)}
    assert disagreeing(lod) == [] and not list(lod.glob(".staging-*"))
    assert count in stated                  # what it serves is the publish its sums describe
    assert (lod / "gonghui.ttl").read_bytes() != (reference / "lod" / "gonghui.ttl").read_bytes()


def refuse_to_serve(monkeypatch):
    """Make `gonghui serve` fail loudly should it get as far as starting the server."""
    import gonghui.serve

    def served(*args, **kwargs):
        raise AssertionError("the folder was served")
    monkeypatch.setattr(gonghui.serve, "run", served)


def test_readers_refuse_a_half_committed_folder_they_cannot_finish(reference, tmp_path, monkeypatch):
    lod = crashed_between_moves(reference, tmp_path)

    def read_only(*args):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(commit, "_move_over", read_only)
    refuse_to_serve(monkeypatch)
    monkeypatch.chdir(tmp_path)
    for args in (["serve", "--port", "1"], ["push", "lod", "--endpoint", "http://127.0.0.1:1/sparql"]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 2, (args, res.output)
        assert "interrupted midway" in res.output and len(res.output.strip().splitlines()) == 1
    monkeypatch.undo()
    assert verify(lod) == []                # its owner finishes it


def test_a_folder_that_disagrees_with_its_sums_is_not_served(reference, tmp_path, monkeypatch):
    lod = tmp_path / "lod"
    shutil.copytree(reference / "lod", lod)
    (lod / "gonghui.trig").write_bytes((lod / "gonghui.trig").read_bytes() + b"\n")
    refuse_to_serve(monkeypatch)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert res.exit_code == 2 and "gonghui.trig: SHA-256 differs" in res.output


def test_verify_during_a_build_leaves_its_staging_alone(reference, tmp_path):
    """recover() removes only the staging folders of builds that are gone: before the pid in the
    name, a `gonghui verify` run while a build was writing deleted the build's staging."""
    lod = tmp_path / "lod"
    shutil.copytree(reference / "lod", lod)
    live = lod / f".staging-{os.getppid()}-abc"         # a running process: the test runner's parent
    dead = lod / ".staging-999999999-abc"
    for staging in (live, dead):
        staging.mkdir()
        (staging / "gonghui.ttl").write_text("being written")
    assert verify(lod) == []
    assert live.exists() and not dead.exists()


def test_a_folder_that_cannot_be_written_gives_one_clear_error(reference, tmp_path, monkeypatch):
    lod = tmp_path / "lod"
    shutil.copytree(reference / "lod", lod)
    before = files_of(lod)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dataset.tempfile, "mkdtemp", full)
    with pytest.raises(InputError, match="cannot publish.*No space left"):
        build(SEEDS, lod, workers=1, cache_dir=reference / "cache")
    assert files_of(lod) == before
    assert not [p for p in lod.iterdir() if p.name.startswith(".")]


def test_a_changed_entity_renders_only_the_pieces_it_falls_in(tmp_path, monkeypatch):
    """The entities graph is cut where its subjects say, not by counting, so a new person
    re-renders the piece it falls in (and perhaps a neighbour), not every piece after it."""
    monkeypatch.setattr(graphs, "PIECE", 200)
    seeds, cache = built_copy(tmp_path)
    rendered = spy(monkeypatch, graphs, "render_ordered", lambda name, lines: name.value)
    add_line(sorted(seeds.glob("*.txt"))[1], "本报讯 日前,市总工会副主席林小雨在会上讲话。")
    assert build(seeds, tmp_path / "lod", workers=1, cache_dir=cache)
    pieces = (tmp_path / "lod" / "gonghui.trig").read_text(encoding="utf-8").count("/graph/entities> {")
    again = sum(name.endswith("/graph/entities") for name in rendered)
    assert pieces > 8
    assert 1 <= again <= 3
    assert "林小雨" in (tmp_path / "lod" / "gonghui.ttl").read_text(encoding="utf-8")


def test_a_validated_piece_is_checked_again_when_a_node_it_points_to_changes(tmp_path, monkeypatch):
    """A piece's validation is cached with the reads it made of other nodes: unchanged, it is
    not checked again; a changed type of the organisation a post points to is caught."""
    indexes = spy(monkeypatch, graphs, "_validate_piece", lambda piece, key, shared, cache: shared)
    _, cache_dir = built_copy(tmp_path)
    shared = indexes[0]                               # the index the build validated (one worker)
    org_class = ox.NamedNode("http://www.w3.org/ns/org#Organization")
    post = next(s for s in shared.spo if "/membership/" in s.value)
    org = shared.objects(post, ox.NamedNode("http://www.w3.org/ns/org#organization"))[0]
    cache = Cache(cache_dir, "test-version")
    assert graphs._validate_piece([post], "entities-valid-x", shared, cache) == []
    checked = spy(monkeypatch, graphs, "check", lambda data, focus: list(focus))
    assert graphs._validate_piece([post], "entities-valid-x", shared, cache) == []
    assert checked == []
    shared.spo[org][render.RDF_TYPE] = [t for t in shared.types(org) if t != org_class]
    problems = graphs._validate_piece([post], "entities-valid-x", shared, cache)
    assert checked == [[post]]
    assert [(p.focus, p.value) for p in problems] == [(post.value, org.value)]


def test_a_rebuild_reads_unchanged_graphs_back_from_the_published_dumps(tmp_path, monkeypatch):
    """An unchanged graph is copied from the dumps the last build published rather than loaded
    from the cache, while those dumps are the files it wrote; the result is what a build without
    the cache gives."""
    seeds, cache = built_copy(tmp_path)
    lod = tmp_path / "lod"
    loaded = spy(monkeypatch, Cache, "load_chunk", lambda cache, key, always=False: key)
    add_line(sorted(seeds.glob("*.txt"))[1], "本报讯 日前,市总工会副主席林小雨在会上讲话。")
    assert build(seeds, lod, workers=1, cache_dir=cache)
    graphs = [k for k in loaded if not k.startswith("entities-valid-")]
    assert 1 <= len(graphs) <= 2                     # the changed page, the changed entities piece
    assert build(seeds, tmp_path / "fresh", workers=1, cache_dir=tmp_path / "other", cache=False)
    assert files_of(lod) == files_of(tmp_path / "fresh")

    os.utime(lod / "gonghui.jsonld", ns=(0, 0))     # not the file the last build wrote, as far as we know
    loaded.clear()
    assert build(seeds, lod, workers=1, cache_dir=cache)
    graphs = [k for k in loaded if not k.startswith("entities-valid-")]
    assert len(graphs) > len(list(seeds.glob("*.txt")))      # every page graph and entities piece
    assert files_of(lod) == files_of(tmp_path / "fresh")


def test_the_build_runs_without_the_cycle_collector_and_restores_it(reference, tmp_path, monkeypatch):
    import gc
    during = spy(monkeypatch, passes, "convert", lambda *args: gc.isenabled())
    assert gc.isenabled()
    assert build(SEEDS, tmp_path / "lod", workers=1, cache_dir=reference / "cache")
    assert during == [False] and gc.isenabled()
    assert graphs.WORKER_STATE == {}              # the mapper and the entity index are not kept


def test_a_disk_that_fills_up_while_the_dumps_are_written_gives_one_clear_error(reference, tmp_path, monkeypatch):
    """A write of the Writer that fails (the disk is full) reaches the build as one line, and the
    published files stay as they were."""
    lod = tmp_path / "lod"
    shutil.copytree(reference / "lod", lod)
    before = files_of(lod)

    class Full:
        def __init__(self, fh):
            self.fh = fh

        def write(self, data):
            raise OSError(28, "No space left on device")

        def close(self):
            self.fh.close()

    init = dumps.Writer.__init__

    def failing(self, *args):
        init(self, *args)
        self.files["gonghui.jsonld"] = Full(self.files["gonghui.jsonld"])

    monkeypatch.setattr(dumps.Writer, "__init__", failing)
    with pytest.raises(InputError, match="cannot publish.*No space left"):
        build(SEEDS, lod, workers=1, cache_dir=reference / "cache")
    assert files_of(lod) == before
    assert not [p for p in lod.iterdir() if p.name.startswith(".")]
