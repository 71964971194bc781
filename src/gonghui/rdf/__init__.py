"""Records to RDF, and RDF against the shapes; knows the records but not the build.

    iri         readable, stable IRIs (pinyin slugs) and @zh-Latn-pinyin labels
    mapping     the Corpus → the entities graph, and the IRIs each page refers to (PageRefs)
    page_graph  PageEntities + PageRefs → one page's graph: items, mentions, attestations
    shacl       the SHACL shapes compiled into fast checks, for the build's per-page validation
    validate    SHACL with pyshacl (the reference) for any file: `validate_file(path)` → Report
    problems    a validation problem and the readable report, shared by the two validators
"""
from .problems import Problem, Report


def __getattr__(name: str):
    """validate_file on first use: it loads pyshacl (0.1 s), which the build never needs."""
    if name == "validate_file":
        from .validate import validate_file
        return validate_file
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["validate_file", "Problem", "Report"]
