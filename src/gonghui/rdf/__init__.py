"""Records to RDF, and RDF against the shapes; knows the records but not the build.

    iri         readable, stable IRIs (pinyin slugs) and @zh-Latn-pinyin labels
    mapping     Corpus and PageEntities → triples: the entities graph and one graph per page
    shacl       the SHACL shapes compiled into fast checks, for the build's per-page validation
    validate    SHACL with pyshacl (the reference) for any file: `validate_file(path)` → Report
    problems    a validation problem and the readable report, shared by the two validators
"""
from .problems import Problem, Report
from .validate import validate_file

__all__ = ["validate_file", "Problem", "Report"]
