"""Tests of the lexicons and the gazetteer (gonghui.lexicon and gonghui/lexicon/data/*)."""
from __future__ import annotations

import json
import re
import unicodedata
from importlib import resources
from pathlib import Path

import pytest

from gonghui import lexicon as lx
from gonghui.errors import InputError

DATA_FILES = ("surnames.txt", "posts.tsv", "org_suffixes.tsv", "abbreviations.tsv",
              "name_boundaries.txt", "not_names.txt", "formulas.txt", "divisions.csv", "divisions.LICENSE", "README.md")
LIST_FILES = ("surnames.txt", "posts.tsv", "org_suffixes.tsv", "abbreviations.tsv",
              "name_boundaries.txt", "not_names.txt")


def data_text(name: str) -> str:
    return resources.files("gonghui.lexicon").joinpath("data", name).read_text(encoding="utf-8")


def entry_keys(name: str) -> list[str]:
    """First column of every entry line, in file order."""
    return [line.split("\t")[0] for line in lx.parse_lines(data_text(name))]


def is_han(s: str) -> bool:
    return bool(s) and all(unicodedata.name(c, "").startswith("CJK UNIFIED IDEOGRAPH") for c in s)


# ---------------------------------------------------------------- the files themselves

@pytest.mark.parametrize("name", DATA_FILES)
def test_data_file_ships_in_the_package(name):
    assert resources.files("gonghui.lexicon").joinpath("data", name).is_file()


@pytest.mark.parametrize("name", LIST_FILES)
def test_list_files_are_sorted_without_duplicates(name):
    keys = entry_keys(name)
    assert len(keys) > 30
    assert keys == sorted(keys), f"{name} is not sorted"
    assert len(keys) == len(set(keys)), f"{name} has duplicates"


@pytest.mark.parametrize("name", LIST_FILES)
def test_list_entries_are_clean_han_text(name):
    for line in lx.parse_lines(data_text(name)):
        for field in line.split("\t"):
            assert field == field.strip() and field, (name, line)
        assert is_han(line.split("\t")[0]), (name, line)


def test_readme_names_every_data_file():
    readme = data_text("README.md")
    for name in DATA_FILES:
        if name != "README.md":
            assert f"`{name}`" in readme


# ---------------------------------------------------------------- surnames

def test_common_surnames_present():
    single, compound = lx.surnames()
    assert {"王", "李", "张", "刘", "陈", "楼", "俞", "肖"} <= single
    assert {"欧阳", "诸葛", "司马", "上官", "东方", "皇甫"} <= compound
    assert 400 <= len(single) <= 600 and 60 <= len(compound) <= 120
    assert all(len(s) == 1 for s in single) and all(2 <= len(c) <= 4 for c in compound)


def test_function_words_are_not_surnames():
    single, _ = lx.surnames()
    assert not {"有", "后", "能", "都", "的", "在"} & single


# ---------------------------------------------------------------- titles

def test_title_kinds():
    kinds = lx.title_kinds()
    assert kinds["主席"] == "post"
    assert kinds["常务副主席"] == "post"
    assert kinds["一级巡视员"] == "post"
    assert kinds["党组书记"] == "post"
    assert kinds["记者"] == "profession"
    assert kinds["见习记者"] == "profession"
    assert kinds["劳动模范"] == "honour"
    assert kinds["全国五一劳动奖章获得者"] == "honour"
    assert set(kinds.values()) == lx.TITLE_KINDS
    assert len(kinds) >= 300


def test_titles_longest_first():
    texts = [t.text for t in lx.titles()]
    lengths = [len(t) for t in texts]
    assert lengths == sorted(lengths, reverse=True)
    assert texts.index("常务副主席") < texts.index("副主席") < texts.index("主席")
    assert all(t.kind in lx.TITLE_KINDS for t in lx.titles())


def test_shared_tables_are_read_only():
    for table in (lx.title_kinds(), lx.abbreviations()):
        assert isinstance(table, dict)
        with pytest.raises(TypeError):
            table["主席"] = "changed"
        with pytest.raises(TypeError):
            table.update({"主席": "changed"})
        with pytest.raises(TypeError):
            table.pop(next(iter(table)))
    assert lx.title_kinds()["主席"] == "post"
    assert dict(lx.title_kinds()) == lx.title_kinds()   # a plain copy can be changed freely


