"""The structure of a corpus's organisations, derived by general rules over their names and the
division gazetteer once every page is resolved:

- one body, one name: names of the same division with the same rest (金堂县总工会 and
  成都市金堂县总工会; 四川工人日报社 and an expanded 四川省工人日报社) are one organisation, and a
  name without a division that is the tail of exactly one full name (黄甲街道总工会 of
  成都市双流区黄甲街道总工会) is a short form of it;
- a federation of trade unions (总工会) of a division belongs to the federation of the division
  above it (district or county → city → province → 中华全国总工会), the federation of a town,
  street or zone to that of its county or city; an industrial union (市教育工会) or the union of
  the organs (省直机关工会) to its division's federation;
- a body named by another organisation's name and an organisation ending (省总工会干部学校,
  某协会工业分会, 某公司工会) belongs to that organisation;
- an organisation named after a division is located there (its place node, one per division code).

Federations exist at every level from the county up (the Trade Union Law), so the federation a
printed one belongs to is added when no page prints it: it is named and typed like the others,
has a parent and a location, and no mentions. Nothing else is added. Names are handled in sorted
order, so the result does not depend on the order pages were read in.
"""
from __future__ import annotations

import re
from collections import Counter

from .. import lexicon
from ..lexicon import Division

# `corpus` below is a resolve.Corpus, not imported: resolve.py calls derive(), and the import
# would close a cycle

NATIONAL = "中华全国总工会"
FEDERATION = "总工会"
PREFIXES = ("中共", "国网")          # 中共某市委, 国网某市供电公司: the division follows
# the end of a unit below a county-level division that has its own federation
UNIT = re.compile("(?:.{1,6}?(?:街道|镇|乡)|.{0,6}?(?:%s))$" % "|".join(
    s for s, level in lexicon.LOWER_PLACE_SUFFIXES.items() if level == "site"))
# the end of the unit an industrial union belongs to instead of an organisation (省直机关工会)
ORGANS = ("直属机关", "直机关", "机关")


class Names:
    """Leading divisions of organisation names, with same-named divisions told apart by
    containment and, for the first one, by the provinces the corpus's places lie in."""

    def __init__(self, corpus):
        self.votes = Counter(p.code[:2] for p in corpus.places.values() if p.code)

    def chain(self, name: str, start: int = 0) -> tuple[list[Division], int]:
        """The divisions `name` starts with from `start`, each inside the one before, and where they end."""
        from .extract import division_words
        chain: list[Division] = []
        pos = start
        while n := division_words().match(name, pos):
            word = name[pos:pos + n]
            divs = lexicon.divisions_by_name(word)
            if chain:
                divs = tuple(d for d in divs if _inside(d, chain[-1]))
            else:      # a name may start with a province's or a city's short form (四川工人日报社), but
                # a county's or district's (江城 of 阳江市江城区) is as likely a word of a proper name
                divs = tuple(d for d in divs if d.name == word or d.level == "province" or d.code.endswith("00000000"))
            if not divs:
                break
            chain.append(max(divs, key=lambda d: (self.votes[d.code[:2]], -int(d.code))))
            pos += n
        return chain, pos

    def split(self, name: str) -> tuple[list[Division], str]:
        """(divisions, rest) of a name, from its first character."""
        chain, end = self.chain(name)
        return chain, name[end:]


def _inside(d: Division, outer: Division) -> bool:
    return d.parent_code == outer.code or (outer.level == "province" and d.code[:2] == outer.code[:2] != d.code)


def federation_name(d: Division) -> str:
    """The federation of a division as the extractor names it: a district with its city
    (成都市双流区总工会), any other division alone (金堂县总工会, 四川省总工会)."""
    parent = lexicon.division_by_code(d.parent_code) if d.parent_code else None
    if d.level == "district" and parent and parent.level == "city":
        return parent.name + d.name + FEDERATION
    return d.name + FEDERATION


def derive(corpus) -> None:
    """Merge the names of one body, then add parents and locations (see the module's docstring)."""
    names = Names(corpus)
    _merge_same_division(corpus, names)
    _merge_tails(corpus, names)
    _rewrite_people(corpus)
    pending = sorted(corpus.organisations)
    while pending:          # a federation added as a parent gets its own parent in the next round
        added: list[str] = []
        for name in pending:
            org = corpus.organisations[name]
            if org.parent is None:
                org.parent = _parent(corpus, names, name, added)
        pending = sorted(added)
    for name in sorted(corpus.organisations):
        corpus.organisations[name].place = _place(corpus, names, name)


# ------------------------------------------------------------------ one body, one name

def _merge_same_division(corpus, names: Names) -> None:
    groups: dict[tuple[str, str], list[str]] = {}
    for name in sorted(corpus.organisations):
        chain, rest = names.split(name)
        if chain and rest:
            groups.setdefault((chain[-1].code, rest), []).append(name)
    for (code, rest), group in groups.items():
        if len(group) > 1:
            _merge(corpus, group, _preferred(corpus, group, lexicon.division_by_code(code), rest))


