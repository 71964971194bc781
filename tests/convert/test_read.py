"""The page reader: encodings, whitespace, column breaks, transcripts, duplicates, bad input.

The pages in tests/pages/ are invented; the seed pages are only checked for generic invariants.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gonghui.convert.read import normalise, read_bytes, read_page
from gonghui.errors import InputError
from gonghui.model import Repair

PAGES = Path(__file__).parent / "pages"
SEEDS = sorted((Path(__file__).parents[2] / "seeds").glob("*.txt"))

ARTICLE = ["青禾县总工会举办职工技能比武",
           "本报讯 记者林木森 通讯员夏雨桐报道 近日,青禾县总工会在县体育中心举办第三届职工技能比武大赛,"
           "来自全县四十余家企业的两百多名职工参加了焊接、电工、数控车床等八个项目的角逐。",
           "县总工会主席周明远在开幕式上致辞,勉励大家以赛促学、以赛促练,争当新时代的能工巧匠。"]


def kinds(page, kind):
    return [r for r in page.repairs if r.kind == kind]


def around(text: str, repair: Repair) -> str:
    """The text either side of a join, in the form of its detail "左边|右边"."""
    left, right = repair.detail.split(" ")[-1].split("|")
    return text[repair.offset - len(left):repair.offset] + "|" + text[repair.offset:repair.offset + len(right)]


# ---------------------------------------------------------------- decoding

@pytest.mark.parametrize("name, encoding, how", [
    ("gbk.txt", "gb18030", "decoded as gb18030"),
    ("utf16le.txt", "utf-16-le", "utf-16 little-endian (byte-order mark)"),
    ("utf16be.txt", "utf-16-be", "utf-16 big-endian (byte-order mark)"),
    ("utf8bom.txt", "utf-8-sig", "utf-8 with byte-order mark"),
])
def test_encodings_give_the_same_text(name, encoding, how):
    page = read_page(PAGES / name)
    assert page.source == name
    assert page.encoding == encoding
    assert page.text == "\n".join(ARTICLE)
    assert page.repairs == (Repair("decode", 0, how),)
    assert page.sha256 == hashlib.sha256((PAGES / name).read_bytes()).hexdigest()


def test_big5_keeps_traditional_characters():
    page = read_page(PAGES / "big5.txt")
    assert page.encoding == "big5"
    assert page.text.split("\n")[0] == "綠川市總工會舉辦職工書法展覽"
    assert "本報訊 記者黃志明報道 日前,綠川市總工會在市文化館" in page.text
    assert kinds(page, "decode") == [Repair("decode", 0, "decoded as big5")]


def test_crlf_line_endings_become_lf_with_one_repair():
    page = read_page(PAGES / "crlf.txt")
    assert page.encoding == "utf-8"
    assert "\r" not in page.text
    assert page.text == "\n".join(ARTICLE)
    assert page.repairs == (Repair("line-endings", len(ARTICLE[0]),
                                   "5 line breaks to LF (5 CRLF, 0 other)"),)


def test_plain_utf8_has_no_decode_repair():
    page = read_bytes("工会新闻\n".encode("utf-8"), "plain.txt")
    assert (page.encoding, page.text, page.repairs) == ("utf-8", "工会新闻", ())


# ---------------------------------------------------------------- whitespace

def test_whitespace_is_cleaned_and_punctuation_kept():
    text, repairs = normalise("  工会\u00a0\u00a0新闻\u200b报道 \t\n\n\n\ufeff第二行\x07内容,(一)\t \n \u3000\n")
    assert text == "工会 新闻报道\n第二行 内容,(一)"
    assert [r.kind for r in repairs] == ["whitespace"]
    assert repairs[0].detail == ("control chars to space: 1, no-break spaces to space: 2, "
                                 "space runs collapsed: 1, zero-width dropped: 2")


def test_full_width_space_between_headline_halves_survives():
    assert normalise("上半句 \u3000\u3000 下半句")[0] == "上半句\u3000下半句"
    assert normalise("上半句\u3000下半句")[0] == "上半句\u3000下半句"
    assert normalise("上半句   下半句")[0] == "上半句 下半句"


def test_other_line_separators_count_as_line_endings():
    text, repairs = normalise("第一行\r第二行\x0c第三行\u2028第四行")
    assert text == "第一行\n第二行\n第三行\n第四行"
    assert repairs == [Repair("line-endings", 3, "3 line breaks to LF (0 CRLF, 3 other)")]


# ---------------------------------------------------------------- column breaks

def test_column_breaks_are_joined_and_headlines_kept():
    page = read_page(PAGES / "column.txt")
    assert page.text.split("\n") == [
        "山城工人报",
        "出版:山城市总工会 准印证号:山企准字第B101号",
        "社址:山城市滨河路88号 邮编:100001",
        "责任编辑:罗小溪",
        "职工书屋开进工地",
        "本报讯 记者韩雪报道 3月5日,山城市总工会在城东新区建设工地举行职工书屋揭牌仪式,为一线建设者送去"
        "图书两千余册。揭牌仪式上,市总工会副主席王春华介绍了书屋的建设情况。他说,书屋将向工地全体职工免费"
        "开放,让更多建设者在工余时间读好书、用好书,不断提升自身的文化素养和技能水平。",
        "下一步市总工会将加快推进职工书屋建设,计划年内在重点工程项目新建二十家书屋。",
        "建设者们纷纷表示,书屋让工地有了书香味。",
        "工地上的读书声",
        "傍晚时分,工地宿舍区的灯光亮了起来,刚下班的钢筋工赵大山捧着一本烹饪书读得津津有味。",
        "记者韩雪",
        "通讯员周小宁 摄",
        "技能比武显身手",
        "日前,市总工会举办建筑职工技能比武,三十名选手同场竞技。",
        "详见第3版",
    ]
    joins = kinds(page, "column-break")
    assert [r.detail for r in joins] == ["席王春|华介绍", "文化素|养和技", "加快推|进职工", "表示,|书屋让"]
    assert all(around(page.text, r) == r.detail for r in joins)


def test_a_cut_name_is_joined_but_a_headline_before_an_opener_is_not():
    assert normalise("参加比赛的十名老职工\n代表,今年都已年过六旬。")[0] == \
        "参加比赛的十名老职工代表,今年都已年过六旬。"
    assert normalise("参加比赛的十名老职工\n日前,他们来到工地参观。")[0] == \
        "参加比赛的十名老职工\n日前,他们来到工地参观。"


def test_masthead_and_credit_lines_are_never_joined():
    text = "昨日,市总工会召开会议,部署全年工作。 记者罗小溪 摄\n会议指出,要把服务职工放在首位。"
    assert normalise(text)[0] == text
    text = "主办:山城市总工会,联系电话\n12345678,欢迎来电。"
    assert normalise(text)[0] == text


# ---------------------------------------------------------------- transcripts

def test_chunk_markers_are_removed_and_real_lists_kept():
    page = read_page(PAGES / "transcript.txt")
    assert page.text.split("\n") == [
        "在全县工会工作会议上的讲话 县总工会主席 李青山 (2024年1月15日)",
        "同志们:今天我们召开全县工会工作会议,主要任务是总结去年工作,部署今年任务。",
        "一、过去一年的工作回顾 一年来,全县各级工会在县委的坚强领导下,紧紧围绕全县中心工作,团结动员广大"
        "职工建功立业,各项工作取得了明显成效。全年共开展劳动竞赛一百二十余场,参赛职工超过一万人次。",
        "二、今年的主要任务 今年是全面推进工会改革的关键之年,各级工会要进一步增强责任感和使命感,把职工群众"
        "的冷暖放在心上,扎扎实实为职工办好事、办实事。",
        "(一)深化产业工人队伍建设改革。要健全技能人才培养体系,拓宽职工成长成才通道。",
        "(二)提升服务职工水平。要完善帮扶工作机制,确保困难职工应帮尽帮。",
        "今年重点抓好三件事:",
        "1、加强职工技能培训。",
        "2、做好困难职工帮扶。",
        "3、推进基层工会建设。",
    ]
    markers = kinds(page, "chunk-marker")
    assert [r.detail for r in markers] == ["1、", "2、 工会在|县委的", "3、 之年,|各级工", "4、 平。要|完善帮"]
    assert markers[0].offset == 0
    assert all(around(page.text, r) == r.detail.split(" ")[1] for r in markers[1:])
    assert len(kinds(page, "flattened-paragraphs")) == 1


def test_short_numbered_headings_are_no_chunks():
    text = "1、主要做法\n2、下步打算"
    assert normalise(text) == (text, [])


def test_flattened_paragraphs_split_only_after_a_sentence_end():
    head = "劳动创造幸福 实干成就梦想 在职工大会上的发言"
    body = "".join(f"第{n}项任务要抓紧落实," for n in range(1, 31)) + "大家要齐心协力。"
    text, repairs = normalise(f"{head} {body} (根据录音整理) 最后,祝大家新年快乐!")
    assert text.split("\n") == [f"{head} {body}", "(根据录音整理)", "最后,祝大家新年快乐!"]
    assert [r.kind for r in repairs] == ["flattened-paragraphs"]
    assert repairs[0].offset == len(head) + 1 + len(body)


# ---------------------------------------------------------------- duplicates

def test_duplicates_are_dropped_and_legitimate_repeats_kept():
    page = read_page(PAGES / "duplicate.txt")
    lines = page.text.split("\n")
    assert lines[0] == "春风送岗位 暖心进万家"                       # doubled headline
    assert lines[1] == "就业有门路\u3000生活有奔头"                   # full-width space kept
    passage = "2月10日,河湾市总工会在市人才市场举办春风行动专场招聘会,八十余家企业提供就业岗位三千多个,吸引了四千余名求职者到场咨询。"
    assert page.text.count(passage) == 1
    assert lines[4] == "据介绍,今年的招聘会首次开设了技能人才专区,现场还设置了政策咨询台和法律援助台。"
    assert page.text.count("“职工有所需、工会有所为”") == 2                 # a slogan quoted twice
    assert page.text.count("困难职工和农民工帮扶慰问工作的通知》") == 2        # a title cited twice
    assert "服务没有终点,只有新的起点。服务没有终点,只有新的起点,大家" in page.text   # rhetoric
    dups = kinds(page, "duplicate")
    assert [r.detail for r in dups] == ["春风送岗位 暖心进万家", passage]
    assert [r.offset for r in dups] == [len(lines[0]), page.text.index("\n各级工会")]


def test_dropped_copy_leaves_no_dangling_comma():
    passage = "各级工会要把困难职工帮扶工作抓紧抓实,确保每一户困难家庭都能感受到组织的温暖和关怀。"
    text, repairs = normalise(f"一是开展走访。{passage}\n二是落实责任,{passage}\n三、下步打算")
    assert text == f"一是开展走访。{passage}\n二是落实责任\n三、下步打算"
    assert repairs == [Repair("duplicate", len(f"一是开展走访。{passage}\n二是落实责任"), passage)]


def test_offsets_point_into_the_final_text():
    # The join is found before the doubled headline is dropped; its offset must move with it.
    text, repairs = normalise("工会新闻标题文字工会新闻标题文字\r\n全市各级工会要加强\r\n\r\n领导,狠抓落实。")
    assert text == "工会新闻标题文字\n全市各级工会要加强领导,狠抓落实。"
    by_kind = {r.kind: r for r in repairs}
    assert by_kind["line-endings"].offset == 8
    assert by_kind["duplicate"].offset == 8
    assert around(text, by_kind["column-break"]) == "要加强|领导,"


# ---------------------------------------------------------------- bad input

def bad(path) -> str:
    with pytest.raises(InputError) as info:
        read_page(path)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_empty_and_whitespace_only_files(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b" \n\t\r\n\xe3\x80\x80\n")
    assert re.match(r".*empty\.txt: empty page", bad(tmp_path / "empty.txt"))
    assert re.match(r".*blank\.txt: empty page", bad(tmp_path / "blank.txt"))


def test_binary_files(tmp_path):
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (tmp_path / "noise.bin").write_bytes(bytes(range(1, 32)) * 20)
    (tmp_path / "broken.txt").write_bytes("工会".encode("utf-8") + b"\x80\xff\xfe\x80")
    assert "image.png: binary data (NUL bytes)" in bad(tmp_path / "image.png")
    assert "noise.bin: binary data (mostly control characters)" in bad(tmp_path / "noise.bin")
    assert "broken.txt: binary data (not UTF-8, GB18030 or Big5 text)" in bad(tmp_path / "broken.txt")


def test_directory_and_missing_file(tmp_path):
    assert bad(tmp_path) == f"{tmp_path}: is a directory, not a page file"
    assert bad(tmp_path / "gone.txt") == f"{tmp_path / 'gone.txt'}: no such file"


def test_a_5_mb_single_line_file_is_refused(tmp_path):
    big = tmp_path / "huge.txt"
    big.write_bytes("工".encode("utf-8") * (5 * 1024 * 1024 // 3))
    message = bad(big)
    assert "huge.txt: too large (5.0 MB; the limit is 2 MB" in message
    with pytest.raises(InputError, match="too large"):
        read_bytes(big.read_bytes(), "huge.txt")


def test_text_without_chinese_is_refused(tmp_path):
    (tmp_path / "english.txt").write_text("Trade unions\nin English only, 2024.\n", encoding="utf-8")
    assert "english.txt: no Chinese characters" in bad(tmp_path / "english.txt")


# ---------------------------------------------------------------- generic invariants on the seeds

@pytest.fixture(scope="module", params=SEEDS, ids=lambda p: p.name)
def seed(request):
    return read_page(request.param)


def test_seeds_follow_the_text_format(seed):
    text = seed.text
    assert "\r" not in text and "\n\n" not in text
    for line in text.split("\n"):
        assert line and line == line.strip(" \t\u3000")
        assert not line.endswith((",", ",", "、")), line


def test_seeds_have_no_chunk_marker_after_a_cut_sentence(seed):
    lines = seed.text.split("\n")
    for before, line in zip(lines, lines[1:]):
        if re.match(r"\d{1,3}、", line):
            assert before[-1] in "。!?!?…”’」』))::;;—", (before[-10:], line[:10])


def test_seeds_repeat_no_passage_of_40_characters(seed):
    """Apart from a document title 《…》 cited twice inside sentences."""
    seen = set()
    for j in range(len(seed.text) - 39):
        gram = seed.text[j:j + 40]
        if gram in seen:
            assert "《" in gram or "》" in gram, gram
        seen.add(gram)


def test_seed_repairs_point_into_the_text(seed):
    offsets = [r.offset for r in seed.repairs]
    assert offsets == sorted(offsets)
    assert all(0 <= o <= len(seed.text) for o in offsets)
    for r in kinds(seed, "column-break"):
        assert around(seed.text, r) == r.detail


def test_reading_is_deterministic():
    for path in SEEDS:
        assert read_page(path) == read_page(path)


# ---------------------------------------------------------------- any text at all

PIECES = ["工会", "职工", "劳模工", "匠", "本报讯", "记者王一", " 摄", "详见第2版", "出版:", "1、", "2、",
          "一、", ",", "。", "、", "“", "”", " ", "\u3000", "\t", "\n", "\n\n", "\r\n", "\u00a0",
          "\u200b", "\x07", "ab", "12", "提", "高认识", "标题文字重复了",
          "全市各级工会要加强领导狠抓落实确保各项任务顺利完成取得实效",
          "全市各级工会要加强领导狠抓落实确保各项任务顺利完成取得实效为全市经济发展作出新贡献。"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_any_text_comes_out_in_the_format(pieces):
    text, repairs = normalise("".join(pieces))
    assert "\r" not in text and "\n\n" not in text
    assert not text.startswith("\n") and not text.endswith("\n")
    assert all(line == line.strip(" \t\u3000\u00a0") for line in text.split("\n"))
    assert all(0 <= r.offset <= len(text) for r in repairs)
    assert normalise("".join(pieces)) == (text, repairs)
