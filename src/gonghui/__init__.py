"""gonghui: Chinese trade-union newspaper pages to Linked Open Data.

The data flows one way, a subpackage per stage, each importing only those before it:

    lexicon → convert (read → segment → extract → resolve) → rdf (map, validate) → publish → serve
                                                                                           client

`convert` turns files into typed records (`gonghui.model`: Page, Document, PageEntities) and
merges them across pages; `rdf` maps the records to triples and validates them with the SHACL
shapes; `publish` is the build that writes `lod/`; `serve` is the SPARQL endpoint over the
published dumps; `client` queries an endpoint and pushes the dumps into another store.
"""

__version__ = "0.1.0"
