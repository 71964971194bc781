"""Writing the dumps: chunks appended in a fixed order to gonghui.ttl, .nt.gz, .trig and .jsonld, an
unchanged chunk copied from the file the last build published."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

from .render import OX_PREFIXES, Chunk

DUMPS = ("gonghui.ttl", "gonghui.nt.gz", "gonghui.trig", "gonghui.jsonld")
FILES = DUMPS + ("void.ttl",)
SUMS = "SHA256SUMS"
READ_BACK = ("gonghui.ttl", "gonghui.nt.gz", "gonghui.jsonld")    # a chunk's bytes, as published
MEDIA = {"gonghui.ttl": "text/turtle", "gonghui.nt.gz": "application/n-triples",
         "gonghui.trig": "application/trig", "gonghui.jsonld": "application/ld+json"}


class Writer:
    """Appends chunks to the four dumps in a staging folder, taking their SHA-256 on the way (a
    dump of 10,000 pages is gigabytes: reading it back to checksum it would cost a second pass).
    Graphs share no subject, so the triples of the dataset are the sum of theirs."""

    def __init__(self, staging: Path, previous: dict[str, int] | None = None):
        self.files = {name: open(staging / name, "wb") for name in DUMPS}
        self.sha256 = {name: hashlib.sha256() for name in DUMPS}
        self.previous = previous or {}       # dump name → open descriptor of the published file
        self.published: dict[str, Chunk] = {}
        header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in OX_PREFIXES.items()).encode() + b"\n"
        self._put("gonghui.ttl", header)
        self._put("gonghui.trig", header)
        context = json.dumps(OX_PREFIXES, ensure_ascii=False, sort_keys=True)
        self._put("gonghui.jsonld", ('{"@context": ' + context + ',\n "@graph": [\n').encode("utf-8"))
        self.first_node = True
        self.triples = 0
        self.classes: dict[str, int] = {}

    def _put(self, name: str, data: bytes) -> None:
        self.files[name].write(data)
        self.sha256[name].update(data)

    def add(self, chunk: Chunk) -> None:
        if not chunk.triples:
            return
        if chunk.where:
            chunk = self._read_back(chunk)
        where = (self.files["gonghui.ttl"].tell(), len(chunk.ttl))
        self._put("gonghui.ttl", chunk.ttl + b"\n\n")
        self._put("gonghui.trig", f"<{chunk.name}> {{\n".encode() + chunk.ttl + b"\n}\n\n")
        where += (self.files["gonghui.nt.gz"].tell(), len(chunk.nt_gz))
        self._put("gonghui.nt.gz", chunk.nt_gz)
        self.triples += chunk.triples
        self._put("gonghui.jsonld", b"  " if self.first_node else b",\n  ")
        where += (self.files["gonghui.jsonld"].tell(), len(chunk.jsonld))
        self._put("gonghui.jsonld", chunk.jsonld)
        self.first_node = False
        if chunk.key:
            self.published[chunk.key] = chunk.stub(where)
        for cls, n in chunk.classes.items():
            self.classes[cls] = self.classes.get(cls, 0) + n

    def _read_back(self, stub: Chunk) -> Chunk:
        """A chunk whose bytes are read from the dumps the previous build published (it wrote them
        from the same chunk): cheaper than unpickling and decompressing its cache entry."""
        offsets, lengths = stub.where[::2], stub.where[1::2]       # in the order of READ_BACK
        ttl, nt_gz, jsonld = (os.pread(self.previous[name], length, offset)
                              for name, offset, length in zip(READ_BACK, offsets, lengths))
        if (len(ttl), len(nt_gz), len(jsonld)) != lengths:
            raise OSError(f"the published dumps changed during the build ({stub.name})")
        return replace(stub, ttl=ttl, nt_gz=nt_gz, jsonld=jsonld, where=())

    def close(self) -> dict[str, str]:
        """Close the dumps; their SHA-256 digests (hex)."""
        self._put("gonghui.jsonld", b"\n ]\n}\n")
        for fh in self.files.values():
            fh.close()
        return {name: h.hexdigest() for name, h in self.sha256.items()}
