"""`gonghui query`: run a SPARQL query against this or any SPARQL endpoint (SPARQLWrapper client).

SELECT results print as a readable table (CJK characters count double width), as SPARQL JSON or as
CSV; ASK prints true/false; CONSTRUCT/DESCRIBE print Turtle (table), JSON-LD (json) or one
subject,predicate,object row per triple (csv). Every failure is one InputError line.
"""
from __future__ import annotations

import ast
import csv
import io
import json
import socket
import unicodedata
import urllib.error
from pathlib import Path

from SPARQLWrapper import CSV, GET, JSON, JSONLD, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from ..errors import InputError
from ..serve.prefixes import PREFIXES
from ..serve.protocol import QUERY_FORMS, UPDATE_FORMS, inspect_query

ID_BASE = "https://w3id.org/gonghui/id/"
FORMATS = ("table", "json", "csv")
MAX_CELL = 60          # display columns of one table cell
HTTP_TIMEOUT = 300     # seconds; the server has its own (shorter) query timeout


def read_query(query: str) -> str:
    """The query text: `query` itself, or the contents of the file it names."""
    path = Path(query)
    # Query text always has braces or several lines; a file name has neither (or a .rq suffix).
    looks_like_file = "\n" not in query and len(query) < 4096 and (
        path.suffix.lower() in (".rq", ".sparql") or ("{" not in query and path.is_file()))
    if not looks_like_file:
        return query
    if not path.is_file():
        raise InputError(f"{query}: no such query file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{query}: the query file is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{query}: cannot read the query file ({exc.strerror})") from None


def _one_line(data) -> str:
    """First non-empty line of an error body, shortened."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    for line in str(data or "").splitlines():
        line = line.strip()
        if line and not line.startswith("<"):
            return line[:300]
    return ""


def _response_of(exc: Exception) -> bytes:
    """The server's answer, which SPARQLWrapper keeps only as a repr inside its message."""
    _, sep, tail = str(exc).partition("Response:\n")
    if not sep:
        return b""
    try:
        value = ast.literal_eval(tail.strip())
    except (ValueError, SyntaxError):
        return tail.encode()
    return value if isinstance(value, bytes) else str(value).encode()


