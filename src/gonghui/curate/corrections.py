"""The corrections file: what an archivist says the extractor got wrong, in plain TOML.

A project keeps its corrections in `corrections/*.toml`, read in file-name order, each a list of
`[[correction]]` tables. Every correction names its target by stable keys — a page's file name
with offsets (`at = [120, 123]`) or the printed text, a name, or an entity's IRI — never by a
line number, so it keeps applying when the pages are converted again:

    [[correction]]
    op = "not"                 # this span is not a person (kind: person, organisation, place, slogan)
    kind = "person"
    page = "2016-12-08_01.txt"
    at = [120, 123]            # and/or text = "王府井"; without `page`: that name is never one
    by = "Li Hua"              # who, when and why: published as the correction's provenance
    date = 2026-12-07
    note = "a street"

The operations, and the keys each needs (OPS): not, is (this span is the named entity), merge
(people: the first kept), split (the namesake holding posts in an organisation is another person),
add-post, remove-post, rename (an organisation's canonical name) and variants (of one slogan,
the first its label). A correction's identity (its IRI) is a digest of its operation and targets,
not of who wrote it or its note, unless it sets `id` itself.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from ..errors import InputError
from ..folders import write_atomic

KINDS = ("person", "organisation", "place", "slogan")

# op → (keys it needs, keys it may have); one of a tuple inside "needs" is enough
OPS: dict[str, tuple[tuple, tuple]] = {
    "not": (("kind", ("at", "text")), ("page",)),
    "is": (("kind", "page", ("at", "text"), "name"), ()),
    "merge": (("people",), ()),
    "split": (("person", "organisation"), ()),
    "add-post": (("page", "person", "role", "organisation"), ("at", "text")),
    "remove-post": (("person", "role"), ("organisation", "page")),
    "rename": (("organisation", "name"), ()),
    "variants": (("slogans",), ()),
}
ABOUT = ("by", "date", "note", "id")         # provenance, not part of what is corrected
LISTS = {"people": 2, "slogans": 2}          # list keys and the fewest entries they take


@dataclass(frozen=True)
class Correction:
    op: str
    file: str = ""                      # the file it is written in, for messages
    number: int = 0                     # its place in that file, 1-based, for messages only
    kind: str | None = None
    page: str | None = None
    at: tuple[int, int] | None = None
    text: str | None = None
    name: str | None = None
    person: str | None = None
    people: tuple[str, ...] = ()
    role: str | None = None
    organisation: str | None = None
    slogans: tuple[str, ...] = ()
    by: str | None = None
    date: str | None = None             # ISO 8601 date or date-time, as written
    note: str | None = None
    id: str = ""

    @property
    def where(self) -> str:
        """How messages name it: file, place in the file and operation."""
        return f"{self.file} correction {self.number} ({self.op})"

    def targets(self) -> dict:
        """The keys that say what is corrected (its identity)."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ABOUT + ("file", "number") and getattr(self, f.name) not in (None, ())}

    def describe(self) -> str:
        """One line for reports: the operation and its targets."""
        t = self.targets()
        t.pop("op")
        return f"{self.op} " + " ".join(f"{k}={_show(v)}" for k, v in t.items())


def _show(v) -> str:
    if isinstance(v, tuple) and v and isinstance(v[0], int):
        return f"{v[0]}-{v[1]}"
    if isinstance(v, tuple):
        return "+".join(v)
    return str(v)


def load(folder: Path | None) -> list[Correction]:
    """Every correction in folder/*.toml, in file-name order; none when there is no folder. A file
    that cannot be read, a key no operation knows, a missing key: one line naming the file."""
    if folder is None or not Path(folder).is_dir():
        return []
    out: list[Correction] = []
    for path in sorted(Path(folder).glob("*.toml")):
        out += parse(path.read_bytes(), path.name)
    seen: dict[str, Correction] = {}
    for c in out:
        if c.id in seen:
            raise InputError(f"{c.where}: the same correction as {seen[c.id].where} (id {c.id})")
        seen[c.id] = c
    return out


def parse(data: bytes, file: str) -> list[Correction]:
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{file}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{file}: not a TOML file ({exc})") from None
    extra = set(doc) - {"correction"}
    if extra:
        raise InputError(f"{file}: unknown table {sorted(extra)[0]!r}; corrections are [[correction]] tables")
    tables = doc.get("correction", [])
    if not isinstance(tables, list):
        raise InputError(f"{file}: write each correction as a [[correction]] table")
    return [_correction(t, file, n) for n, t in enumerate(tables, start=1)]


