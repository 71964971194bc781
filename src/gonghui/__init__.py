"""gonghui: Chinese trade-union newspaper pages to Linked Open Data.

The data flows one way, one module per stage:

    read → segment → extract → resolve → rdf → validate → publish → serve

`read` turns a file into a normalised `Page`; `segment` finds the masthead (`Issue`) and the
items (`Article` …); `extract` finds people, posts, organisations, places, slogans and events
on one page; `resolve` merges them across pages; `rdf` maps everything to triples; `validate`
runs the SHACL shapes; `publish` writes `lod/`; `serve` is the SPARQL endpoint.
"""

__version__ = "0.1.0"
