"""What a query is before it runs: one scan of its tokens finds the query form, updates, the
dataset clauses and SERVICE, nesting depth and the PREFIX/BASE prologue (kept for the next query)."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from .lookup import resolve_iri
from .workers import SERVICE_REFUSED, service_second_opinion

# A SPARQL tokenizer good enough to find keywords: strings, IRIs, comments, variables and prefixed
# names are consumed whole so that words inside them never count as keywords.
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
             | \"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
             | '(?:[^'\\\r\n]|\\.)*'
             | "(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<var>[?$]\w+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[^\W\d_][\w.-]*)?:(?:[\w:-]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?\#@%]|\.(?=[\w:%\\-]))*)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
""", re.X | re.S)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
# Brackets and "!" nest in the engine's parser, which runs out of stack at a few thousand levels
# (the worker dies); real queries stay far below this.
MAX_NESTING = 128
# A chain of binary operators (1 || 1 || …) recurses in the engine's parser too: it crashed the
# worker at 8,000 to 12,000 operators. Counted in characters ("||" is two) outside strings and IRIs,
# per bracket level: a level's count ends when its bracket closes (one FILTER(…) after another is no chain).
MAX_OPERATORS = 2000
OPERATOR_CHARS = frozenset("|&+-*/=<>")
UPDATE_FORMS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


def _unescape(text: str) -> str:
    def one(m):
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except ValueError:
            return m.group(0)
    return _UCHAR.sub(one, text)


@dataclass
class QueryInfo:
    form: str | None = None                  # SELECT, ASK, … or the first update keyword
    service: bool = False                    # a SERVICE keyword outside strings, IRIs and comments
    from_graphs: list[str] = field(default_factory=list)   # FROM and FROM NAMED, resolved
    depth: int = 0                           # deepest nesting of brackets and "!" outside strings
    operators: int = 0                       # the longest run of operator characters on one bracket level
    tokens: list[tuple[str, str]] = field(default_factory=list, repr=False)   # (kind, text), no spaces
    prefixes: dict[str, str | None] = field(default_factory=dict, repr=False)  # PREFIX declarations, resolved
    base: str = ""                           # the base IRI after any BASE declaration


# The PREFIX and BASE declarations a query opens with, when plain (no comments or escapes): a
# client sends the same ones with every query, and they are half the tokens of a small lookup.
_IRI_PLAIN = r"""<[^<>"{}|^`\\\x00-\x20]*>"""
_PROLOGUE = re.compile(rf"(?:\s*(?:PREFIX\s+(?:[^\W\d_][\w.-]*)?:\s*{_IRI_PLAIN}|BASE\s*{_IRI_PLAIN}))*", re.I)
PROLOGUE_CACHED = 4096       # longer prologues are not kept (characters)


def inspect_query(text: str, base: str) -> QueryInfo:
    """What a query asks for, found without evaluating (or even fully parsing) it."""
    end = _PROLOGUE.match(text).end()
    if not 0 < end <= PROLOGUE_CACHED:
        return _inspect(text, base)
    tokens, prefixes, base = _inspect_prologue(text[:end], base)
    # Tokens end where the prologue does (after an IRI's ">"), so the rest scans alike on its own.
    info = _inspect(text[end:], base, dict(prefixes))
    info.tokens[:0] = tokens
    return info


@functools.lru_cache(maxsize=64)
def _inspect_prologue(head: str, base: str) -> tuple[tuple, dict, str]:
    info = _inspect(head, base)
    return tuple(info.tokens), info.prefixes, info.base


def _inspect(text: str, base: str, prefixes: dict | None = None) -> QueryInfo:
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text) if m.lastgroup not in ("ws", "comment")]
    info, prefixes = QueryInfo(), ({} if prefixes is None else prefixes)

    def resolve(kind: str, value: str) -> str | None:
        if kind == "iri":
            return resolve_iri(base, _unescape(value[1:-1]))
        if kind == "pname":
            pfx, _, local = value.partition(":")
            return prefixes[pfx] + re.sub(r"\\(.)", r"\1", local) if pfx in prefixes else None
        return None

    depth, negations = 0, 0
    chain = [0]                     # operator characters on each open bracket level
    for i, (kind, value) in enumerate(tokens):
        if kind == "other":
            if value in "({[":
                depth += 1
                chain.append(0)
            elif value in ")}]":
                depth -= 1
                if len(chain) > 1:
                    chain.pop()
            elif value in OPERATOR_CHARS:
                chain[-1] += 1
                info.operators = max(info.operators, chain[-1])
            negations = negations + 1 if value == "!" else 0
            info.depth = max(info.depth, depth + negations)
        elif kind == "iri" and "(" in value:
            # `1<((…1))&&(2>0)` reads as one IRI here but as less-than and brackets to the engine:
            # the brackets inside count toward the depth (no real IRI nests them)
            info.depth = max(info.depth, depth + _bracket_depth(value))
        if kind != "word":
            continue
        word = value.upper()
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ("", "")
        if word == "SERVICE":
            info.service = True
        elif word == "PREFIX" and nxt[0] == "pname" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[nxt[1][:-1]] = resolve(*tokens[i + 2])
        elif word == "BASE" and nxt[0] == "iri":
            base = resolve(*nxt)
        elif word == "FROM":
            if nxt[0] == "word" and nxt[1].upper() == "NAMED":
                nxt = tokens[i + 2] if i + 2 < len(tokens) else ("", "")
            iri = resolve(*nxt)
            info.from_graphs.append(iri if iri is not None else nxt[1])
        elif info.form is None and (word in QUERY_FORMS or word in UPDATE_FORMS):
            info.form = word
    info.tokens, info.prefixes, info.base = tokens, prefixes, base
    return info


def _bracket_depth(text: str) -> int:
    deepest = level = 0
    for c in text:
        level += (c in "({[") - (c in ")}]")
        deepest = max(deepest, level)
    return deepest


SECOND_OPINION = "second opinion"     # the verdict of service_first_look when a parser must decide


def service_first_look(text: str, info: QueryInfo, base: str) -> str | None:
    """SERVICE_REFUSED, None, or SECOND_OPINION when the word appears only inside a name, string
    or comment and an independent parser has to confirm there is no SERVICE clause."""
    plain = _unescape(text)
    if info.service or (plain != text and inspect_query(plain, base).service):
        return SERVICE_REFUSED
    if "service" in plain.lower():
        return SECOND_OPINION
    return None


def service_refusal(text: str, info: QueryInfo, base: str) -> str | None:
    """Why a query must not run because it could make the engine call out, or None.
    (The endpoint runs the slow second opinion in a query worker instead of calling this.)"""
    verdict = service_first_look(text, info, base)
    return service_second_opinion(text) if verdict == SECOND_OPINION else verdict
