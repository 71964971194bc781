"""The data behind the server: dumps loaded into an Oxigraph store (the default graph the merge of
the named graphs), a persistent store kept with `--store DIR`, and the documents served as files."""
from __future__ import annotations

import atexit
import functools
import gzip
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, parse, serialize

from ..errors import InputError
from ..folders import owner_gone, sha256_file
from ..vocab import DEFAULT_BASE

DATA_FORMATS = {".ttl": RdfFormat.TURTLE, ".turtle": RdfFormat.TURTLE, ".nt": RdfFormat.N_TRIPLES,
                ".nq": RdfFormat.N_QUADS, ".trig": RdfFormat.TRIG, ".rdf": RdfFormat.RDF_XML,
                ".owl": RdfFormat.RDF_XML, ".xml": RdfFormat.RDF_XML, ".jsonld": RdfFormat.JSON_LD,
                ".n3": RdfFormat.N3}


@dataclass
class Dataset:
    store_dir: str
    triples: int          # distinct triples of the (merged) default graph
    graphs: list[str]     # names of the named graphs
    files: list[Path]
    store: Path | None = None   # the persistent store folder (--store), None for a temporary store
    reused: bool = False        # the persistent store was reused without parsing the files
    seconds: float = 0.0        # how long loading the files took (0 when a store was reused)

    @functools.cached_property
    def graph_set(self) -> frozenset[str]:
        return frozenset(self.graphs)


def _data_format(path: Path) -> tuple[RdfFormat, bool]:
    suffixes = [s.lower() for s in path.suffixes]
    zipped = bool(suffixes) and suffixes[-1] == ".gz"
    suffix = (suffixes[-2] if zipped and len(suffixes) > 1 else suffixes[-1] if suffixes else "")
    if suffix not in DATA_FORMATS:
        raise InputError(f"{path}: unknown RDF format {suffix or '(no suffix)'!r}; "
                         f"use {', '.join(sorted(DATA_FORMATS))} (optionally .gz)")
    return DATA_FORMATS[suffix], zipped


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _with_default_copies(quads):
    """Each quad, plus a copy in the default graph of every quad in a named graph."""
    for q in quads:
        yield q
        if not isinstance(q.graph_name, DefaultGraph):
            yield Quad(q.subject, q.predicate, q.object)


def _load_file(store: Store, path: Path, base: str, scratch: Path) -> None:
    fmt, zipped = _data_format(path)
    try:
        with (gzip.open(path, "rb") if zipped else open(path, "rb")) as fh:
            if not fmt.supports_datasets:
                store.bulk_load(fh, fmt, base_iri=base)
                return
            # The default graph is the merge of all graphs (a set: a triple printed in several
            # page graphs counts once). pyoxigraph's union-default-graph option repeats such
            # triples, so the merge is stored: parse once, write quads and default-graph copies
            # to a scratch file, bulk-load that (it was just validated, hence lenient).
            serialize(_with_default_copies(parse(fh, fmt, base_iri=base)), str(scratch), RdfFormat.N_QUADS)
        store.bulk_load(path=str(scratch), format=RdfFormat.N_QUADS, lenient=True)
    except (SyntaxError, ValueError, OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot be read as {fmt.name}: {_first_line(exc)}") from None
    finally:
        scratch.unlink(missing_ok=True)


def _check_files(files: list[Path]) -> None:
    if not files:
        raise InputError("no data to serve: give --data FILE or build lod/ first (gonghui build)")
    for path in files:
        if not Path(path).is_file():
            raise InputError(f"{path}: no such file")


def _fill_store(db: Path, files: list[Path], base: str, scratch: Path) -> tuple[int, list[str]]:
    """Load `files` into a new store at `db`; return its triple count and named graphs."""
    store = Store(str(db))
    try:
        for path in files:
            _load_file(store, Path(path), base, scratch)
        triples = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)
        graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, NamedNode))
        store.flush()
    except InputError:
        del store   # close it before the caller removes the folder
        raise
    del store   # close it: the workers open the same directory read-only
    return triples, graphs


TEMPORARY_STORE = "gonghui-store-"      # + the server's pid: a store whose server is gone can be told


def remove_stale_stores() -> None:
    """Remove the temporary stores of servers that were killed (kill -9 skips the atexit clean-up):
    only ours, in the temporary folder, named with a pid that no longer runs."""
    for other in Path(tempfile.gettempdir()).glob(f"{TEMPORARY_STORE}*-*"):
        pid = other.name[len(TEMPORARY_STORE):].split("-")[0]
        try:
            mine = other.is_dir() and not other.is_symlink() and other.stat().st_uid == os.getuid()
        except OSError:
            continue
        if mine and owner_gone(pid):
            shutil.rmtree(other, ignore_errors=True)


def load_dataset(files: list[Path], base: str = DEFAULT_BASE) -> Dataset:
    """Load RDF files into a fresh on-disk store.

    N-Quads and TriG keep their named graphs; the default graph holds the merge of everything,
    so a query without a dataset sees all the data once.
    """
    _check_files(files)
    remove_stale_stores()
    store_dir = tempfile.mkdtemp(prefix=f"{TEMPORARY_STORE}{os.getpid()}-")
    atexit.register(shutil.rmtree, store_dir, True)
    start = time.monotonic()
    try:
        triples, graphs = _fill_store(Path(store_dir) / "db", files, base, Path(store_dir) / "scratch.nq")
    except InputError:
        shutil.rmtree(store_dir, ignore_errors=True)
        raise
    return Dataset(str(Path(store_dir) / "db"), triples, graphs, [Path(p) for p in files],
                   seconds=time.monotonic() - start)


# A load longer than this (seconds) into a temporary store earns a hint about --store.
STORE_HINT_AFTER = 60.0


