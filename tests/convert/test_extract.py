"""The extraction stage on invented pages: people with posts, organisations, places, slogans,
events, identity across pages, and the flat tagger behind `gonghui entities`."""
import json

import pytest
from click.testing import CliRunner

from gonghui.cli import main
from gonghui.convert.extract import extract, tag_line
from gonghui.convert.read import read_bytes
from gonghui.convert.resolve import resolve
from gonghui.convert.segment import segment

MASTHEAD = """东海职工报

2021年3月9日 星期二 第512期

出版:东海市总工会 社址:东海市滨河区春晓路88号 邮编:315999

责任编辑:林晓岚

"""


def page(body: str, masthead: str = "", name: str = "p.txt"):
    return extract(segment(read_bytes((masthead + body).encode("utf-8"), name)))


def people(ents):
    return {p.name: p for p in ents.people}


def orgs(ents):
    return {o.name: o for o in ents.organisations}


# A Hangzhou paper: the masthead names the city, so 市总工会 is 杭州市总工会.
HZ = """杭州职工报

2022年6月8日 星期三 第100期

出版:杭州市总工会 邮编:310000

"""
HZ_BODY = """全市工会召开工作推进会

本报讯(记者 鲁一鸣)6月7日,市总工会召开工作推进会。市人大常委会党组副书记、副主任,市总工会主席邬家豪出席会议并讲话。市总工会党组书记、常务副主席葛文涛主持会议。淳安县人大常委会副主任、县总工会主席卜正华参加会议。

邬家豪指出,要打好“三改一拆”组合拳,做到“六要六不要”,推进“金秋助学”,当好职工的“娘家人”。他说:“我们要把工作做实做细,让职工满意。”

会上,卞晓芸传达了省总工会有关会议精神。全国五一劳动奖章获得者栾国栋作了发言。劳模代表他们分别是闵思远、訾春生、宓海燕。
"""


@pytest.fixture(scope="module")
def hz():
    return page(HZ_BODY, HZ, "hz.txt")


def test_post_chain_splits_posts_and_resolves_the_city(hz):
    p = people(hz)["邬家豪"]
    posts = {(q.title, q.org) for q in p.posts}
    assert ("市人大常委会党组副书记", "杭州市人大常委会党组") in posts
    assert ("市人大常委会副主任", "杭州市人大常委会") in posts
    assert ("市总工会主席", "杭州市总工会") in posts
    g = {(q.role, q.org) for q in people(hz)["葛文涛"].posts}
    assert g == {("党组书记", "杭州市总工会"), ("常务副主席", "杭州市总工会")} or \
        g == {("书记", "杭州市总工会党组"), ("常务副主席", "杭州市总工会")}


def test_county_abbreviation_resolved_from_the_chain(hz):
    posts = {(q.title, q.org) for q in people(hz)["卜正华"].posts}
    assert ("县总工会主席", "淳安县总工会") in posts


def test_organisation_forms_kinds_and_parents(hz):
    o = orgs(hz)
    assert {"市总工会", "杭州市总工会"} <= o["杭州市总工会"].forms
    assert o["杭州市总工会"].kind == "union"
    assert o["杭州市人大常委会党组"].parent == "杭州市人大常委会"
    assert "浙江省总工会" in o          # 省总工会 in a Hangzhou paper
    assert not any(name.startswith("全市") for name in o)


def test_people_from_bylines_lists_and_bare_mentions(hz):
    names = set(people(hz))
    assert {"鲁一鸣", "邬家豪", "葛文涛", "卜正华", "卞晓芸", "栾国栋", "闵思远", "訾春生", "宓海燕"} <= names
    assert "林晓岚" not in names
    assert not names & {"娘家人", "会议", "全市"}
    zhu = people(hz)["邬家豪"]
    text = hz.document.page.text
    assert len(zhu.mentions) == text.count("邬家豪")
    for m in zhu.mentions:
        assert text[m.start:m.end] == "邬家豪"
    assert {q.title for q in people(hz)["栾国栋"].posts} == {"全国五一劳动奖章获得者"}
    assert [q.org for q in people(hz)["鲁一鸣"].posts] == ["杭州职工报"]


def test_slogans_quoted_and_numbered_but_not_ordinary_words_or_speech(hz):
    labels = {s.label for s in hz.slogans}
    assert {"三改一拆", "六要六不要", "金秋助学"} <= labels
    assert "娘家人" not in labels
    assert not any("做实做细" in l for l in labels)


def test_event_dates_resolved_against_the_issue(hz):
    events = {e.name: e for e in hz.events}
    assert events["工作推进会"].date == "2022-06-07"


def test_relative_dates():
    ents = page("省总工会召开职工代表大会\n\n本报讯 记者阎明报道 昨天,省总工会召开职工代表大会。\n", HZ, "y.txt")
    [ev] = [e for e in ents.events if e.name.endswith("职工代表大会")]
    assert ev.date == "2022-06-07"