# ---------------------------------------------------------------- organisations

def test_org_suffix_kinds_and_order():
    suffixes = lx.org_suffixes()
    kinds = {s.text: s.kind for s in suffixes}
    assert kinds["总工会"] == "union" and kinds["工会委员会"] == "union"
    assert kinds["党组"] == "party" and kinds["纪委监委"] == "party"
    assert kinds["人民政府"] == "government" and kinds["人大常委会"] == "legislature"
    assert kinds["股份有限公司"] == "company" and kinds["日报社"] == "media"
    assert kinds["技师学院"] == "school" and kinds["工人文化宫"] == "other"
    assert {s.kind for s in suffixes} == lx.ORG_KINDS
    lengths = [len(s.text) for s in suffixes]
    assert lengths == sorted(lengths, reverse=True)


def test_longest_suffix_wins_on_an_invented_name():
    def first_suffix(name):
        return next(s for s in lx.org_suffixes() if name.endswith(s.text))
    assert first_suffix("青禾智造股份有限公司").text == "股份有限公司"
    assert first_suffix("云溪区总工会").kind == "union"
    assert first_suffix("云溪区委宣传部").kind == "party"
    assert first_suffix("蓝湾融媒体中心").kind == "media"   # not "other" from 中心


def test_abbreviations():
    abbr = lx.abbreviations()
    assert abbr["全总"] == ("中华全国总工会", "union")
    assert abbr["全国总工会"] == ("中华全国总工会", "union")
    assert abbr["全国人大"] == ("全国人民代表大会", "legislature")
    assert abbr["全国政协"] == ("中国人民政治协商会议全国委员会", "legislature")
    assert abbr["国务院"][1] == "government"
    assert abbr["中共中央"][0] == abbr["党中央"][0] == abbr["中央"][0]
    assert all(kind in lx.ORG_KINDS for _, kind in abbr.values())
    # place-dependent forms belong to the extractor, not here
    assert not {"市总工会", "省总工会", "市委", "省委", "县委", "市政府", "省政府"} & set(abbr)
    # a name listed as its own short form is one the suffix rules cannot find: no division or
    # 中国/中华 prefix before its suffix (联合国, 九三学社, 国家统计局); 中共中央 is its usual form
    selfnamed = [short for short, (full, _) in abbr.items() if full == short]
    assert {"中共中央", "联合国", "九三学社"} <= set(selfnamed)
    assert not [s for s in selfnamed if s.startswith(("中国", "中华")) or s[:2] in lx.division_names() or s[:3] in lx.division_names()]


# ---------------------------------------------------------------- name boundaries and not-names

def test_name_boundaries():
    words = lx.name_boundaries()
    assert {"表示", "出席", "主持", "指出", "等", "一行", "同志", "和", "与"} <= words
    # characters that are common in given names must not cut names short
    assert not {"以", "自", "从", "同", "任", "于", "向", "刚"} & words


def test_not_names_begin_with_a_surname_or_are_tagged_nr_by_jieba():
    single, compound = lx.surnames()
    tags = {}
    for line in resources.files("jieba").joinpath("dict.txt").read_text(encoding="utf-8").splitlines():
        word, _, tag = line.split(" ")
        tags[word] = tag
    for word in lx.not_names():
        assert word[0] in single or word[:2] in compound or tags.get(word, "").startswith("nr"), word
    assert {"高度", "严于律己", "方面", "文明", "小便宜", "牛鼻子", "雷锋", "宁可"} <= lx.not_names()
    assert not {"欧阳", "诸葛", "司马", "上官"} & lx.not_names()   # surnames, not common words


def test_is_common_word_on_common_words():
    for word in ("方面", "严格", "安全", "包括", "任务", "时间"):      # frequent in jieba
        assert lx.is_common_word(word), word
    for word in ("文明", "宁可", "严于律己", "牛鼻子"):               # jieba tags these nr
        assert lx.is_common_word(word), word