def keys_of(op: str) -> set[str]:
    """Every key a correction of this operation may have (its targets, provenance and `op`)."""
    needs, may = OPS[op]
    return {k for need in needs for k in (need if isinstance(need, tuple) else (need,))} | set(may) | set(ABOUT) | {"op"}


def from_table(table: dict, file: str = "") -> Correction:
    """A correction from its keys (as a TOML table holds them), checked like one read from a file."""
    return _correction({k: v for k, v in table.items() if v not in (None, (), [])}, file, 0)


def _correction(table: dict, file: str, n: int) -> Correction:
    where = f"{file} correction {n}" if n else (file or "the correction")
    op = table.get("op")
    if op not in OPS:
        raise InputError(f"{where}: op must be one of {', '.join(OPS)} (got {op!r})")
    needs, _ = OPS[op]
    allowed = keys_of(op)
    for key in table:
        if key not in allowed:
            raise InputError(f"{where} ({op}): {key!r} is not a key of this operation")
    for need in needs:
        options = need if isinstance(need, tuple) else (need,)
        if not any(k in table for k in options):
            raise InputError(f"{where} ({op}): needs {' or '.join(map(repr, options))}")
    values = {"op": op, "file": file, "number": n}
    for key, value in table.items():
        if key == "op":
            continue
        values[key] = _value(key, value, f"{where} ({op})")
    if values.get("kind") is not None and values["kind"] not in KINDS:
        raise InputError(f"{where} ({op}): kind must be one of {', '.join(KINDS)}")
    c = Correction(**values)
    return c if c.id else Correction(**{**values, "id": identity(c)})


def _value(key: str, value, where: str):
    if key == "at":
        if isinstance(value, str) and value.count("-") == 1:
            value = value.split("-")
        try:
            start, end = (int(v) for v in value)
        except (TypeError, ValueError):
            raise InputError(f"{where}: at is two offsets, [start, end]") from None
        if not 0 <= start < end:
            raise InputError(f"{where}: at needs 0 <= start < end (got {start}, {end})")
        return start, end
    if key in LISTS:
        if not isinstance(value, list) or len(value) < LISTS[key] or not all(isinstance(v, str) and v.strip() for v in value):
            raise InputError(f"{where}: {key} is a list of at least {LISTS[key]} names")
        value = tuple(v.strip() for v in value)
        if len(set(value)) < len(value):
            raise InputError(f"{where}: {key} names one entry twice")
        return value
    if key == "date":
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        try:
            datetime.date.fromisoformat(str(value)[:10])
        except ValueError:
            raise InputError(f"{where}: date is an ISO 8601 date (2026-12-07)") from None
        return str(value)
    if not isinstance(value, str) or not value.strip() or "\n" in value and key != "note":
        raise InputError(f"{where}: {key} is one line of text")
    return value.strip()


def identity(c: Correction) -> str:
    """A digest of the operation and its targets: the same correction written again, by anyone,
    with any note, has the same IRI."""
    data = json.dumps(c.targets(), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:12]


def digest(corrections: list[Correction]) -> str:
    """Of what the corrections say and who said it: a cache key part."""
    data = json.dumps([[c.id, c.targets(), c.by, c.date, c.note] for c in corrections], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------- writing

def to_toml(c: Correction) -> str:
    """One [[correction]] table. Strings as TOML basic strings: JSON's escapes are TOML's."""
    lines = ["[[correction]]"]
    for key in ("op",) + tuple(f.name for f in fields(Correction) if f.name not in ("op", "file", "number", "id")):
        value = getattr(c, key)
        if value in (None, ()):
            continue
        if key == "at":
            lines.append(f"at = [{value[0]}, {value[1]}]")
        elif key == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            lines.append(f"date = {value}")          # a TOML date, as an archivist writes one
        elif isinstance(value, tuple):
            lines.append(f"{key} = [{', '.join(json.dumps(v, ensure_ascii=False) for v in value)}]")
        else:
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def append(path: Path, c: Correction) -> Correction:
    """Add a correction to a corrections file (made if missing), written to a temporary file and
    renamed; the file is read back, so what is written is what the build will read. Returns the
    correction as read (with its id and place)."""
    path = Path(path)
    before = path.read_bytes() if path.exists() else b""
    existing = parse(before, path.name)
    new = before.decode("utf-8")
    if new and not new.endswith("\n"):
        new += "\n"
    new += ("\n" if new else "") + to_toml(c)
    written = parse(new.encode("utf-8"), path.name)
    added = written[-1]
    for old in existing:
        if old.id == added.id:
            raise InputError(f"{path.name}: already holds this correction (correction {old.number}, id {old.id})")
    write_atomic(path, new.encode("utf-8"))
    return added
