"""Clients of a SPARQL endpoint: the last stage, reading what serve or another store answers.

    run_query(query, endpoint, fmt)          `gonghui query`: SPARQLWrapper, results as a table, JSON or CSV
    push(lod_dir, endpoint, graph_store, …)  `gonghui push`: load the dumps into any SPARQL 1.1 store
"""
from .push import push
from .query import run_query

__all__ = ["run_query", "push"]