def test_places_with_division_codes(hz):
    ents = page("市总工会赴建德调研\n\n本报讯 记者阎明报道 日前,市总工会一行来到杭州市富阳区银湖街道和淳安县调研。\n", HZ, "z.txt")
    places = {p.name: p for p in ents.places}
    assert places["杭州市"].code == "330100000000"
    assert places["淳安县"].code == "330127000000" and places["淳安县"].level == "county"
    assert "银湖街道" in places and places["银湖街道"].level == "town"


def test_short_names_that_are_words_count_in_a_list_of_places(hz):
    # 东阳, 临海 and 海盐 are ordinary words too: alone they are no place, beside 淳安 in a list they are
    ents = page("工会动态\n\n各地工会交流经验\n\n本报讯 记者阎明报道 日前,淳安、东阳、临海、海盐等地工会交流经验。"
                "东阳光照充足,大家意见大同小异。\n", HZ, "l.txt")
    places = {p.name: p for p in ents.places}
    assert {"淳安", "东阳", "临海", "海盐"} <= set(places)
    assert places["东阳"].code == "330783000000" and len(places["东阳"].mentions) == 1
    assert "大同" not in places              # 大同小异 is an idiom, not 大同市
    far = page("工会动态\n\n交流\n\n本报讯 记者阎明报道 东阳、临海等地工会交流经验。\n", HZ, "m.txt")
    assert not {"东阳", "临海"} & {p.name for p in far.places}      # no place in the list vouches for them


def test_an_accredited_group_and_an_association_branch_are_named_in_full(hz):
    ents = page("工会动态\n\n交流会召开\n\n本报讯 记者阎明报道 市纪委监委派驻市文广旅游局纪检监察组组长韦清远出席会议,"
                "东海市职工技术协会智能制造分会作交流发言。\n", HZ, "g.txt")
    names = orgs(ents)
    group = names["杭州市纪委监委派驻杭州市文广旅游局纪检监察组"]
    assert group.parent == "杭州市纪委监委"
    assert [p.org for p in people(ents)["韦清远"].posts] == [group.name]
    assert "东海市职工技术协会智能制造分会" in names


def test_district_unions_take_their_city():
    ents = page("工会动态\n\n温州市鹿城区总工会 举办培训班\n\n本报讯 通讯员阎明报道 日前,鹿城区总工会举办培训班。\n")
    assert "温州市鹿城区总工会" in orgs(ents)


def test_identity_across_pages_and_namesakes_kept_apart():
    a = page("工会动态\n\n西湖区总工会 举办活动\n\n本报讯 通讯员阎明报道 日前,杭州市西湖区总工会主席仇少华出席活动。\n", name="a.txt")
    b = page("工会动态\n\n西湖区总工会 召开会议\n\n本报讯 通讯员阎明报道 近日,杭州市西湖区总工会主席仇少华主持会议。\n", name="b.txt")
    c = page("工会动态\n\n苍南县总工会 召开会议\n\n本报讯 通讯员阎明报道 近日,苍南县总工会主席仇少华主持会议。\n", name="c.txt")
    corpus = resolve([a, b])
    [person] = [p for p in corpus.people.values() if p.name == "仇少华"]
    assert corpus.person_key[(0, "仇少华")] == corpus.person_key[(1, "仇少华")] == person.key
    corpus = resolve([a, c])
    assert len([p for p in corpus.people.values() if p.name == "仇少华"]) == 2


def test_bad_text_gives_sensible_output():
    assert page("这是一段没有任何实体的普通文字,讲的是天气很好。\n").people == []
    long = page("今天天气很好," * 15000 + "\n")
    assert long.people == [] and long.organisations == []
    latin = page("工会动态\n\n本报讯 记者阎明报道 John Smith 与 市总工会 座谈。\n")
    assert all(p.name != "John Smith" for p in latin.people)
    trad = page("工會動態\n\n本報訊 記者閻明報道 臺北市總工會理事長陳明華出席。\n")
    assert isinstance(trad.people, list)


def test_tag_line_flat_spans():
    line = "杭州市总工会主席邬家豪在淳安县调研。"
    spans = tag_line(line)
    got = {(s["type"], s["text"]) for s in spans}
    assert ("ORG", "杭州市总工会") in got
    assert ("PER", "邬家豪") in got
    assert ("LOC", "淳安县") in got
    assert not any(s["type"] == "PER" and "主席" in s["text"] for s in spans)
    for s in spans:
        assert line[s["start"]:s["end"]] == s["text"]
    ends = sorted((s["start"], s["end"]) for s in spans)
    assert all(a[1] <= b[0] for a, b in zip(ends, ends[1:]))


def test_entities_cli_reads_stdin_lines():
    res = CliRunner().invoke(main, ["entities"], input="宁波市总工会主席阎振东表示\n没有实体\n")
    assert res.exit_code == 0
    rows = [json.loads(l) for l in res.output.splitlines()]
    assert rows[0]["text"] == "宁波市总工会主席阎振东表示"
    assert {"type": "PER", "text": "阎振东", "start": 8, "end": 11} in rows[0]["entities"]
    assert rows[1]["entities"] == []