def test_is_common_word_on_invented_names():
    # Checked: none of these is in jieba's dictionary, except 王建华 which is tagged nr.
    for name in ("王建华", "李卫东", "林晓燕", "赵立新", "孙丽华", "何志刚", "俞国强", "金晓东", "楼海萍"):
        assert not lx.is_common_word(name), name
    assert not lx.is_common_word("")


def test_threshold_keeps_three_character_invented_names_out():
    # The measurement behind COMMON_WORD_MIN_FREQ, on a smaller grid.
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "建国华明伟丽芳军平强海燕红英文林志春晓东"
    flagged = [s + a + b for s in surnames for a in given for b in given
               if a != b and lx.is_common_word(s + a + b) and s + a + b not in lx.not_names()]
    assert flagged == []


# ---------------------------------------------------------------- gazetteer

def test_hangzhou():
    (hz,) = lx.divisions_by_name("杭州")
    assert (hz.name, hz.short, hz.code, hz.level) == ("杭州市", "杭州", "330100000000", "city")
    assert lx.division_by_code(hz.parent_code).name == "浙江省"
    assert lx.divisions_by_name("杭州市") == (hz,)


def test_county_resolves_to_its_city():
    (tl,) = lx.divisions_by_name("桐庐")
    assert (tl.name, tl.level) == ("桐庐县", "county")
    assert lx.division_by_code(tl.parent_code).name == "杭州市"
    (xs,) = lx.divisions_by_name("萧山区")
    assert xs.level == "district" and xs.short == "萧山" and lx.division_by_code(xs.parent_code).name == "杭州市"
    (yw,) = lx.divisions_by_name("义乌")
    assert yw.level == "city" and lx.division_by_code(yw.parent_code).name == "金华市"


def test_province_direct_divisions_hang_from_the_province():
    (xt,) = lx.divisions_by_name("仙桃市")
    assert xt.parent_code == "420000000000"          # 湖北省, skipping the placeholder row
    (dc,) = lx.divisions_by_name("东城区")
    assert lx.division_by_code(dc.parent_code).name == "北京市"


def test_shared_names_return_all_sorted_by_code():
    xihu = lx.divisions_by_name("西湖")
    assert [d.name for d in xihu] == ["西湖区", "西湖区"]
    assert [d.code for d in xihu] == sorted(d.code for d in xihu)
    assert {d.code[:2] for d in xihu} == {"33", "36"}
    chaoyang = lx.divisions_by_name("朝阳")
    assert len(chaoyang) >= 3 and {d.level for d in chaoyang} >= {"city", "district", "county"}


@pytest.mark.parametrize("full, short, extra", [
    ("浙江省", "浙江", ()),
    ("北京市", "北京", ()),
    ("广西壮族自治区", "广西", ()),
    ("内蒙古自治区", "内蒙古", ()),
    ("新疆维吾尔自治区", "新疆", ()),
    ("西藏自治区", "西藏", ()),
    ("香港特别行政区", "香港", ()),
    ("恩施土家族苗族自治州", "恩施", ("恩施州",)),
    ("博尔塔拉蒙古自治州", "博尔塔拉", ("博尔塔拉州",)),
    ("景宁畲族自治县", "景宁", ("景宁县",)),
    ("鄂温克族自治旗", "鄂温克", ("鄂温克旗",)),
    ("大兴安岭地区", "大兴安岭", ()),
    ("锡林郭勒盟", "锡林郭勒", ()),
    ("浦东新区", "浦东", ()),
    ("清新区", "清新", ()),
    ("义乌市", "义乌", ()),
    ("和县", "和县", ()),
    ("城区", "城区", ()),
    ("正蓝旗", "正蓝旗", ()),
])
def test_short_forms(full, short, extra):
    assert lx.short_forms(full) == (short, extra)


def test_common_forms_are_indexed():
    (es,) = lx.divisions_by_name("恩施州")
    assert es.code == "422800000000" and es.level == "city"
    assert lx.divisions_by_name("景宁县")[0].name == "景宁畲族自治县"
    assert {"杭州", "杭州市", "恩施州", "浙江", "浙江省"} <= lx.division_names()


