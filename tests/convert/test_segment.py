"""Masthead and segmentation on invented layouts, and generic invariants on the seeds."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gonghui.cli import main
from gonghui.convert.read import read_bytes, read_page
from gonghui.convert.segment import segment

LAYOUTS = Path(__file__).parent / "layouts"
SEEDS = sorted((Path(__file__).parents[2] / "seeds").glob("*.txt"))


def doc(name):
    return segment(read_page(LAYOUTS / name))


def test_masthead_with_both_issue_and_running_number():
    issue = doc("masthead_both_numbers.txt").issue
    assert issue.newspaper == "东海职工报"
    assert issue.date == "2021-03-09"
    assert issue.weekday == "星期二"
    assert issue.lunar_date == "农历辛丑年正月廿六"
    assert issue.issue_number == "512"
    assert issue.total_number == "20876"
    assert issue.publisher == "东海职工报社"
    assert issue.editor == "林晓岚"
    assert issue.address == "东海市滨河区春晓路88号"
    assert issue.postcode == "315999"
    assert issue.phones == {"新闻热线": "(0574)12345678"}
    assert issue.websites == {"电子版": "www.example-dhzg.cn"}
    assert issue.email == "news@example-dhzg.cn"
    assert issue.cn_number == "CN99—0001"
    assert issue.postal_code == "99—9"
    assert issue.print_permit == "东企准字第B123号"


def test_crlf_and_gbk_pages_segment_like_their_utf8_twins():
    a, b = doc("masthead_both_numbers.txt"), doc("masthead_crlf.txt")
    assert a.issue == b.issue
    assert [i.headline.text for i in a.items] == [i.headline.text for i in b.items]
    c, d = doc("briefs.txt"), doc("briefs_gbk.txt")
    assert d.page.encoding in ("gb18030", "gbk")
    assert [i.headline.text for i in c.items] == [i.headline.text for i in d.items]


def test_article_parts_and_offsets():
    d = doc("masthead_both_numbers.txt")
    article, teaser = d.items
    assert article.kind == "news"
    assert article.headline.text == "春风送岗位 暖心进万家"
    assert article.subheadline.text == "东海市总工会启动春季就业援助活动"
    assert article.dateline.text == "本报讯"
    assert article.names("reporter") == ["陶思远"]
    assert article.names("correspondent") == ["卞可欣"]
    assert article.paragraphs[0].text.startswith("3月8日,东海市总工会")
    text = d.page.text
    for span in [article.headline, article.subheadline, article.dateline, *article.paragraphs]:
        assert text[span.start:span.end] == span.text
    for c in article.credits:
        assert text[c.start:c.end] == c.name
    assert teaser.kind == "teaser" and not teaser.is_article
    assert teaser.section.text == "导读"
    assert teaser.jump.text == "详见第2版"


def test_page_of_briefs_under_a_column_heading():
    d = doc("briefs.txt")
    assert d.issue is None
    assert [i.headline.text for i in d.items] == [
        "南岭区总工会 开展夏季送清凉慰问", "北湖镇总工会 举办职工趣味运动会", "西山县总工会 召开基层工会主席培训会"]
    assert all(i.section and i.section.text == "工会动态" for i in d.items)
    assert [i.names("correspondent") for i in d.items] == [["鲍一鸣"], ["古丽娜"], ["蒋云帆"]]


def test_photo_item_and_signed_piece():
    photo, signed = doc("photo_and_commentary.txt").items
    assert photo.kind == "photo" and not photo.is_article
    assert photo.headline.text == "匠心筑梦 技能报国"
    assert photo.names("photographer") == ["陶思远", "卞可欣"]
    assert signed.kind == "discussion" and signed.is_article
    assert signed.names("author") == ["林晓岚"]
    assert signed.paragraphs[0].text.startswith("近年来")


def test_page_that_is_one_long_speech():
    d = doc("speech.txt")
    [speech] = d.items
    assert speech.kind == "speech"
    assert speech.headline.text == "凝心聚力谋发展 奋发有为开新局"
    assert speech.subheadline.text == "在全市工会工作会议上的讲话"
    assert speech.names("speaker") == ["欧阳明远"]
    assert speech.dateline.text == "(2019年1月15日)"
    assert speech.paragraphs and speech.paragraphs[0].text.startswith("同志们")


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_seed_invariants(path):
    d = segment(read_page(path))
    text = d.page.text
    assert d.items, "every seed has items"
    starts = [i.start for i in d.items]
    assert starts == sorted(starts)
    for item in d.items:
        spans = [item.kicker, item.headline, item.subheadline, item.dateline, item.jump, *item.paragraphs]
        for s in spans:
            if s is not None:
                assert text[s.start:s.end] == s.text
        for c in item.credits:
            assert text[c.start:c.end] == c.name and 2 <= len(c.name) <= 4
        if item.is_article:
            assert item.headline is not None
        if item.kind == "teaser":
            assert item.jump is not None
    if d.issue:
        assert d.issue.newspaper and d.issue.date


def test_cli_parse_json_and_summary():
    runner = CliRunner()
    res = runner.invoke(main, ["parse", str(LAYOUTS / "masthead_both_numbers.txt")])
    assert res.exit_code == 0
    data = json.loads(res.output)
    assert data["issue"]["issue_number"] == "512"
    assert data["items"][0]["reporters"] == ["陶思远"]
    res = runner.invoke(main, ["parse", "--summary", str(LAYOUTS / "briefs.txt")])
    assert res.exit_code == 0
    assert "masthead: none" in res.output and "西山县总工会" in res.output


@pytest.mark.parametrize("make", ["empty", "binary", "directory", "huge", "latin"])
def test_cli_bad_input_one_line_exit_2(tmp_path, make):
    path = tmp_path / "bad.txt"
    if make == "empty":
        path.write_bytes(b"")
    elif make == "binary":
        path.write_bytes(bytes(range(256)) * 10)
    elif make == "directory":
        path.mkdir()
    elif make == "huge":
        path.write_text("工" * (5 * 1024 * 1024 // 3 + 10), encoding="utf-8")
    else:
        path.write_text("no Chinese here at all\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["parse", str(path)])
    assert res.exit_code == 2
    assert res.exception is None or isinstance(res.exception, SystemExit)
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "bad.txt" in lines[0]


def test_the_staff_at_a_page_foot_are_the_issue_s_not_an_article():
    text = ("南湾职工报\n2031年5月6日 星期二 第9期\n出版:南湾市总工会\n市总工会召开会议\n"
            "本报讯(记者 尚云飞)5月5日,市总工会召开全委会议,总结去年工作,部署今年全市工会的各项重点任务。\n责任编辑:阿依努尔·卡德尔 美术编辑:林小溪 校对:齐远\n")
    doc = segment(read_bytes(text.encode(), "foot.txt"))
    assert doc.issue.editor == "阿依努尔·卡德尔"
    assert doc.issue.other["美术编辑"] == "林小溪" and doc.issue.other["校对"] == "齐远"
    assert [it.headline.text for it in doc.items if it.headline] == ["市总工会召开会议"]
    assert not any("责任编辑" in p.text for it in doc.items for p in it.paragraphs)


def test_a_dotted_name_is_one_credit():
    text = "南湾职工报\n2031年5月6日 星期二 第9期\n出版:南湾市总工会\n一则消息\n本报讯(记者 买合木提·吐尔逊 通讯员 邢路)昨日,会议召开。\n"
    doc = segment(read_bytes(text.encode(), "dot.txt"))
    assert [(c.role, c.name) for it in doc.items for c in it.credits] == [
        ("reporter", "买合木提·吐尔逊"), ("correspondent", "邢路")]


def test_the_masthead_editor_stays_when_the_foot_names_another():
    from gonghui.convert.extract import extract
    text = ("南湾职工报\n2031年5月6日 星期二 第9期\n出版:南湾市总工会 责任编辑:温若岚\n市总工会召开会议\n"
            "本报讯(记者 尚云飞)5月5日,市总工会召开全委会议,总结去年工作,部署今年全市工会的各项重点任务。\n"
            "责任编辑:齐远 校对:林小溪\n")
    people = {p.name: p for p in extract(segment(read_bytes(text.encode(), "two.txt"))).people}
    assert [(q.title, q.org) for q in people["温若岚"].posts] == [("责任编辑", "南湾职工报")]
    assert people["温若岚"].mentions[0].start == text.index("温若岚")


def test_a_two_line_head_by_house_style_and_by_what_the_second_line_says():
    mast = "南湾职工报\n2031年5月6日 星期二 第9期\n出版:南湾市总工会\n"
    # 本刊讯(记者 …) is the bracketed house style too: 主题 + 副题
    text = mast + "“争当先锋”竞赛全面铺开\n\n全市80个项目参赛\n\n本刊讯(记者 尚云飞)日前,竞赛启动。\n"
    [item] = segment(read_bytes(text.encode(), "k.txt")).items
    assert (item.kicker, item.headline.text, item.subheadline.text) == (None, "“争当先锋”竞赛全面铺开", "全市80个项目参赛")
    # a second line that names the occasion is a 副题 in any house style
    text = mast + "认真谋划 扎实推进\n\n在全市工会工作会议上\n\n本报讯 记者尚云飞报道 日前,会议召开。\n"
    [item] = segment(read_bytes(text.encode(), "o.txt")).items
    assert (item.kicker, item.headline.text, item.subheadline.text) == (None, "认真谋划 扎实推进", "在全市工会工作会议上")


def test_a_caption_credited_without_a_role_word_is_a_photo():
    mast = "南湾职工报\n2031年5月6日 星期二 第9期\n出版:南湾市总工会\n"
    for credit in ("古丽娜尔 摄", "(邢路 摄)"):
        text = mast + "同心协力\n\n5月4日,南湾港码头上,青年突击队员在装卸货物。 " + credit + "\n"
        [item] = segment(read_bytes(text.encode(), "p.txt")).items
        assert item.kind == "photo" and item.headline.text == "同心协力"
        assert [(c.role, c.name) for c in item.credits] == [("photographer", credit.strip("() 摄"))]
    text = mast + "一则消息\n\n本报讯(记者 尚云飞)大家一起拍摄。\n"          # 拍摄 ends a sentence, credits no one
    assert [it.kind for it in segment(read_bytes(text.encode(), "q.txt")).items] == ["news"]
