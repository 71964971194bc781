"""`gonghui serve --curate`: a "suggest a correction" form on every resource page, appending to
the project's corrections file (never to the dataset: the next `gonghui build` applies it).

Off by default and on a loopback address only. The form carries a token made at start-up, and a
POST must come with it, from this server's own pages (Origin), as a form: another site open in the
same browser cannot write corrections through it.
"""
from __future__ import annotations

import datetime
import hmac
import ipaddress
import re
import urllib.parse

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..curate import KINDS, OPS, append, from_table, keys_of
from ..errors import InputError
from . import pages
from .endpoint import Settings, _read_body, site_root

FIELDS = ("op", "kind", "page", "at", "text", "name", "person", "people", "role", "organisation", "slogans",
          "by", "note")
LISTED = ("people", "slogans")            # one per line
GH = "https://w3id.org/gonghui/ontology#"
OA = "http://www.w3.org/ns/oa#"


def loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def prefill(data: dict) -> dict[str, str]:
    """What the form starts with on this resource's page: the likely correction for its type."""
    iri, types = data["iri"], set(data.get("types", ()))
    label = data.get("label") or ""
    own = {p["v"]: o["v"] for s, p, o in data.get("triples", ()) if s["v"] == iri}
    if "http://schema.org/Person" in types:
        return {"op": "merge", "people": iri + "\n"}
    if GH + "Slogan" in types:
        return {"op": "variants", "slogans": label + "\n"}
    if any(t.startswith(GH) or t == "http://www.w3.org/ns/org#Organization" for t in types) and "/org/" in iri:
        return {"op": "rename", "organisation": iri, "name": label}
    if GH + "SourcePage" in types:
        return {"op": "not", "kind": "person", "page": own.get(GH + "fileName", "")}
    m = re.search(r"/mention/[^/]+/(\d+)-(\d+)-(person|org|place|slogan)$", iri)
    if m:
        kind = {"org": "organisation"}.get(m.group(3), m.group(3))
        exact = next((o["v"] for s, p, o in data.get("triples", ()) if p["v"] == OA + "exact"), "")
        return {"op": "not", "kind": kind, "at": f"{m.group(1)}-{m.group(2)}", "text": exact}
    return {"op": "not"}


def form(data: dict, token: str, done: str | None = None) -> str:
    """The form, escaped like every other value of the page."""
    values = prefill(data)
    ops = "".join(f'<option value="{pages.esc(op)}"{" selected" if op == values.get("op") else ""}>{pages.esc(op)}</option>'
                  for op in OPS)
    kinds = "".join(f'<option value="{k}"{" selected" if k == values.get("kind") else ""}>{k}</option>'
                    for k in ("",) + KINDS)
    rows = [f'<label>operation <select name="op">{ops}</select></label>',
            f'<label>kind <select name="kind">{kinds}</select></label>']
    for name in FIELDS[2:]:
        value = values.get(name, "")
        if name in LISTED:
            rows.append(f'<label>{name} (one per line) <textarea name="{name}" rows="3" dir="auto">{pages.esc(value)}</textarea></label>')
        else:
            rows.append(f'<label>{name} <input name="{name}" value="{pages.esc(value)}" dir="auto"></label>')
    note = f'<p class="curated" role="status">Written to the corrections file: correction {pages.text(done)}. ' \
           'The next <code>gonghui build</code> applies it.</p>' if done else ""
    return (f'<section class="curate"><h2>Suggest a correction 建议更正</h2>{note}'
            '<p>Appends to the project\'s corrections file; the dataset is not changed until it is built again. '
            'Give a page by its file name and a span by its offsets (<code>120-123</code>) or its text.</p>'
            f'<form method="post" action="/curate"><input type="hidden" name="token" value="{pages.esc(token)}">'
            f'<input type="hidden" name="back" value="{pages.esc(data["iri"])}">'
            + "".join(f"<p>{r}</p>" for r in rows) +
            '<p><button type="submit">Add the correction</button></p></form></section>')


async def suggest(request: Request) -> Response:
    """POST /curate: check the token and the origin, append the correction, go back to the page."""
    settings: Settings = request.app.state.settings
    if settings.curate is None:
        raise HTTPException(404, "this server was not started with --curate")
    if request.client is None or not loopback(request.client.host):
        raise HTTPException(403, "corrections are taken from this machine only")
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") != site_root(request):
        raise HTTPException(403, "a correction must come from this server's own pages")
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise HTTPException(415, "send the form (application/x-www-form-urlencoded)")
    body = await _read_body(request, 64 << 10, settings.timeout)
    try:
        fields = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=False, strict_parsing=False)
    except UnicodeDecodeError:
        raise HTTPException(400, "the form is not UTF-8") from None
    token = fields.get("token", [""])[0]
    if not hmac.compare_digest(token.encode(), settings.curate_token.encode()):
        raise HTTPException(403, "the form's token does not match this server's (reload the page)")
    op = fields.get("op", [""])[0]
    # the form shows every field; those the chosen operation does not take are left out
    takes = keys_of(op) if op in OPS else {"op"}
    table = {}
    for name in (f for f in FIELDS if f in takes):
        value = fields.get(name, [""])[0].strip()
        if name in LISTED:
            value = [line.strip() for line in re.split(r"[\n,，]+", value) if line.strip()]
        if value:
            table[name] = value
    table.setdefault("date", datetime.date.today().isoformat())    # the archivist's day, in the file only
    try:
        added = append(settings.curate, from_table(table, settings.curate.name))
    except InputError as exc:
        return HTMLResponse(pages.error_page(400, str(exc)), status_code=400)
    back = fields.get("back", [""])[0]
    path = back[len(settings.base):] if back.startswith(settings.base) else ""
    return RedirectResponse(f"/id/{urllib.parse.quote(path, safe='/-_.~')}?curated={added.id}", status_code=303)