def test_gazetteer_invariants():
    names = lx.division_names()
    assert not {"市辖区", "县", "省直辖县级行政区划"} & names
    assert lx.divisions_by_name("市辖区") == () and lx.division_by_code("330101000000") is None
    provinces = [d for n in names for d in lx.divisions_by_name(n) if d.level == "province"]
    assert len({d.code for d in provinces}) == 34
    for name in names:
        for d in lx.divisions_by_name(name):
            assert len(d.short) >= 2 and d.level in {"province", "city", "district", "county"}
            if d.level == "province":
                assert d.parent_code is None
            else:
                parent = lx.division_by_code(d.parent_code)
                assert parent is not None and d.code.startswith(parent.code.rstrip("0")[:2])


def test_lower_place_suffixes():
    suffixes = list(lx.LOWER_PLACE_SUFFIXES)
    assert [len(s) for s in suffixes] == sorted((len(s) for s in suffixes), reverse=True)
    assert {"镇", "乡", "街道", "村", "社区", "开发区", "新区", "高新区", "园区", "工业园"} <= set(suffixes)
    assert lx.LOWER_PLACE_SUFFIXES["街道"] == "town" and lx.LOWER_PLACE_SUFFIXES["村"] == "village"
    assert set(lx.LOWER_PLACE_SUFFIXES.values()) == {"town", "village", "site"}
    with pytest.raises(TypeError):
        lx.LOWER_PLACE_SUFFIXES["镇"] = "site"


# ---------------------------------------------------------------- errors

def test_bad_rows_raise_input_error_naming_the_file():
    with pytest.raises(InputError, match=r"^posts\.tsv: line 2: expected 2"):
        lx.parse_tsv("主席\tpost\n主任 post\n", "posts.tsv", 2, lx.TITLE_KINDS)
    with pytest.raises(InputError, match=r"^posts\.tsv: line 1: unknown kind 'boss'"):
        lx.parse_tsv("主席\tboss\n", "posts.tsv", 2, lx.TITLE_KINDS)
    assert lx.parse_tsv("# note\n\n主席\tpost\n", "posts.tsv", 2, lx.TITLE_KINDS) == [("主席", "post")]


def test_loaders_are_cached():
    assert lx.titles() is lx.titles() and lx.org_suffixes() is lx.org_suffixes()


# ---------------------------------------------------------------- guard against harvested names

def _gold_dir() -> Path | None:
    for candidate in (Path(__file__).resolve().parents[3] / "shared" / "gold", Path("/work/shared/gold")):
        if candidate.is_dir():
            return candidate
    return None


def test_no_gold_person_name_in_the_lexicons():
    gold = _gold_dir()
    if gold is None:
        pytest.skip("no gold annotations beside the checkout")
    names = set()
    for path in sorted(gold.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for person in doc.get("people", []) if isinstance(doc, dict) else []:
            name = person.get("name") if isinstance(person, dict) else None
            if isinstance(name, str) and 2 <= len(name) <= 4 and is_han(name):
                names.add(name)
    if not names:
        pytest.skip("gold annotations hold no person names")
    fields = set()
    for file in ("surnames.txt", "posts.tsv", "name_boundaries.txt", "abbreviations.tsv"):
        for line in lx.parse_lines(data_text(file)):
            fields.update(line.split("\t"))
    leaked = sorted(n for n in names if any(n in field for field in fields))
    assert not leaked, f"{len(leaked)} gold person name(s) found in the lexicons"


# ---------------------------------------------------------------- formulas

def test_formulas_are_sorted_and_clean():
    keys = entry_keys("formulas.txt")
    assert keys == sorted(keys) and len(keys) == len(set(keys)) and len(keys) > 30
    # Han text, with only the punctuation and digits the formulas print (、·+ 2025)
    assert all(k == k.strip() and re.fullmatch(r"[\u4e00-\u9fff、·+0-9]+", k) for k in keys)
    assert {"中国梦", "八项规定", "四个意识", "两学一做"} <= lx.formulas()
