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
from .vocab import DEFAULT_BASE


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


CORRECTIONS = click.option("--corrections", default="corrections", show_default=True, type=click.Path(path_type=Path),
                           help="Folder of an archivist's corrections (*.toml), applied to every build if it exists.")
STRICT = click.option("--strict", is_flag=True, help="A correction that no longer applies is an error (exit 2).")
RETIRED = click.option("--retired", default=None, type=click.Path(path_type=Path),
                       help="Register of IRIs published before (default: retired.tsv beside the seeds folder, "
                            "or here for merge); see `gonghui retire`.")


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
@CORRECTIONS
@STRICT
@RETIRED
@RULES_ONLY
@friendly
def build(seeds_dir, out_dir, base, keep_going, workers, no_cache, shard, quiet, corrections, strict, retired,
          rules_only):
    """Convert the pages, validate and publish the dataset (seeds/ → lod/)."""
    from .publish import build as run_build

    _rules_only(rules_only)
    ok = run_build(seeds_dir, out_dir, base=base, keep_going=keep_going, echo=None if quiet else click.echo,
                   workers=workers, cache=not no_cache, shard=shard, corrections=corrections, strict=strict,
                   retired=retired)
    sys.exit(0 if ok else 1)


@main.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", default="lod", show_default=True, type=click.Path(path_type=Path))
@click.option("--base", default=None, help="Base IRI of minted resources.")
@click.option("--quiet", is_flag=True)
@CORRECTIONS
@STRICT
@RETIRED
@friendly
def merge(shards, out_dir, base, quiet, corrections, strict, retired):
    """Merge shard builds (`gonghui build --shard I/N --out DIR`) into one published dataset."""
    from .publish import merge as run_merge

    sys.exit(0 if run_merge(list(shards), out_dir, base=base, echo=None if quiet else click.echo,
                            corrections=corrections, strict=strict, retired=retired) else 1)


@main.command()
@click.argument("old_dump", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", default="lod", show_default=True, type=click.Path(path_type=Path),
              help="The dataset published now.")
@click.option("--register", default="retired.tsv", show_default=True, type=click.Path(path_type=Path))
@click.option("--base", default=None, help="Base IRI of minted resources (default https://w3id.org/gonghui/id/).")
@friendly
def retire(old_dump, out_dir, register, base):
    """Add the IRIs OLD_DUMP (an earlier gonghui.nt.gz) published and lod/ no longer mints to the
    register, each with its successor (the entity its mentions now belong to) or '-'; build again
    to publish their redirects."""
    from .publish import retired as register_of

    base = base or DEFAULT_BASE
    now = out_dir / "gonghui.nt.gz"
    if not now.is_file():
        raise InputError(f"{now}: no published dump to compare with (run gonghui build)")
    before = register_of.load(register)
    table = register_of.retire(register_of.Dump(old_dump, base), register_of.Dump(now, base), before)
    register_of.write(register, table)
    added = {k: v for k, v in table.items() if k not in before}
    click.echo(f"{len(added)} IRI(s) retired ({sum(1 for v in added.values() if v)} with a successor), "
               f"{len(table)} in {register}")


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
@click.option("--curate", "curate", is_flag=True,
              help="A 'suggest a correction' form on every resource page (loopback only), appending to --corrections-file.")
@click.option("--corrections-file", default="corrections/corrections.toml", show_default=True,
              type=click.Path(path_type=Path), help="The file --curate appends to.")
@friendly
def serve(data_files, store_dir, host, port, timeout, max_memory, curate, corrections_file):
    """Serve the dataset: SPARQL endpoint, query page and dereferenceable IRIs."""
    from .publish import settled
    from .serve import run

    checked = {}
    if not data_files and Path("lod").is_dir():
        checked = settled(Path("lod"))        # never serve a folder caught between two publishes
    run(list(data_files), host=host, port=port, timeout=timeout, store=store_dir, memory_limit=max_memory << 20,
        digests=checked, curate=corrections_file if curate else None)


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


# ---------------------------------------------------------------- corrections

@main.group()
@click.option("--file", "path", default="corrections/corrections.toml", show_default=True,
              type=click.Path(path_type=Path), help="The corrections file to add to (made if missing).")
