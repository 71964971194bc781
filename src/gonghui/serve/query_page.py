"""The query page: YASGUI on this server's endpoint, and the users' questions as example queries
(each a SPARQL query the page shows and runs, as Scholia builds every chart from a query it shows)."""
from __future__ import annotations

import json
import re

from .pages import ID_PREFIX, PREFIXES, esc, layout

QUERY_PREFIXES = {
    "gh": PREFIXES["gh"], "id": ID_PREFIX, "schema": PREFIXES["schema"], "org": PREFIXES["org"],
    "skos": PREFIXES["skos"], "oa": PREFIXES["oa"], "time": PREFIXES["time"], "prov": PREFIXES["prov"],
    "rdfs": PREFIXES["rdfs"], "xsd": PREFIXES["xsd"], "dcterms": PREFIXES["dcterms"],
}

# The users' questions, in the vocabulary of ontology/README.md. Each starts with one comment
# line: SPARQLWrapper strips only the first of several comment lines before guessing the query
# form from the first keyword it sees (a second line saying "add" would make it an update).
EXAMPLES = [
    ("谁任何职 · Who holds which posts where", """\
# Who holds which posts in which organisation: each printing of a post (a gh:Attestation) with the title as printed and resolved, the item and its date (?inferred: read from the item, not the masthead).
SELECT ?name ?printed ?resolved ?organisation ?date ?inferred ?headline ?person ?org ?item
WHERE {
  ?m a org:Membership ; org:member ?person ; org:organization ?org .
  ?person schema:name ?name .
  ?org schema:name ?organisation .
  ?a gh:attests ?m ; gh:postTitle ?printed ; gh:resolvedTitle ?resolved .
  OPTIONAL { ?a prov:wasDerivedFrom ?item . OPTIONAL { ?item schema:headline ?headline } }
  OPTIONAL { ?a gh:attestedAt/time:inXSDDate ?date }
  OPTIONAL { ?a gh:dateInferred ?inferred }
}
ORDER BY ?organisation ?name ?date ?printed
"""),
    ("组织成员 · People of an organisation", """\
# The people printed with a post in an organisation or any body under it, with the first and last date each post was printed.
SELECT ?organisation ?unit ?name ?role ?first ?last (COUNT(DISTINCT ?a) AS ?printings) ?person ?org
WHERE {
  # VALUES ?organisation { "某某市总工会"@zh }    # ← remove the # in front of VALUES to pick one
  ?org schema:name ?organisation .
  ?unitOrg org:subOrganizationOf* ?org ; schema:name ?unit .
  ?m org:organization ?unitOrg ; org:member ?person ; org:role/skos:prefLabel ?role .
  ?person schema:name ?name .
  ?a gh:attests ?m .
  # MIN/MAX over a group with an unbound date is an error (unbound): take them over dated printings
  OPTIONAL { SELECT ?m (MIN(?date) AS ?first) (MAX(?date) AS ?last)
             WHERE { ?dated gh:attests ?m ; gh:attestedAt/time:inXSDDate ?date } GROUP BY ?m }
}
GROUP BY ?organisation ?unit ?name ?role ?first ?last ?person ?org
ORDER BY ?organisation ?unit ?first ?name
"""),
    ("人物提及 · Every mention of a person", """\
# Every mention of a person with the issue date (or, on an undated page, the date the item gives itself) and the words as printed.
SELECT ?name ?date ?given ?headline ?exact ?article ?person
WHERE {
  # VALUES ?name { "张三"@zh }    # ← remove the # in front of VALUES to follow one person
  ?person a schema:Person ; schema:name ?name .
  ?mention oa:hasBody ?person ; oa:hasTarget ?target .
  ?target oa:hasSource ?page ; oa:hasSelector ?selector .
  ?selector oa:start ?start ; oa:exact ?exact .
  ?article gh:sourcePage ?page ; gh:startOffset ?from ; gh:endOffset ?to .
  FILTER(?from <= ?start && ?start < ?to)
  OPTIONAL { ?article schema:headline ?headline }
  OPTIONAL { ?article schema:isPartOf/schema:datePublished ?date }
  OPTIONAL { ?article schema:dateCreated ?given }
}
ORDER BY ?name ?date ?given ?article ?start
"""),
    ("记者所写 · People a reporter wrote about", """\
# For each person credited on an item (reporter, correspondent, photographer: all schema:contributor), the people its items mention, how often and since when.
SELECT ?contributor ?name (COUNT(DISTINCT ?article) AS ?articles) ?first ?by ?person
WHERE {
  ?article schema:contributor ?by ; schema:mentions ?person .
  ?by schema:name ?contributor .
  ?person a schema:Person ; schema:name ?name .
  FILTER(?person != ?by)
  OPTIONAL { SELECT ?by ?person (MIN(?date) AS ?first)
             WHERE { ?dated schema:contributor ?by ; schema:mentions ?person ;
                            schema:isPartOf/schema:datePublished ?date } GROUP BY ?by ?person }
}
GROUP BY ?contributor ?name ?first ?by ?person
ORDER BY ?contributor DESC(?articles) ?name
"""),
    ("口号首现 · Slogans by first appearance", """\
# Slogans in the order they first appear in a dated issue (undated ones last), with how many articles carry them.
SELECT ?label ?first (COUNT(DISTINCT ?article) AS ?articles) ?slogan
WHERE {
  ?slogan a gh:Slogan ; skos:prefLabel ?label .
  ?article schema:mentions ?slogan .
  # MIN over a group with an unbound date is an error (unbound): take it over dated articles only
  OPTIONAL { SELECT ?slogan (MIN(?date) AS ?first)
             WHERE { ?dated schema:mentions ?slogan ; schema:isPartOf/schema:datePublished ?date }
             GROUP BY ?slogan }
}
GROUP BY ?slogan ?label ?first
ORDER BY (!BOUND(?first)) ?first ?label
"""),
    ("版面顺序 · Articles of an issue in page order", """\
# The items of one issue in page order (here the latest issue; change the subquery to pick another).
SELECT ?date ?file ?position ?kind ?headline ?article
WHERE {
  { SELECT ?issue WHERE { ?issue a schema:PublicationIssue ; schema:datePublished ?d }
    ORDER BY DESC(?d) LIMIT 1 }
  ?issue schema:datePublished ?date .
  ?article schema:isPartOf ?issue ; gh:sourcePage ?page ; schema:position ?position .
  OPTIONAL { ?page gh:fileName ?file }
  OPTIONAL { ?article schema:headline ?headline }
  OPTIONAL { ?article gh:itemKind ?kind }
}
ORDER BY ?file ?position
"""),
    ("下属组织 · Organisations under a parent", """\
# Every organisation under a top-level body, at any depth, with its direct parent.
SELECT ?top ?organisation ?directParent ?org
WHERE {
  ?org org:subOrganizationOf+ ?topOrg ; org:subOrganizationOf ?parent .
  FILTER NOT EXISTS { ?topOrg org:subOrganizationOf ?above }
  ?topOrg schema:name ?top .
  ?org schema:name ?organisation .
  ?parent schema:name ?directParent .
}
ORDER BY ?top ?directParent ?organisation
"""),
    ("识别依据 · What found the mentions", """\
# How many mentions of each kind of entity each source found (gh:foundBy: byline, post-chain, model …).
# With FILTER(?source != "model") a query of mentions keeps only those a rule with context found.
SELECT ?class ?source (COUNT(?mention) AS ?mentions)
WHERE {
  ?mention a oa:Annotation ; oa:hasBody ?entity ; gh:foundBy ?source .
  ?entity a ?class .
  VALUES ?class { schema:Person org:Organization schema:Place gh:Slogan schema:Event }
}
GROUP BY ?class ?source
ORDER BY ?class DESC(?mentions)
"""),
    ("人工更正 · What the corrections changed", """\
# Each archivist's correction the build applied (corrections/*.toml), who made it and when as its file says, and what it changed: the statements that say gh:correctedBy it, and those it removed (gh:removedStatement). Empty if none applied.
SELECT ?correction ?operation ?who ?when ?change ?changed
WHERE {
  ?correction a gh:Correction ; gh:operation ?operation .
  OPTIONAL { ?correction prov:wasAssociatedWith/schema:name ?who }
  OPTIONAL { ?correction dcterms:date ?when }
  { ?changed gh:correctedBy ?correction . BIND("made or changed" AS ?change) }
  UNION { ?correction gh:removedStatement ?changed . BIND("removed" AS ?change) }
}
ORDER BY ?when ?correction ?change STR(?changed)
"""),
    ("数据概览 · What the dataset holds", """\
# How many things of each class the dataset holds.
SELECT ?class (COUNT(DISTINCT ?thing) AS ?things)
WHERE { ?thing a ?class }
GROUP BY ?class
ORDER BY DESC(?things)
"""),
]


