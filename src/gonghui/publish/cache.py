"""The build's cache on disk: converted pages (and the summary the resolve pass reads), rendered
graphs and the index of the last published dumps, under one folder per code version; every entry
signed and written atomically."""
from __future__ import annotations

import functools
import hashlib
import hmac
import os
import pickle
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

from .. import __version__
from ..convert.extract import recogniser
from ..folders import write_atomic  # noqa: F401 (the build's modules import it from here)
from ..model import Document, Item, PageEntities, PersonRef
from ..rdf import iri
from ..rdf.legacy import LEGACY_SLUGS
from ..rdf.mapping import PageNames
from ..rdf.shacl import shapes_path
from .dumps import READ_BACK
from .render import Chunk


def code_version() -> str:
    """Digest of the package's code, lexicons and shapes: a change to any invalidates the cache."""
    here = Path(__file__).parents[1]          # the gonghui package
    files = sorted(p for p in here.rglob("*") if p.is_file() and (p.suffix == ".py" or "data" in p.parts)
                   and "__pycache__" not in p.parts)
    h = hashlib.sha256(__version__.encode())
    h.update(b"model" if recogniser.enabled() else b"rules-only")     # the two modes extract differently
    for p in files + [shapes_path()]:                # the shapes file the build validates with
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


class Cache:
    """Converted pages and rendered page graphs on disk, under one folder per code version.

    Each entry is a pickle headed by its HMAC-SHA-256 under a key kept outside the cache
    (`cache_key`): a truncated, corrupted or forged entry is detected, removed and rebuilt, and
    never unpickled, so writing into the cache folder is not a way to run code in the build; an
    entry of the wrong type is a miss too. Writes go to a temporary file and are renamed into place."""

    def __init__(self, root: Path, version: str, reuse: bool = True):
        self.root = root / version
        self.reuse = reuse
        self._slugs_on_disk = 0

    def page_path(self, source: str, sha: str, what: str = "page") -> Path:
        return self.root / "pages" / f"{sha}-{hashlib.sha1(source.encode()).hexdigest()[:8]}.{what}.pkl"

    def has_page(self, source: str, sha: str) -> bool:
        """This page is cached: a sound entry (its signature is checked, it is not unpickled) and a
        summary, whose signature the resolve pass checks when it loads it (and converts the page
        again if it fails)."""
        return self.reuse and self._verified(self.page_path(source, sha)) is not None \
            and self.page_path(source, sha, "summary").is_file()

    def load_page(self, source: str, sha: str) -> PageEntities | None:
        return self._load(self.page_path(source, sha), PageEntities)

    def load_summary(self, source: str, sha: str) -> PageSummary | None:
        return self._load(self.page_path(source, sha, "summary"), PageSummary)

    def store_page(self, source: str, sha: str, pe: PageEntities) -> None:
        self._store(self.page_path(source, sha), pe)
        self._store(self.page_path(source, sha, "summary"), PageSummary.of(pe))

    def chunk_path(self, key: str) -> Path:
        return self.root / "chunks" / f"{key}.pkl"

    def has_chunk(self, key: str) -> bool:
        return self.reuse and self._verified(self.chunk_path(key)) is not None

    def load_chunk(self, key: str, always: bool = False):
        """A cached chunk; with `always`, also under --no-cache (one written by this build)."""
        kinds = (Chunk, tuple)               # a rendered graph, or a validated piece's reads
        return self._load(self.chunk_path(key), kinds) if self.reuse or always else None

    def store_chunk(self, key: str, chunk) -> None:
        self._store(self.chunk_path(key), chunk)

    def published_path(self, out_dir: Path) -> Path:
        return self.root / "published" / f"{hashlib.sha1(str(out_dir.resolve()).encode()).hexdigest()[:16]}.pkl"

    def load_published(self, out_dir: Path) -> tuple[dict[str, Chunk], dict[str, int]]:
        """What the last build with this cache published in out_dir: the stubs of its graphs (cache
        key → Chunk.stub) and the dumps they point into, open for reading — or nothing, unless
        those dumps are still the very files it wrote (same inode, size and modification time)."""
        found = self._load(self.published_path(out_dir), tuple) if self.reuse else None
        if found is None:
            return {}, {}
        files, stubs = found
        opened: dict[str, int] = {}
        try:
            for name, identity in files.items():
                opened[name] = os.open(out_dir / name, os.O_RDONLY)
                if _identity(os.fstat(opened[name])) != identity:
                    raise FileNotFoundError
        except OSError:
            for fd in opened.values():
                os.close(fd)
            return {}, {}
        return stubs, opened

    def forget_published(self, out_dir: Path) -> None:
        self.published_path(out_dir).unlink(missing_ok=True)

    def store_published(self, out_dir: Path, stubs: dict[str, Chunk]) -> None:
        try:
            files = {name: _identity(os.stat(out_dir / name)) for name in READ_BACK}
            self._store(self.published_path(out_dir), (files, stubs))
        except OSError:         # only a shortcut for the next build: it will load the chunks instead
            pass

    def load_slugs(self) -> None:
        """Fill iri.SLUGS and LEGACY_SLUGS with the slugs made by earlier builds of this code version."""
        slugs = (self._load(self.root / "slugs.pkl", tuple) if self.reuse else None) or ({}, {})
        iri.SLUGS.update(slugs[0])
        LEGACY_SLUGS.update(slugs[1])
        self._slugs_on_disk = len(slugs[0]) + len(slugs[1])

    def store_slugs(self) -> None:
        if len(iri.SLUGS) + len(LEGACY_SLUGS) > self._slugs_on_disk:
            self._store(self.root / "slugs.pkl", (iri.SLUGS, LEGACY_SLUGS))

    @staticmethod
    def _verified(path: Path) -> bytes | None:
        """The payload of an entry whose signature holds; a truncated, corrupted or forged one is removed."""
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if not hmac.compare_digest(_signature(data[32:]), data[:32]):
            path.unlink(missing_ok=True)
            return None
        return data[32:]

    @classmethod
    def _load(cls, path: Path, kind: type | tuple[type, ...] = object):
        payload = cls._verified(path)
        if payload is None:
            return None
        try:
            value = pickle.loads(zlib.decompress(payload))
        except Exception:                     # unreadable after all: make it again
            value = None
        if not isinstance(value, kind):
            path.unlink(missing_ok=True)
            return None
        return value

    @staticmethod
    def _store(path: Path, value) -> None:
        # level 1: a rendered page graph shrinks ~8× for a few milliseconds
        payload = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
        write_atomic(path, _signature(payload) + payload)


