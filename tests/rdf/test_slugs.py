"""Slugs cut at word boundaries, over a list of invented names (none from the seed pages), and the
IRIs of the old rule kept: every one that changed is stated replaced by the new one."""
import pytest

from gonghui.convert.resolve import Corpus
from gonghui.rdf.iri import Minter, slug, words
from gonghui.rdf.legacy import legacy_minter, legacy_slug

# (name, is a person, expected slug, the old rule cut it wrongly)
DEV = [
    # people: surname, then given name, however jieba would cut them (王国 and 黄金 are words)
    ("林晓东", True, "lin-xiaodong", False),
    ("欧阳慧敏", True, "ouyang-huimin", False),
    ("司马青云", True, "sima-qingyun", False),
    ("王国强", True, "wang-guoqiang", False),
    ("高新民", True, "gao-xinmin", False),
    ("黄金海", True, "huang-jinhai", False),
    ("周小川", True, "zhou-xiaochuan", False),
    ("诸葛文静", True, "zhuge-wenjing", False),
    # organisations in other provinces: the place, its ending, then the body
    ("成都市总工会", False, "chengdu-shi-zonggonghui", False),
    ("广东省总工会", False, "guangdong-sheng-zonggonghui", False),
    ("昆明市五华区总工会", False, "kunming-shi-wuhua-qu-zonggonghui", False),
    ("兰州市城关区总工会", False, "lanzhou-shi-chengguan-qu-zonggonghui", False),
    ("贵阳市教育工会", False, "guiyang-shi-jiaoyu-gonghui", False),
    ("南宁市政府", False, "nanning-shi-zhengfu", False),
    ("黑龙江省总工会", False, "heilongjiang-sheng-zonggonghui", False),
    ("长春市朝阳区总工会", False, "changchun-shi-zhaoyang-qu-zonggonghui", False),
    ("石桥镇人民政府", False, "shiqiao-zhen-renminzhengfu", False),
    ("中共成都市委", False, "zhonggong-chengdu-shiwei", True),      # not chengdushiwei
    ("中共岳阳县委", False, "zhonggong-yueyang-xianwei", True),      # not xian-wei
    # places: a short form is one word, not a surname and a given name
    ("婺源", False, "wuyuan", True),
    ("陵水", False, "lingshui", True),
    ("崂山", False, "laoshan", True),
    ("延边州", False, "yanbian-zhou", True),
    ("凤凰县", False, "fenghuang-xian", False),
    ("龙泉驿区", False, "longquanyi-qu", False),
    ("石桥镇", False, "shiqiao-zhen", False),
    # slogans
    ("乡村振兴", False, "xiangcun-zhenxing", True),
    ("安全生产", False, "anquan-shengchan", True),
    ("共同富裕", False, "gongtongfuyu", True),                       # one word in jieba's dictionary
    ("最多跑一次", False, "zuiduo-pao-yici", True),
    ("放管服", False, "fangguanfu", True),
    ("全国职工运动会", False, "quanguo-zhigong-yundonghui", False),
    # newspapers
    ("广州工运", False, "guangzhou-gongyun", True),
    ("成都工运", False, "chengdu-gongyun", True),
    ("四川工人日报", False, "sichuan-gongrenribao", False),
    ("湖北工会", False, "hubei-gonghui", False),
    ("厦门工运", False, "xiamen-gongyun", True),                     # not sha-mengongyun
    ("拉萨日报", False, "lasa-ribao", False),
    # roles
    ("会计", False, "kuaiji", True),                                 # the word's reading, not hui-ji
    ("理事长", False, "lishizhang", True),
    ("董事长", False, "dongshizhang", True),
    ("护士长", False, "hushizhang", True),
    ("巡视组", False, "xunshizu", True),
]


@pytest.mark.parametrize("name, person, expected, old_wrong", DEV, ids=[d[0] for d in DEV])
def test_slugs_cut_at_word_boundaries(name, person, expected, old_wrong):
    assert slug(name, person) == expected
    assert (legacy_slug(name) != expected) == old_wrong


def test_the_dev_list_is_large_and_mostly_fixes_old_cuts():
    assert len(DEV) >= 40 and sum(d[3] for d in DEV) >= 18


@pytest.mark.parametrize("text, expected", [
    ("金沙县总工会", ["金沙", "县", "总工会"]),          # the place wins over 县总工会
    ("职调办主任", ["职调办", "主任"]),                 # characters no word covers: one word
])
def test_words(text, expected):
    cut = words(text)
    assert "".join(cut) == text
    if expected:
        assert cut == expected


def test_non_person_names_are_never_cut_after_a_surname():
    # short names that begin with a surname character: a place, a slogan, a role
    assert slug("高铁站") == "gaotie-zhan" and slug("高铁站", person=True) == "gao-tiezhan"
    assert slug("黄金周") == "huangjinzhou"


def test_a_new_slug_never_takes_an_old_one_from_another_entity():
    # the old rule made "dong-shizhang" of 董事长 (cut after 董 as after a surname); if another
    # name's new slug were that, it must not take it: the old IRI still means 董事长's resource
    old = legacy_minter()
    keys = {"董事长": "董事长", "x": "x"}
    old.assign("role", keys)
    reserved = {old("role", k): k for k in keys}
    new = Minter(lambda text, kind: "dong-shizhang")
    new.assign("role", keys, reserved=reserved)
    assert new("role", "董事长") == "dong-shizhang" and new("role", "x").startswith("dong-shizhang-")


def test_the_mapper_states_each_changed_iri_replaced():
    from gonghui.convert.resolve import Organisation
    from gonghui.rdf.mapping import DCTERMS, Mapper
    c = Corpus()
    c.organisations["广州工运"] = Organisation("广州工运", "media", forms=frozenset({"广州工运"}))
    c.organisations["成都市总工会"] = Organisation("成都市总工会", "union", forms=frozenset({"成都市总工会"}))
    m = Mapper(c)
    pairs = {(a.value, b.value) for a, b in m.replaced()}
    assert pairs == {(m.ID["org/guang-zhougongyun"].value, m.ID["org/guangzhou-gongyun"].value)}
    assert (m.ID["org/guang-zhougongyun"], DCTERMS.isReplacedBy, m.org("广州工运")) in m.build_graph()
