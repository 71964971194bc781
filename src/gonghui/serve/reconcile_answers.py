"""Reconciliation answers in a query worker: the result batch of a query batch, entity suggest,
data extension rows and a preview's data, read from the worker's name index (reconcile_match).

The job ({"op": "reconcile", "action", "base", …}) has been checked and capped by
serve/reconcile.py; what is returned is plain JSON-able data."""
from __future__ import annotations

import bisect
import json

from pyoxigraph import Store

from .reconcile_match import (
    MAX_EXTEND_VALUES,
    ORGANIZATION,
    PERSON,
    PROPERTY_ALIASES,
    PROPERTY_IDS,
    RERANK,
    TYPES,
    Index,
    index_of,
    norm,
)


def handle(store: Store, job: dict) -> tuple[int, str, bytes]:
    """Entry point from workers.handle."""
    index = index_of(store, job["base"], job.get("index"), job.get("wait", 0.0))
    if index is None:
        return 503, "text/plain", b"the name index is still being built (the server has just started); retry shortly"
    action = {"query": reconcile, "suggest": suggest, "extend": extend, "preview": preview}.get(job.get("action"))
    if action is None:
        return 500, "text/plain", f"unknown reconciliation action {job.get('action')!r}".encode()
    result = action(index, job)
    if result is None:
        return 404, "text/plain", b"no person or organisation has that id here"
    return 200, "application/json", json.dumps(result, ensure_ascii=False).encode()


def _type_filter(types: list[str]):
    """The entity kinds and types a query allows (unknown type ids are ignored, as 0.2 permits)."""
    wanted = [t for t in types if t in TYPES]
    if not wanted:
        return lambda e: True
    return lambda e: any(t in e.types or (t == ORGANIZATION and e.kind == "org")
                         or (t == PERSON and e.kind == "person") for t in wanted)


def _types(e) -> list[dict]:
    return [{"id": t, "name": TYPES[t][0]} for t in e.types]


def description(index: Index, idx: int) -> str:
    """A person's main post (printed most often) or an organisation's kind and parent, then the
    first and last date it was seen (a post printed or an item mentioning it)."""
    e, f = index.entities[idx], index.facts(idx)
    parts = []
    if e.kind == "person":
        if f["posts"]:
            main = max(f["posts"], key=lambda r: (len(r["attestations"]), (r["dates"] or [""])[-1]))
            parts.append(main["title"] or index.label(main["role"]))
            if len(f["posts"]) > 1:
                parts.append(f"{len(f['posts'])} posts 职务")
    else:
        parts += [TYPES[t][0].split(" (")[0] for t in e.types if TYPES[t][1]]
        parts += [f"上级 {index.label(p)}" for p in f["parents"][:2]]
        if f["members"]:
            n = len(f["members"])
            parts.append(f"{n} {'person' if n == 1 else 'people'} 人物")
    seen = f["seen"]
    if seen:
        parts.append(seen[0] if len(seen) == 1 else f"{seen[0]} … {seen[-1]}")
    if f["pinyin"]:
        parts.append(f["pinyin"][0])
    return " · ".join(p for p in parts if p)


def _candidates(index: Index, q: dict) -> list[dict]:
    text, limit, constraints = q.get("query") or "", q["limit"], q.get("properties") or []
    allowed = _type_filter(q.get("types") or [])
    scored: dict[int, tuple[float, bool]] = {}
    direct = index.resolve(text) if text else None
    if direct is not None:                      # an id given as the query finds its entity
        scored[direct] = (100.0, True)
    for idx, s in index.name_scores(text).items():
        scored.setdefault(idx, s)
    ranked = sorted(((idx, s) for idx, s in scored.items() if allowed(index.entities[idx])),
                    key=lambda kv: (-kv[1][0], index.entities[kv[0]].name, kv[0]))
    rows = []
    for idx, (name_score, exact) in ranked[:max(RERANK, limit) if constraints else limit]:
        features = [{"id": "name", "value": round(name_score, 1)}, {"id": "name_exact", "value": exact}]
        agreements = []
        for c in constraints:
            a = index.agreement(idx, c["pid"], c["v"])
            if a is not None:
                agreements.append(a)
                features.append({"id": f"{PROPERTY_ALIASES.get(c['pid'], c['pid'])}#{len(agreements)}", "value": a})
        score = 0.7 * name_score + 30 * sum(agreements) / len(agreements) if agreements else name_score
        rows.append((round(score, 1), idx, exact and all(a == 1.0 for a in agreements), features))
    rows.sort(key=lambda r: (-r[0], index.entities[r[1]].name, r[1]))
    out = []
    for n, (score, idx, sure, features) in enumerate(rows[:limit]):
        e = index.entities[idx]
        unique = len(rows) == 1 or rows[1][0] < rows[0][0]
        out.append({"id": index.ident(idx), "name": e.name, "description": description(index, idx),
                    "score": score, "type": _types(e), "features": features,
                    "match": n == 0 and sure and unique})
    return out


