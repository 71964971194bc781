"""The namespaces of the published data (see ontology/README.md), shared by the stages."""
from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDFS, SKOS, XSD

SCHEMA = Namespace("http://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
GH = Namespace("https://w3id.org/gonghui/ontology#")
TIME = Namespace("http://www.w3.org/2006/time#")
OA = Namespace("http://www.w3.org/ns/oa#")
SH = Namespace("http://www.w3.org/ns/shacl#")

DEFAULT_BASE = "https://w3id.org/gonghui/id/"     # where minted IRIs live unless a build is given another base


def site_of(base: str) -> str:
    """Where the publication lives: the base of the data IRIs without its `id/`
    (https://w3id.org/gonghui/id/ → https://w3id.org/gonghui/). Its endpoint is site + "sparql"
    and its dumps site + "download/NAME", as `gonghui serve` answers them; a server elsewhere
    points these at itself when it serves the published VoID."""
    return base[:-3] if base.endswith("/id/") else base

# prefixes bound in every dump
PREFIXES = {"schema": SCHEMA, "org": ORG, "gh": GH, "time": TIME, "oa": OA, "skos": SKOS, "prov": PROV,
            "rdfs": RDFS, "xsd": XSD, "dcterms": DCTERMS, "owl": OWL}
