"""Curation: an archivist's corrections, kept in the project and applied at every build.

Between extract and resolve: the corrections file (corrections.py) is read once; each page's
records are corrected before the corpus is made of them, and the corpus is corrected once made
(apply.py). The RDF stage then says which statements a correction made (gh:correctedBy) and
describes each correction as a PROV activity; the build reports the corrections that no longer
apply (stale) and, with --strict, refuses to publish.

    load(folder)                        corrections/*.toml → [Correction], or one clear InputError
    for_page(corrections, source, names) the page-level corrections one page takes
    apply_page(pe, fixes)               a corrected copy of a page, and what each did (Result)
    apply_corpus(corpus, names, fixes, key_of_iri)   merge, split, rename, variants
    from_table(keys)                    a correction from its keys, checked (`gonghui correct`, `serve --curate`)
    append(path, correction)            add one to a file
"""
from .apply import CORPUS_OPS, PAGE_OPS, Result, apply_corpus, apply_page, for_page
from .corrections import KINDS, OPS, Correction, append, digest, from_table, load, parse, to_toml

__all__ = ["load", "parse", "from_table", "append", "to_toml", "digest", "for_page", "apply_page", "apply_corpus",
           "Correction", "Result", "OPS", "KINDS", "PAGE_OPS", "CORPUS_OPS"]