def reconcile(index: Index, job: dict) -> dict:
    return {key: {"result": _candidates(index, q)} for key, q in job["queries"].items()}


def suggest(index: Index, job: dict) -> dict:
    """Entities whose written forms begin with the prefix (the main name first), then partial
    matches; `cursor` skips, `limit` caps."""
    q = norm(job.get("prefix") or "")
    if not q:
        return {"result": []}
    allowed = _type_filter(job.get("types") or [])
    tiers: dict[int, tuple] = {}
    direct = index.resolve(job.get("prefix") or "")
    if direct is not None:
        tiers[direct] = (0, 0.0)
    start = bisect.bisect_left(index.keys, q)
    for key in index.keys[start:start + 2000]:
        if not key.startswith(q):
            break
        for idx, weight in index.by_key[key]:
            tier = (1 if key == q else 2, -weight, len(key))
            tiers[idx] = min(tiers.get(idx, tier), tier)
    for idx, (s, _) in index.name_scores(job.get("prefix") or "").items():
        tiers.setdefault(idx, (3, -s))
    ranked = sorted((t, index.entities[i].name, i) for i, t in tiers.items() if allowed(index.entities[i]))
    cursor, limit = job.get("cursor", 0), job["limit"]
    return {"result": [{"id": index.ident(i), "name": index.entities[i].name,
                        "description": description(index, i), "notable": _types(index.entities[i])}
                       for _, _, i in ranked[cursor:cursor + limit]]}


def _date(d: str) -> dict:
    return {"date": d[:10] + "T00:00:00Z"}


def _entity(index: Index, iri: str) -> dict:
    return {"id": iri[len(index.base):] if iri.startswith(index.base) else iri, "name": index.label(iri)}


def values(index: Index, idx: int, pid: str) -> list[dict]:
    """The values of one property of one entity, as data extension cells."""
    pid = PROPERTY_ALIASES.get(pid, pid)
    e, f = index.entities[idx], index.facts(idx)
    person = e.kind == "person"
    if pid == "organisation" and person:
        out = [_entity(index, o) for o in f["orgs"]]
    elif pid == "role" and person:
        out = [_entity(index, r) for r in f["roles"]]
    elif pid == "post" and person:
        out = [{"str": t} for t in dict.fromkeys(r["title"] for r in f["posts"] if r["title"])]
    elif pid == "posts" and person:
        out = []
        for r in f["posts"]:
            d = r["dates"]
            when = "" if not d else f" ({d[0]})" if len(d) == 1 else f" ({d[0]} … {d[-1]}, {len(d)}×)"
            out.append({"str": (r["title"] or index.label(r["role"])) + when})
    elif pid == "parent" and not person:
        out = [_entity(index, p) for p in f["parents"]]
    elif pid == "members" and not person:
        out = [_entity(index, p) for p in f["members"]]
    elif pid == "names" and not person:
        out = [{"str": n} for n in f["names"]]
    elif pid == "pinyin":
        out = [{"str": p} for p in f["pinyin"]]
    elif pid in ("first_attested", "last_attested", "first_seen", "last_seen"):
        dates = f["attested" if pid.endswith("attested") else "seen"]
        out = [_date(dates[0] if pid.startswith("first") else dates[-1])] if dates else []
    else:
        out = []
    return out[:MAX_EXTEND_VALUES]


def extend(index: Index, job: dict) -> dict:
    meta = []
    for pid in job["properties"]:
        known = PROPERTY_IDS.get(PROPERTY_ALIASES.get(pid, pid))
        m = {"id": pid, "name": known[1] if known else pid}
        if known and known[4]:
            m["type"] = {"id": known[4], "name": TYPES.get(known[4], ("role 职位",))[0]}
        meta.append(m)
    rows = {}
    for ref in job["ids"]:
        idx = index.resolve(ref)
        rows[ref] = {pid: values(index, idx, pid) if idx is not None else [] for pid in job["properties"]}
    return {"meta": meta, "rows": rows}


def preview(index: Index, job: dict) -> dict | None:
    idx = index.resolve(job["id"])
    if idx is None:
        return None
    e, f = index.entities[idx], index.facts(idx)
    rows = sorted(f["posts"], key=lambda r: ((r["dates"] or [""])[-1], len(r["attestations"])), reverse=True)
    return {"id": index.ident(idx), "name": e.name, "kind": e.kind, "types": [TYPES[t][0] for t in e.types],
            "description": description(index, idx), "pinyin": f["pinyin"], "names": f["names"],
            "seen": f["seen"][:1] + f["seen"][-1:] if f["seen"] else [],
            "posts": [{"title": r["title"] or index.label(r["role"]), "dates": r["dates"][:1] + r["dates"][-1:],
                       "other": index.label(r["org" if e.kind == "person" else "person"])}
                      for r in rows[:8]],
            "more": max(0, len(rows) - 8),
            "parents": [index.label(p) for p in f.get("parents", [])]}
