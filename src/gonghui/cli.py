"""The `gonghui` command: a thin layer over the library.

Each command parses its options, calls one library function and prints. Bad input raises
`InputError` in the library; here it becomes one line on stderr and exit code 2.
"""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from . import __version__
from .errors import InputError


def friendly(fn):
    """Turn library input errors into one line and exit code 2, never a traceback."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            click.echo(f"gonghui: {exc}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("gonghui: interrupted", err=True)
            sys.exit(130)
    return wrapper


@click.group()
@click.version_option(__version__, prog_name="gonghui")
def main():
    """Turn Chinese trade-union newspaper pages into Linked Open Data."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--summary", is_flag=True, help="A short table per page instead of JSON.")
@friendly
def parse(files, summary):
    """Read and segment pages; print the document model as JSON (one object per page)."""
    from .convert import document_json, document_summary, read_page, segment

    for path in files:
        doc = segment(read_page(path))
        click.echo(document_summary(doc) if summary else document_json(doc))


RULES_ONLY = click.option("--rules-only", is_flag=True,
                          help="Leave the statistical recogniser out: the rules alone (faster).")


def _rules_only(flag: bool) -> None:
    # an environment variable, so that the build's worker processes see it too
    if flag:
        os.environ["GONGHUI_RULES_ONLY"] = "1"


@main.command()
@click.option("--source", "with_source", is_flag=True,
              help="Give each span the evidence that found it (post-chain, model, gazetteer …).")
@RULES_ONLY
@friendly
def entities(with_source, rules_only):
    """Read text lines on stdin; write JSON lines of PER/ORG/LOC spans."""
    import json

    from .convert import tag_line

    _rules_only(rules_only)
    for line in sys.stdin:
        text = line.rstrip("\n")
        click.echo(json.dumps({"text": text, "entities": tag_line(text, with_source=with_source)},
                              ensure_ascii=False))


@main.command()
@click.option("--seeds", "seeds_dir", default="seeds", show_default=True, type=click.Path(path_type=Path),
              help="Folder of input pages (*.txt).")
@click.option("--out", "out_dir", default="lod", show_default=True, type=click.Path(path_type=Path),
              help="Folder the dataset is published to.")
@click.option("--base", default=None, help="Base IRI of minted resources (default https://w3id.org/gonghui/id/).")
@click.option("--keep-going", is_flag=True, help="Leave out pages that fail and publish the rest.")
@click.option("--workers", type=int, default=None, help="Processes converting pages (default: all cores).")
@click.option("--no-cache", is_flag=True, help="Convert every page again instead of reusing the cache.")
@click.option("--shard", default=None, help="I/N: convert only the I-th of N shards of the pages (for `gonghui merge`).")
@click.option("--quiet", is_flag=True, help="No progress bar or summary.")
@RULES_ONLY
@friendly
def build(seeds_dir, out_dir, base, keep_going, workers, no_cache, shard, quiet, rules_only):
    """Convert the pages, validate and publish the dataset (seeds/ → lod/)."""
    from .publish import build as run_build

    _rules_only(rules_only)
    ok = run_build(seeds_dir, out_dir, base=base, keep_going=keep_going, echo=None if quiet else click.echo,
                   workers=workers, cache=not no_cache, shard=shard)
    sys.exit(0 if ok else 1)


@main.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", default="lod", show_default=True, type=click.Path(path_type=Path))
@click.option("--base", default=None, help="Base IRI of minted resources.")
@click.option("--quiet", is_flag=True)
@friendly
def merge(shards, out_dir, base, quiet):
    """Merge shard builds (`gonghui build --shard I/N --out DIR`) into one published dataset."""
    from .publish import merge as run_merge

    sys.exit(0 if run_merge(list(shards), out_dir, base=base, echo=None if quiet else click.echo) else 1)


@main.command()
@click.argument("lod_dir", default="lod", type=click.Path(path_type=Path))
@friendly
def verify(lod_dir):
    """Check the SHA-256 sums of a published dataset (lod/SHA256SUMS)."""
    from .publish import verify as run_verify

    problems = run_verify(lod_dir)
    for line in problems:
        click.echo(line)
    click.echo("all files match their sums" if not problems else f"{len(problems)} problem(s)")
    sys.exit(0 if not problems else 1)


@main.command()
@click.argument("dataset", default="lod/gonghui.ttl", type=click.Path(path_type=Path))
@friendly
def validate(dataset):
    """Validate a dataset against the SHACL shapes; exit 1 on violations."""
    from .rdf import validate_file

    report = validate_file(dataset)
    click.echo(report.text())
    sys.exit(0 if report.conforms else 1)


@main.command()
@click.option("--data", "data_files", multiple=True, type=click.Path(path_type=Path),
              help="RDF files to serve (default: the dumps in lod/).")
@click.option("--store", "store_dir", default=None, type=click.Path(path_type=Path),
              help="Keep an on-disk store here: loaded once, reused at the next start.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--timeout", default=10.0, show_default=True, type=float, help="Hard query timeout in seconds.")
@click.option("--max-memory", default=4096, show_default=True, type=click.IntRange(min=256),
              help="Address space in MiB the server and each query worker may use.")
@friendly
def serve(data_files, store_dir, host, port, timeout, max_memory):
    """Serve the dataset: SPARQL endpoint, query page and dereferenceable IRIs."""
    from .publish import settled
    from .serve import run

    checked = {}
    if not data_files and Path("lod").is_dir():
        checked = settled(Path("lod"))        # never serve a folder caught between two publishes
    run(list(data_files), host=host, port=port, timeout=timeout, store=store_dir, memory_limit=max_memory << 20,
        digests=checked)


@main.command()
@click.argument("lod_dir", default="lod", type=click.Path(path_type=Path))
@click.option("--endpoint", required=True, help="SPARQL 1.1 Update endpoint (fallback) or query endpoint.")
@click.option("--graph-store", default=None, help="SPARQL 1.1 Graph Store Protocol endpoint (preferred).")
@click.option("--user", default=None)
@click.option("--password", default=None, envvar="GONGHUI_PASSWORD")
@friendly
def push(lod_dir, endpoint, graph_store, user, password):
    """Load a published dataset into any SPARQL 1.1 store, one named graph per page (idempotent)."""
    from .client import push as run_push
    from .publish import settled

    if lod_dir.is_dir():
        settled(lod_dir)
    click.echo(run_push(lod_dir, endpoint=endpoint, graph_store=graph_store, user=user, password=password))


@main.command()
@click.argument("query")
@click.option("--endpoint", default="http://127.0.0.1:8000/sparql", show_default=True, envvar="GONGHUI_ENDPOINT",
              help="The SPARQL endpoint (or set GONGHUI_ENDPOINT, e.g. for a server on another port).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@friendly
def query(query, endpoint, fmt):
    """Run a SPARQL query (text or file) against an endpoint."""
    from .client import run_query

    click.echo(run_query(query, endpoint=endpoint, fmt=fmt))


if __name__ == "__main__":
    main()
