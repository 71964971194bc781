"""Find people with their posts, organisations, places, slogans and events on one page.

jieba alone is weak here (it calls idioms names and splits rare ones), so the extractor is
rule-first, uses jieba as a dictionary of ordinary words, and takes a statistical recogniser's
candidates where the rules have no context. One module per kind, each reading only those before it:

    words     the fixed word lists (divisions, post titles, boundary words) found in text
    context   the paper's home province, city and issue date
    recogniser  the statistical recogniser (Baidu LAC): PER/ORG/LOC candidates under the rules
    org_names the organisation suffixes and kinds; canonical names of written forms
    orgs      organisations: prefix + name words + suffix, abbreviations, the recogniser's suffixed names
    posts     post chains before a name (`市总工会党组书记、常务副主席王建平`)
    people    names after posts, in lists (`分别是甲、乙、丙`), before a boundary word (`沈丽传达了`)
    vetting   which of the recogniser's candidates to keep, by evidence that can be stated
    places    the division gazetteer plus towns, villages and roads by suffix
    slogans   quoted campaign names, numbered formulas (三助三保, 八要八不要) and national formulas;
              slogan_rules tells a slogan from a quoted ordinary word, nickname or clause
    events    named meetings with their date resolved against the issue date
    page      `extract(doc)`: all of the above over one page → PageEntities
    tagging   `tag_line(text)`: flat PER/ORG/LOC spans of a line, for `gonghui entities`
Every mention says which of them found it (model.EVIDENCE, published as gh:foundBy).
"""
from .orgs import suffix_kind, suffix_words, word_tags
from .page import extract
from .tagging import tag_line
from .words import division_words, title_words

__all__ = ["extract", "tag_line", "suffix_kind", "word_tags", "division_words", "suffix_words", "title_words"]