def store_note(dataset: Dataset) -> str:
    """What the start banner says about where the data was loaded."""
    if dataset.store is not None:
        return (f" (store {dataset.store}: " +
                ("reused, the files are unchanged)" if dataset.reused else "loaded, reused at the next start)"))
    if dataset.seconds > STORE_HINT_AFTER:
        return (f" (loaded in {dataset.seconds:.0f} s; `--store DIR` keeps the store on disk "
                f"and the next start skips the load)")
    return ""


STORE_MANIFEST = "gonghui-store.json"   # marks a folder as ours and says what it was loaded from
STORE_LAYOUT = 1                        # bump when the way the store is filled changes


def _read_manifest(directory: Path) -> dict | None:
    try:
        manifest = json.loads((directory / STORE_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _opens(db: Path) -> bool:
    """Whether the store can be opened the way the workers open it."""
    try:
        store = Store.read_only(str(db))
    except (OSError, RuntimeError):   # missing (OSError) or damaged (RuntimeError: Corruption …)
        return False
    del store
    return True


def _remove_leftovers(directory: Path) -> None:
    """Remove half loads and replaced stores beside `directory` left by a killed server."""
    for other in directory.parent.glob(f".{directory.name}.*-*"):
        kind, _, rest = other.name[len(directory.name) + 2:].partition("-")
        pid = rest.split("-")[0]
        if kind in ("loading", "old") and owner_gone(pid):
            shutil.rmtree(other, ignore_errors=True)


def open_store(files: list[Path], directory: Path, base: str = DEFAULT_BASE,
               digests: dict[str, str] | None = None) -> Dataset:
    """The dataset in the persistent store `directory`, loading `files` only when they changed.

    The folder records the SHA-256 of every source file (gonghui-store.json). When the files,
    the base or the pyoxigraph version differ, the data is loaded into a new folder beside it
    that replaces the old one only when complete: a killed load never leaves a half store.
    `digests` (resolved path → SHA-256) are files the caller has just checked (serve checks lod/
    against SHA256SUMS first); they are not hashed again.
    """
    _check_files(files)
    directory = Path(os.path.abspath(directory))   # "." and ".." get a real name to put beside
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory}: --store must be a folder, not a file")
    manifest = _read_manifest(directory)
    if manifest is None and directory.is_dir() and any(directory.iterdir()):
        # Never replace a folder we did not make.
        raise InputError(f"{directory}: not a gonghui store (no {STORE_MANIFEST}); give a new or empty folder")
    try:
        known = digests or {}
        sources = [{"file": str(Path(p).resolve()), "bytes": Path(p).stat().st_size,
                    "sha256": known.get(str(Path(p).resolve())) or sha256_file(Path(p))} for p in files]
    except OSError as exc:
        raise InputError(f"{exc.filename}: cannot be read ({exc.strerror})") from None
    key = {"layout": STORE_LAYOUT, "pyoxigraph": pyoxigraph.__version__, "base": base,
           "sha256": [s["sha256"] for s in sources]}
    db = directory / "db"
    if directory.parent.is_dir():
        _remove_leftovers(directory)
    if manifest is not None and manifest.get("key") == key and _opens(db):
        try:
            return Dataset(str(db), int(manifest["triples"]), [str(g) for g in manifest["graphs"]],
                           [Path(p) for p in files], store=directory, reused=True)
        except (KeyError, TypeError, ValueError):
            pass   # a damaged record: load again

    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        loading = Path(tempfile.mkdtemp(prefix=f".{directory.name}.loading-{os.getpid()}-", dir=directory.parent))
    except OSError as exc:
        raise InputError(f"{directory}: cannot create the store there ({exc.strerror})") from None
    old = None
    start = time.monotonic()
    try:
        triples, graphs = _fill_store(loading / "db", files, base, loading / "scratch.nq")
        (loading / STORE_MANIFEST).write_text(json.dumps(
            {"key": key, "sources": sources, "triples": triples, "graphs": graphs},
            ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        # Swap: the old store steps aside, the complete new one takes its name, then the old goes.
        if directory.exists():
            old = directory.parent / f".{directory.name}.old-{os.getpid()}-{loading.name[-8:]}"
            directory.rename(old)
        loading.rename(directory)
    except OSError as exc:
        shutil.rmtree(loading, ignore_errors=True)
        raise InputError(f"{directory}: cannot write the store ({exc.strerror})") from None
    except BaseException:
        shutil.rmtree(loading, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return Dataset(str(db), triples, graphs, [Path(p) for p in files], store=directory,
                   seconds=time.monotonic() - start)


def default_dumps(lod_dir: Path) -> list[Path]:
    """The dump `gonghui serve` loads without --data: TriG (keeps named graphs) before Turtle."""
    for name in ("gonghui.trig", "gonghui.nq", "gonghui.ttl"):
        if (lod_dir / name).is_file():
            return [lod_dir / name]
    raise InputError(f"{lod_dir / 'gonghui.trig'}: no dataset found; run `gonghui build` first or give --data FILE")


@dataclass
class Document:
    """A small RDF file served as itself (ontology, shapes, VoID): raw text plus parsed triples."""
    path: Path
    raw: bytes
    media: str
    triples: list


def read_document(path: Path) -> Document:
    fmt, _ = _data_format(path)
    raw = path.read_bytes()
    try:
        triples = [q.triple if hasattr(q, "triple") else q for q in parse(raw, fmt, base_iri=path.resolve().as_uri())]
    except (SyntaxError, ValueError) as exc:
        raise InputError(f"{path}: cannot be read as {fmt.name}: {_first_line(exc)}") from None
    return Document(path, raw, fmt.media_type, triples)