def _signature(payload: bytes) -> bytes:
    return hmac.new(cache_key(), payload, hashlib.sha256).digest()


@functools.cache
def cache_key() -> bytes:
    """The secret that signs cache entries, kept outside every cache folder: $GONGHUI_CACHE_KEY
    names its file, else ~/.config/gonghui/cache.key, made (0600) at the first build. Where it can
    be neither read nor made, a key for this process alone: the cache is then not reused, but safe."""
    path = Path(os.environ.get("GONGHUI_CACHE_KEY") or Path.home() / ".config" / "gonghui" / "cache.key")
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    key = os.urandom(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
    except FileExistsError:                    # another build made it meanwhile
        return path.read_bytes()
    except OSError:
        pass
    return key


def _identity(st: os.stat_result) -> tuple:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


@dataclass
class PageSummary:
    """What the resolve pass needs of a converted page: its entities without the text, the items
    and the mentions (a small fraction of the page, so resolving thousands of cached pages does
    not unpickle them whole), the names its graph refers to, and its line in the build summary."""
    entities: PageEntities
    names: PageNames
    stats: tuple

    @classmethod
    def of(cls, pe: PageEntities) -> PageSummary:
        doc = pe.document
        bare = PageEntities(
            # of the items only the dates they print (they date the posts of an undated page)
            Document(replace(doc.page, text="", repairs=()), doc.issue,
                     [Item(i.kind, date=i.date) for i in doc.items if i.date]),
            people=[PersonRef(p.name, [replace(post, mention=None) for post in p.posts]) for p in pe.people],
            organisations=[replace(o, mentions=[]) for o in pe.organisations],
            places=[replace(p, mentions=[]) for p in pe.places],
            slogans=[replace(s, mentions=[]) for s in pe.slogans],
            events=[replace(e, mentions=[]) for e in pe.events])
        return cls(bare, PageNames.of(pe), _page_stats(pe))


def _page_stats(pe: PageEntities) -> tuple:
    d = pe.document
    return (d.page.source, len(d.items), sum(i.is_article for i in d.items), len(pe.people),
            len(pe.organisations), len(pe.places), len(pe.slogans))