def test_word_tags_are_the_tags_of_jieba_posseg_without_the_hmm():
    """extract.word_tags stands in for jieba.posseg.lcut(text, HMM=False) so that the build need
    not import jieba.posseg: every window of the invented test pages, and mixed strings, get the
    same tags from both."""
    import re
    from pathlib import Path

    import jieba.posseg as pseg

    from gonghui.convert.extract import word_tags
    texts = ["", "ABC工会", "A工会B", "x光", "T恤衫厂", "3D打印协会", "第2车间", "C.C.工作室", "甲·乙", "㐀丙"]
    for page in sorted((Path(__file__).parent / "pages").glob("*.txt")):
        text = read_bytes(page.read_bytes(), page.name).text
        for run in re.findall(r"[^\s,。、;:!?“”()《》]+", text):
            texts += [run[i:i + n] for n in (2, 3, 5, 8) for i in range(0, max(1, len(run) - n + 1))]
    assert len(texts) > 2000
    for t in texts:
        assert word_tags(t) == [w.flag for w in pseg.lcut(t, HMM=False)], t


def test_every_post_keeps_the_title_exactly_as_printed(hz):
    """副主任 after 、 is printed without its organisation: `printed` is what the page says,
    `title` the form completed from the chain (issue 19 item 4)."""
    text = hz.document.page.text
    posts = {(q.role, q.org): q for q in people(hz)["邬家豪"].posts}
    deputy = posts[("副主任", "杭州市人大常委会")]
    assert deputy.printed.text == "副主任" and deputy.title == "市人大常委会副主任"
    assert posts[("副书记", "杭州市人大常委会党组")].printed.text == "市人大常委会党组副书记"
    for p in hz.people:
        for q in p.posts:
            if q.printed:
                assert text[q.printed.start:q.printed.end] == q.printed.text


SPEECH = """扎实推进工作 开创崭新局面 在全市工会工作会议上的讲话 市人大常委会副主任、市总工会主席 邬家豪 (2021年12月3日,根据录音整理) 同志们,今天我们召开会议,总结一年的工作。
"""


def test_a_speech_byline_gives_the_speaker_posts():
    """`市人大常委会副主任、市总工会主席 某某` before a speech: the speaker holds both posts
    (issue 19 item 3)."""
    ents = page(SPEECH, HZ, "speech.txt")
    item = ents.document.items[0]
    assert item.kind == "speech" and item.names("speaker") == ["邬家豪"]
    posts = {(q.role, q.org, q.printed.text) for q in people(ents)["邬家豪"].posts}
    assert ("副主任", "杭州市人大常委会", "市人大常委会副主任") in posts
    assert ("主席", "杭州市总工会", "市总工会主席") in posts


def test_an_enterprise_paper_s_company_is_its_publisher_s():
    mast = "港务职工\n\n东海港务集团有限公司工会 主办\n\n2031年3月26日 星期五\n\n第3期(总第21期)\n\n"
    ents = page("职代会召开\n\n本报讯(记者 严明)3月23日,公司召开职代会。公司党委书记、董事长顾大为,"
                "公司工会主席许静出席。该公司工会还与南湾物流有限公司工会签订协议。\n", mast, "e.txt")
    assert ents.document.issue.publisher == "东海港务集团有限公司工会"
    posts = {p.name: {(x.role, x.org) for x in p.posts} for p in ents.people}
    assert ("书记", "东海港务集团有限公司党委") in posts["顾大为"] and ("董事长", "东海港务集团有限公司") in posts["顾大为"]
    assert posts["许静"] == {("主席", "东海港务集团有限公司工会")}
    assert "南湾物流有限公司工会" in orgs(ents)
    # on a city's paper 公司 is no particular company
    assert not [o for o in page("一则消息\n\n本报讯 记者阎明报道 公司工会主席许静出席。\n", HZ, "f.txt").organisations
                if o.name.endswith("公司工会")]


def test_a_second_title_that_begins_with_a_unit_body_is_held_in_that_body():
    ents = page("工会动态\n\n竞赛启动\n\n本报讯 记者阎明报道 南湾地铁集团有限公司启动竞赛。南湾地铁集团党委副书记、工会主席邝大明出席。\n")
    assert {(x.title, x.org) for x in people(ents)["邝大明"].posts} == {
        ("南湾地铁集团党委副书记", "南湾地铁集团有限公司党委"), ("工会主席", "南湾地铁集团有限公司工会")}


def test_a_zone_named_before_is_the_district_of_a_later_abbreviation():
    ents = page("工会动态\n\n会议召开\n\n本报讯 记者阎明报道 东海高新区人大常委会副主任、区总工会主席韩立群出席会议。\n")
    assert {(x.role, x.org) for x in people(ents)["韩立群"].posts} == {
        ("副主任", "东海高新区人大常委会"), ("主席", "东海高新区总工会")}


def test_the_leaders_of_a_body_listed_after_it_hold_a_post_in_it(hz):
    ents = page("工会动态\n\n会议召开\n\n本报讯 记者阎明报道 市总工会领导韩立群、邹一鸣、葛思远参加会议。\n", HZ, "d.txt")
    for name in ("韩立群", "邹一鸣", "葛思远"):
        assert {(x.role, x.org) for x in people(ents)[name].posts} == {("领导", "杭州市总工会")}, name
