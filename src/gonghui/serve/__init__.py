"""The bundled linked-data server over the published dumps; never imports convert or publish.

Routes (a small router in the style of rdflib-endpoint):
  /sparql              SPARQL 1.1 Protocol (GET, POST form, POST application/sparql-query);
                       a GET without a query returns the service description
  /                    YASGUI query page with example queries (vendored, works offline)
  /id/{path}           every IRI under the base: HTML, Turtle, N-Triples, JSON-LD, RDF/XML;
                       /id/ and /id/{kind}/ are index pages (the kinds, the resources of one)
  /ontology, /shapes   the vocabulary and the SHACL shapes (also .ttl/.nt/.jsonld/.rdf)
  /download/{file}     the dumps in lod/ ; /.well-known/void the VoID description
  /reconcile           W3C Entity Reconciliation API 0.2 (OpenRefine): the manifest, queries=
                       and extend= batches; /reconcile/suggest/{entity,type,property},
                       /reconcile/preview?id=, /reconcile/propose_properties?type=

Modules: app (the app and `run`), endpoint (the protocol), resources (the other routes), protocol
(what a query is before it runs), negotiate (media types), store (loading the dumps), lookup
(queries answered in the server process), workers (killable query processes), describe (what a
resource's page shows, read in a worker), pages (HTML), query_page (YASGUI and the examples),
reconcile (the reconciliation API; its matching, reconcile_match and reconcile_answers, runs in a
worker).

Safety: the endpoint is read-only (updates get 403); SERVICE and dataset clauses that would name
a local file or a graph this dataset does not hold are refused with 400 before evaluation (the
engine never fetches anything); every query that is not a lookup runs in a worker process that is
killed at the deadline, and request bodies and results are capped. A request must arrive within
the timeout too (a slow or silent client gets 408 or is closed: `app.guarded_protocol`), and a
query nested deeper than MAX_NESTING levels gets 400 before it can crash the engine's parser.

    run(data_files, host, port, timeout, store)   `gonghui serve`
    create_app(data_files, …)                     the ASGI app, for tests and embedding
"""
from .app import create_app, run

__all__ = ["run", "create_app"]