def _execute(sw: SPARQLWrapper, endpoint: str):
    try:
        return sw.query()
    except SPARQLWrapperException as exc:
        code = {"QueryBadFormed": 400, "Unauthorized": 401, "EndPointNotFound": 404, "URITooLong": 414,
                "EndPointInternalError": 500}.get(type(exc).__name__)
        detail = _one_line(_response_of(exc)) or type(exc).__name__
        raise InputError(f"{endpoint}: HTTP {code or 'error'}: {detail}") from None
    except urllib.error.HTTPError as exc:
        body = b""
        try:
            body = exc.read()
        except OSError:
            pass
        raise InputError(f"{endpoint}: HTTP {exc.code}: {_one_line(body) or exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = getattr(exc.reason, "strerror", None) or str(exc.reason)
        raise InputError(f"{endpoint}: cannot connect ({reason})") from None
    except (socket.timeout, TimeoutError):
        raise InputError(f"{endpoint}: no answer within {HTTP_TIMEOUT} s") from None
    except (ConnectionError, OSError) as exc:
        raise InputError(f"{endpoint}: connection failed ({exc})") from None


def run_query(query: str, endpoint: str = "http://127.0.0.1:8000/sparql", fmt: str = "table") -> str:
    """Run `query` (text or a .rq file) against `endpoint`; return the text to print."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not endpoint.startswith(("http://", "https://")):
        raise InputError(f"{endpoint}: the endpoint must be an http:// or https:// URL")
    text = read_query(query)
    if not text.strip():
        raise InputError(f"{query or '(empty)'}: the query is empty")
    sw = SPARQLWrapper(endpoint)
    sw.setOnlyConneg(True)        # media types by Accept only, no endpoint-specific parameters
    sw.setTimeout(HTTP_TIMEOUT)
    sw.setQuery(text)
    # SPARQLWrapper guesses the form with a regex that can be fooled by words in comments;
    # the endpoint's own tokenizer skips comments, strings and IRIs.
    form = inspect_query(text, endpoint).form
    if form in QUERY_FORMS or form in UPDATE_FORMS:
        sw.queryType = "INSERT" if form == "WITH" else form
    # Long queries do not fit in a URL; updates must be POSTed (this server refuses them either way).
    sw.setMethod(POST if len(text) >= 1500 or sw.isSparqlUpdateRequest() else GET)
    kind = sw.queryType
    if kind in ("CONSTRUCT", "DESCRIBE"):
        sw.setReturnFormat(JSONLD if fmt == "json" else TURTLE)
        data = _execute(sw, endpoint).response.read()
        return _graph_output(data, fmt, endpoint)
    sw.setReturnFormat(CSV if fmt == "csv" and kind == "SELECT" else JSON)
    data = _execute(sw, endpoint).response.read()
    if fmt == "csv" and kind == "SELECT":
        return data.decode("utf-8", "replace").rstrip("\r\n")
    try:
        results = json.loads(data)
    except ValueError:
        raise InputError(f"{endpoint}: the answer is not SPARQL JSON results") from None
    if fmt == "json":
        return json.dumps(results, ensure_ascii=False, indent=2)
    if "boolean" in results:
        return "true" if results["boolean"] else "false"
    return format_table(results)


def _graph_output(data: bytes, fmt: str, endpoint: str) -> str:
    text = data.decode("utf-8", "replace")
    if fmt != "csv":
        return text.rstrip("\n")
    from pyoxigraph import RdfFormat, parse

    try:
        triples = list(parse(data, RdfFormat.TURTLE))
    except SyntaxError as exc:
        raise InputError(f"{endpoint}: the answer is not Turtle ({exc})") from None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["subject", "predicate", "object"])
    for t in triples:
        writer.writerow([_plain(t.subject), _plain(t.predicate), _plain(t.object)])
    return out.getvalue().rstrip("\n")


def _plain(term) -> str:
    value = getattr(term, "value", str(term))
    return f"_:{value}" if type(term).__name__ == "BlankNode" else value


def compact(iri: str) -> str:
    """A short prefixed name for well-known namespaces and the dataset's own IRIs."""
    if iri.startswith(ID_BASE):
        return "id:" + iri[len(ID_BASE):]
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def _cell(binding: dict | None) -> str:
    if not binding:
        return ""
    kind, value = binding.get("type"), binding.get("value", "")
    if kind == "uri":
        return compact(value)
    if kind == "bnode":
        return f"_:{value}"
    return " ".join(value.split())   # one line per row: newlines and tabs become spaces


def width(text: str) -> int:
    """Display columns: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
               for c in text)


def _fit(text: str, limit: int = MAX_CELL) -> str:
    if width(text) <= limit:
        return text
    out, used = [], 0
    for c in text:
        w = width(c)
        if used + w > limit - 1:
            break
        out.append(c)
        used += w
    return "".join(out) + "…"


def _pad(text: str, size: int) -> str:
    return text + " " * (size - width(text))


def format_table(results: dict) -> str:
    """SPARQL JSON results as an aligned text table with a row count."""
    names = results.get("head", {}).get("vars", [])
    rows = [[_fit(_cell(b.get(v))) for v in names] for b in results.get("results", {}).get("bindings", [])]
    if not names:
        return f"({len(rows)} rows)"
    sizes = [max([width(n)] + [width(r[i]) for r in rows]) for i, n in enumerate(names)]
    lines = [" | ".join(_pad(n, s) for n, s in zip(names, sizes)).rstrip(),
             "-+-".join("-" * s for s in sizes)]
    lines += [" | ".join(_pad(c, s) for c, s in zip(r, sizes)).rstrip() for r in rows]
    lines.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(lines)