@click.option("--by", default=None, envvar="GONGHUI_CURATOR", help="Who makes the correction (or set GONGHUI_CURATOR).")
@click.option("--date", default=None, help="When, ISO 8601 (default: today).")
@click.option("--note", default=None, help="Why, in a line.")
@click.pass_context
def correct(ctx, path, by, date, note):
    """Add a correction to the project's corrections file; the next `gonghui build` applies it.

    \b
    gonghui correct not person --page P.txt --at 120-123    this span is not a person
    gonghui correct not person --text 王府井                   this name is never a person
    gonghui correct is organisation 宁波市总工会 --page P.txt --text 市总工会
    gonghui correct merge IRI-or-name IRI-or-name            the first is kept
    gonghui correct split 王建平 某某公司工会                    the namesake with a post there is another person
    gonghui correct add-post 王建平 主席 杭州市总工会 --page P.txt
    gonghui correct remove-post 王建平 主席 [--organisation O] [--page P.txt]
    gonghui correct rename 旧名称 新名称
    gonghui correct variants 重要窗口 “重要窗口”                the first is the label
    """
    import datetime
    ctx.obj = {"path": path, "by": by, "date": date or datetime.date.today().isoformat(), "note": note}


def _write(ctx, **keys) -> None:
    from .curate import append, from_table

    o = ctx.obj
    c = append(o["path"], from_table({**keys, "by": o["by"], "date": o["date"], "note": o["note"]}, o["path"].name))
    click.echo(f"{o['path']}: correction {c.number} [{c.id}]: {c.describe()}")


SPAN = [click.option("--at", default=None, help="START-END offsets into the page's normalised text."),
        click.option("--text", default=None, help="The text as printed (every printing of it on the page).")]


def _span(fn):
    for option in reversed(SPAN):
        fn = option(fn)
    return fn


@correct.command("not")
@click.argument("kind", type=click.Choice(["person", "organisation", "place", "slogan"]))
@click.option("--page", default=None, help="The page's file name; without it the name (--text) is never one.")
@_span
@click.pass_context
@friendly
def correct_not(ctx, kind, page, at, text):
    """This span (or this name, everywhere) is not a KIND."""
    _write(ctx, op="not", kind=kind, page=page, at=at, text=text)


@correct.command("is")
@click.argument("kind", type=click.Choice(["person", "organisation", "place", "slogan"]))
@click.argument("name")
@click.option("--page", required=True, help="The page's file name.")
@_span
@click.pass_context
@friendly
def correct_is(ctx, kind, name, page, at, text):
    """This span of the page is the KIND called NAME."""
    _write(ctx, op="is", kind=kind, name=name, page=page, at=at, text=text)


@correct.command("merge")
@click.argument("people", nargs=-1, required=True)
@click.pass_context
@friendly
def correct_merge(ctx, people):
    """These people (IRIs or names) are one; the first is kept, the others' IRIs redirect to it."""
    _write(ctx, op="merge", people=list(people))


@correct.command("split")
@click.argument("person")
@click.argument("organisation")
@click.pass_context
@friendly
def correct_split(ctx, person, organisation):
    """The PERSON of the pages giving a post in ORGANISATION is another person of that name."""
    _write(ctx, op="split", person=person, organisation=organisation)


@correct.command("add-post")
@click.argument("person")
@click.argument("role")
@click.argument("organisation")
@click.option("--page", required=True, help="The page that prints the post.")
@_span
@click.pass_context
@friendly
def correct_add_post(ctx, person, role, organisation, page, at, text):
    """The page gives PERSON the post ROLE in ORGANISATION (--at/--text: where the title is printed)."""
    _write(ctx, op="add-post", person=person, role=role, organisation=organisation, page=page, at=at, text=text)


@correct.command("remove-post")
@click.argument("person")
@click.argument("role")
@click.option("--organisation", default=None)
@click.option("--page", default=None, help="Only on this page (default: every page).")
@click.pass_context
@friendly
def correct_remove_post(ctx, person, role, organisation, page):
    """PERSON does not hold ROLE (in --organisation, on --page)."""
    _write(ctx, op="remove-post", person=person, role=role, organisation=organisation, page=page)


@correct.command("rename")
@click.argument("organisation")
@click.argument("name")
@click.pass_context
@friendly
def correct_rename(ctx, organisation, name):
    """ORGANISATION (IRI or name) is called NAME; its old IRI redirects to the new one."""
    _write(ctx, op="rename", organisation=organisation, name=name)


@correct.command("variants")
@click.argument("slogans", nargs=-1, required=True)
@click.pass_context
@friendly
def correct_variants(ctx, slogans):
    """These slogans are one: the first is its label, the others its variants."""
    _write(ctx, op="variants", slogans=list(slogans))


if __name__ == "__main__":
    main()
