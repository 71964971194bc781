"""Curation: an archivist's corrections, kept in the project and applied at every build.

Between extract and resolve: the corrections file (corrections.py) is read once; each page's
records are corrected before the corpus is made of them, and the corpus is corrected once made
(apply.py), one build's bookkeeping and report in session.py. The RDF stage then says which
statements a correction made (gh:correctedBy) and describes each correction as a PROV activity;
the build reports the corrections that no longer apply (stale) and, with --strict, refuses to publish.

    load(folder)                  corrections/*.toml → [Correction], or one clear InputError
    from_table(keys)              a correction from its keys, checked (`gonghui correct`, `serve --curate`)
    append(path, correction)      add one to a file, atomically
    apply.for_page / apply_page   the corrections one page takes; a corrected copy of the page
    apply.apply_corpus            merge, split, rename, variants on the resolved corpus
    session.Curation              one build's corrections: what each did, the stale ones, the report

This package's top imports only the file format, so the server can write corrections without
loading the extractor.
"""
from .corrections import KINDS, OPS, Correction, append, digest, from_table, keys_of, load, parse, to_toml

__all__ = ["load", "parse", "from_table", "append", "to_toml", "digest", "keys_of", "Correction", "OPS", "KINDS"]