def _preferred(corpus, group: list[str], d: Division, rest: str) -> str:
    """A paper's or a company's proper name is the shortest (the expansion only adds 省); a public
    body takes the name the extractor gives it (the district with its city), else the shortest."""
    from .extract.org_names import proper_name
    standard = federation_name(d)[:-len(FEDERATION)] + rest
    if not proper_name(group[0]) and standard in group:
        return standard
    return min(group, key=lambda n: (len(n), n))


def _merge_tails(corpus, names: Names) -> None:
    tails: dict[str, set[str]] = {}
    for name in sorted(corpus.organisations):
        chain, rest = names.split(name)
        if chain and rest:
            tails.setdefault(rest, set()).add(name)
    for name in sorted(corpus.organisations):
        full = tails.get(name, ())
        if len(full) == 1 and not names.split(name)[0]:      # one full name only: no guessing
            _merge(corpus, [name, *full], next(iter(full)))


def _merge(corpus, group: list[str], keep: str) -> None:
    into = corpus.organisations[keep]
    for name in group:
        if name == keep or name not in corpus.organisations:
            continue
        other = corpus.organisations.pop(name)
        into.forms |= other.forms | {name}
        into.parent = into.parent or other.parent
        corpus.org_alias[name] = keep


def _rewrite_people(corpus) -> None:
    """Aliases point at a body that is still there (a name merged into one merged later), and
    parents and posts named by a merged name name the body it was merged into."""
    alias = corpus.org_alias
    if not alias:
        return
    for name in sorted(alias):
        target = alias[name]
        while target in alias:
            target = alias[target]
        alias[name] = target
    for org in corpus.organisations.values():
        if org.parent in alias:
            org.parent = alias[org.parent]
    for p in corpus.people.values():
        if any(o in alias for o in p.orgs):
            p.orgs = frozenset(alias.get(o, o) for o in p.orgs)
            p.roles = frozenset((alias.get(o, o), r) for o, r in p.roles)


# ------------------------------------------------------------------ parents

def _parent(corpus, names: Names, name: str, added: list[str]) -> str | None:
    if name == NATIONAL:
        return None
    chain, rest = names.split(name)
    if chain and rest.endswith(FEDERATION) and (rest == FEDERATION or UNIT.fullmatch(rest[:-len(FEDERATION)])):
        if rest != FEDERATION:               # a town's, street's or zone's federation: its division's
            return _federation(corpus, chain[-1], added)
        up = lexicon.division_by_code(chain[-1].parent_code) if chain[-1].parent_code else None
        return _federation(corpus, up, added) if up else _ensure(corpus, NATIONAL, added)
    body = _owner(corpus, names, name, added)
    if body:
        return body
    if chain and rest.endswith("工会") and len(rest) > 2 and _industry(rest[:-2]):
        return _federation(corpus, chain[-1], added)
    return None


def _owner(corpus, names: Names, name: str, added: list[str]) -> str | None:
    """The longest organisation whose name `name` starts with, the rest being a body (干部学校,
    党组, 工会): a printed one, a federation by its name, or a paper, company or school."""
    from .extract import suffix_kind
    from .extract.org_names import PROPER_KINDS
    for n in range(len(name) - 2, 2, -1):
        head, tail = name[:n], name[n:]
        if not suffix_kind(tail):
            continue
        if head in corpus.organisations:
            return head
        if head in corpus.org_alias:
            return corpus.org_alias[head]
        chain, rest = names.split(head)
        if chain and rest == FEDERATION and names.split(name)[0] == chain:
            return _ensure(corpus, head, added)
        if len(head) >= 4 and suffix_kind(head) in PROPER_KINDS:
            # 某铁路局某办事处: the enterprise is printed, as the start of its office's name
            return _ensure(corpus, head, added, suffix_kind(head), printed=True)
    return None


def _industry(word: str) -> bool:
    """An industry or the organs (教育, 机械, 直机关), not an organisation (某集团, 某中学)."""
    from .extract import suffix_words
    if word.endswith(ORGANS):
        return True
    return all(end - start < 2 for start, end in suffix_words().spans(word))


def _federation(corpus, d: Division, added: list[str]) -> str:
    return _ensure(corpus, federation_name(d), added)


def _ensure(corpus, name: str, added: list[str], kind: str = "union", printed: bool = False) -> str:
    name = corpus.org_alias.get(name, name)
    if name not in corpus.organisations:
        corpus.add_org(name, kind, frozenset({name}) if printed else frozenset())
        added.append(name)
    return name


# ------------------------------------------------------------------ locations

def _place(corpus, names: Names, name: str) -> str | None:
    """The place key of the division (or town) an organisation is named after, added from the
    gazetteer when no page names it as a place."""
    start = next((len(p) for p in PREFIXES if name.startswith(p)), 0)
    chain, end = names.chain(name, start)
    if not chain:
        return None
    town = re.match(r".{1,6}?(?:街道|镇|乡)", name[end:])
    if town and town.group(0) in corpus.places:      # towns have no code: the corpus's place of that name
        return town.group(0)
    d = chain[-1]
    if d.code not in corpus.places:
        corpus.add_place(d.code, d.name, d.level, d.code)
    return d.code
