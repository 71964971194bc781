"""The register of retired IRIs (`retired.tsv` beside `seeds/`): entity IRIs an earlier `lod/`
published that the current extractor no longer mints, each with the IRI now meant or `-`.

When the extractor gets better, some published things change identity (杭州市纪委 printed inside
市纪委监委派驻… is now part of that group's name) or turn out never to have been one (大同 in
大同小异). An IRI handed out once must keep answering: the build states `<old>
dcterms:isReplacedBy <new>` (the server answers 301) or `<old> owl:deprecated true` (410 Gone),
in `graph/build`. `gonghui retire OLD-DUMP` compares the dump published before with the one in
`lod/` and adds what vanished: the successor of an entity is the one its printed mentions now
belong to (most of them, same pages and offsets), of a post the post of the same person and role
and an attestation the one printed over the same title now (of the same person), and a post
and a role follow their attestations.

Lines are `old<TAB>new` with IRIs relative to the base (`org/hangzhou-shi-jiwei`), sorted; a
file that is not in that form stops the build with one line."""
from __future__ import annotations

import gzip
import re
from collections import Counter
from pathlib import Path

from ..errors import InputError
from .cache import write_atomic

FILE_NAME = "retired.tsv"
ENTITY = re.compile(r"^(person|org|place|slogan|event|role|newspaper|membership|issue|attestation)/[^\s<>\"]+$")
_TRIPLE = re.compile(r"^<([^>]*)> <([^>]*)> (.*) \.$")
_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_BODY = "http://www.w3.org/ns/oa#hasBody"
_MEMBER = "http://www.w3.org/ns/org#member"
_ORG = "http://www.w3.org/ns/org#organization"
_ROLE = "http://www.w3.org/ns/org#role"
_MENTION = re.compile(r"mention/([^/]+)/(\d+)-(\d+)-(\w+)$")
_GH = "https://w3id.org/gonghui/ontology#"
_ATTESTS, _START, _END = _GH + "attests", _GH + "startOffset", _GH + "endOffset"
_NUMBER = re.compile(r'^"(\d+)"')
HEADER = "# IRIs published in an earlier lod/ that the build no longer mints: old<TAB>new (or -), relative to the base\n"


def load(path: Path) -> dict[str, str | None]:
    """old → new (None: withdrawn, no successor) of a register file; {} if there is none."""
    if not path.is_file():
        return {}
    table: dict[str, str | None] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not ENTITY.match(parts[0]) or not (parts[1] == "-" or ENTITY.match(parts[1])):
            raise InputError(f"{path}:{n}: not 'old<TAB>new' with IRIs relative to the base (kind/slug) or '-'")
        table[parts[0]] = None if parts[1] == "-" else parts[1]
    return table


def write(path: Path, table: dict[str, str | None]) -> None:
    lines = [f"{old}\t{new or '-'}\n" for old, new in sorted(table.items())]
    write_atomic(path, (HEADER + "".join(lines)).encode("utf-8"))


class Dump:
    """What `retire` needs of a published N-Triples dump: its typed entity IRIs (relative to the
    base), the bodies of its mentions by page, and its posts."""

    def __init__(self, path: Path, base: str):
        self.typed: set[str] = set()
        self.mentions: dict[str, list[tuple[int, int, str, str]]] = {}      # page → (start, end, kind, body)
        self.posts: dict[str, dict[str, str]] = {}                          # post → member/organization/role
        self.attestations: dict[str, dict[str, str]] = {}                   # attestation → attests/offsets
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            for line in f:
                m = _TRIPLE.match(line.rstrip("\n"))
                if not m or not m.group(1).startswith(base):
                    continue
                s, p, o = m.group(1)[len(base):], m.group(2), m.group(3)
                if p == _TYPE and ENTITY.match(s):
                    self.typed.add(s)
                elif p == _BODY and (mm := _MENTION.search(s)):
                    self.mentions.setdefault(mm.group(1), []).append(
                        (int(mm.group(2)), int(mm.group(3)), mm.group(4), o.strip("<>")[len(base):]))
                elif p in (_MEMBER, _ORG, _ROLE) and s.startswith("membership/"):
                    self.posts.setdefault(s, {})[p] = o.strip("<>")[len(base):]
                elif p == _ATTESTS:
                    self.attestations.setdefault(s, {})[p] = o.strip("<>")[len(base):]
                elif p in (_START, _END) and s.startswith("attestation/") and (n := _NUMBER.match(o)):
                    self.attestations.setdefault(s, {})[p] = n.group(1)


def retire(old: Dump, new: Dump, table: dict[str, str | None]) -> dict[str, str | None]:
    """The register with every entity IRI `old` published and `new` does not added (and any entry
    `new` mints again dropped)."""
    out = {k: v for k, v in table.items() if k not in new.typed}
    gone = sorted(old.typed - new.typed)
    printed: dict[str, list[tuple[str, int, int, str]]] = {}       # old body → its mentions
    for page, mentions in old.mentions.items():
        for s, e, kind, body in mentions:
            printed.setdefault(body, []).append((page, s, e, kind))
    for iri in gone:
        if not iri.startswith(("membership/", "attestation/", "role/")):
            out[iri] = _successor_by_mentions(printed.get(iri, []), new)
    # an attestation is followed by the new one printed over the same title; its post and role by theirs
    now_at = {}
    for a, d in new.attestations.items():
        now_at.setdefault(a.split("/")[1], []).append((int(d.get(_START, -1)), int(d.get(_END, -1)), a))
    posts: dict[str, Counter] = {}
    for iri in gone:
        if iri.startswith("attestation/"):
            d = old.attestations.get(iri, {})
            s, e = int(d.get(_START, -1)), int(d.get(_END, -1))
            person = iri.split("/")[3]
            match = sorted(a for s2, e2, a in now_at.get(iri.split("/")[1], [])
                           if s2 < e and s < e2 and a.split("/")[3] == person and s >= 0)
            out[iri] = match[0] if match else None
            if match and d.get(_ATTESTS):
                posts.setdefault(d[_ATTESTS], Counter())[new.attestations[match[0]].get(_ATTESTS)] += 1
    roles: dict[str, Counter] = {}
    for iri in gone:
        if iri.startswith("membership/"):
            votes = posts.get(iri)
            out[iri] = min(votes, key=lambda b: (-votes[b], b)) if votes else None
            if out[iri]:
                old_role, new_role = old.posts.get(iri, {}).get(_ROLE), new.posts.get(out[iri], {}).get(_ROLE)
                roles.setdefault(old_role, Counter())[new_role] += 1
    for iri in gone:
        if iri.startswith("role/"):
            votes = roles.get(iri)
            out[iri] = min(votes, key=lambda b: (-votes[b], b)) if votes else None
    return out


def _successor_by_mentions(mentions: list[tuple[str, int, int, str]], new: Dump) -> str | None:
    """The entity most of an old one's mentions (page, start, end, kind) now belong to: a new
    mention of the same kind on the same page overlapping each."""
    votes: Counter[str] = Counter()
    for page, s, e, kind in mentions:
        for s2, e2, kind2, body2 in new.mentions.get(page, []):
            if kind2 == kind and s2 < e and s < e2 and body2 in new.typed:
                votes[body2] += 1
    return min(votes, key=lambda b: (-votes[b], b)) if votes else None