def with_prefixes(query: str, base: str = ID_PREFIX) -> str:
    """The query preceded by the PREFIX lines of the prefixes it uses (id: is the data's base)."""
    prefixes = {**QUERY_PREFIXES, "id": base}
    used = [p for p in prefixes if re.search(rf"(?<![\w?$]){p}:", query)]
    return "".join(f"PREFIX {p}: <{prefixes[p]}>\n" for p in used) + query


def examples(base: str = ID_PREFIX) -> list[dict]:
    return [{"title": title, "query": with_prefixes(q, base)} for title, q in EXAMPLES]


def query_page(*, endpoint: str, quads: int, graphs: int, downloads: bool, ontology: bool, shapes: bool,
               base: str = ID_PREFIX) -> str:
    # IRIs in results open this server's pages (the published IRIs may not resolve from here).
    local = {base: "/id/", PREFIXES["gh"]: "/ontology#"}
    config = {"endpoint": endpoint, "examples": examples(base), "prefixes": {**QUERY_PREFIXES, "id": base},
              "local": local}
    # JSON inside <script>: escape "<" so data can never close the element.
    config_json = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    buttons = "".join(f'<button type="button" data-example="{i}">{esc(ex["title"])}</button>'
                      for i, ex in enumerate(config["examples"]))
    links = [f'<a href="{esc(endpoint)}">endpoint</a> (SPARQL 1.1 Protocol; GET without a query = service description)']
    if downloads:
        links.append('<a href="/download/">dumps</a>')
    links.append('<a href="/.well-known/void">VoID</a>')
    if ontology:
        links.append('<a href="/ontology">ontology</a>')
    if shapes:
        links.append('<a href="/shapes">SHACL shapes</a>')
    body = f"""<h1>SPARQL 查询</h1>
<p class="stats">{quads:,} triples in {graphs:,} named graphs · {" · ".join(links)}</p>
<div class="examples"><span>Examples 示例:</span> {buttons}</div>
<div id="yasgui"></div>
<noscript><form method="get" action="{esc(endpoint)}"><textarea name="query" rows="12" cols="100">{esc(config["examples"][0]["query"])}</textarea>
<br><button>Run</button></form></noscript>
<script type="application/json" id="gonghui-config">{config_json}</script>
<script src="/static/yasgui/yasgui.min.js"></script>
<script src="/static/gonghui-query.js"></script>"""
    head = '<link rel="stylesheet" href="/static/yasgui/yasgui.min.css">'
    return layout("SPARQL", body, head=head, wide=True)
