"""Write N plausible trade-union newspaper pages for the benchmarks.

    .venv/bin/python bench/generate_archive.py 1000 bench/out/pages-1000 [--seed 7]

Each page is plain text laid out like a page pulled out of a PDF: a masthead (paper title, hotline,
date with 第…期 / 总第…号, 出版, 社址, 邮编, 责任编辑), then items — news with one- or two-line
heads and 本报讯(记者 X) or 本报讯 记者X报道 bylines, post + name chains (organisation + titles +
name), name lists, quoted slogans and numbered formulas, commentary signed ■name, photo captions
(… 记者 X 摄) and teasers (导读 … 详见第2版). Some paragraphs are cut by a column break (a blank
line in the middle of a sentence) for the reader to mend.

Everything is drawn from general lexicons: surnames from src/gonghui/lexicon/data/surnames.txt with given
names made of common name characters, places from src/gonghui/lexicon/data/divisions.csv, titles from
src/gonghui/lexicon/data/posts.tsv, and the word lists below (composed for this script, not taken from
the seed pages). Page i depends only on the seed and i, so the first 100 pages of a 1,000-page
archive are the 100-page archive; the pages of one paper share a city, its union leaders and its
reporters, so people recur across pages as they do in a real archive.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "gonghui" / "lexicon" / "data"
PAPERS = 6                      # papers in the archive; page i belongs to paper (i // pages) % 6

# ---------------------------------------------------------------- general lexicons (composed here)

COMMON_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
                   "于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷"
                   "龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力斌宇浩凯俊帆晨欣琳婷雪"
         "慧颖佳倩丹峰鹏鑫波宁亮海春志云晓荣新利清飞彬富顺涵睿思雨嘉怡梓轩博昊天立永正德瑞"
         "铭舒蕾岚璐婕晖炜骏毅诚锋翔杭瑶菁蓓")
INDUSTRIES = ["教育", "卫生健康", "建设", "交通运输", "机械冶金", "财贸", "农林水利", "能源化工",
              "邮电", "城建", "旅游商贸", "文化传媒", "纺织轻工", "电子信息"]
COMPANY_STEMS = ["恒达", "华鑫", "远航", "新锐", "众诚", "宏图", "明远", "瑞丰", "金鼎", "天成", "永安",
                 "凯盛", "博雅", "德润", "嘉禾", "联创", "海纳", "通达", "鼎盛", "启明", "盛源", "东升",
                 "和信", "立方", "长青", "星辰", "汇智", "安泰"]
COMPANY_TRADES = ["机械", "电子", "纺织", "建材", "物流", "食品", "化工", "精密制造", "环保科技",
                  "电力设备", "医药", "汽车零部件", "智能装备", "新材料", "服饰"]
COMPANY_FORMS = ["有限公司", "股份有限公司", "集团有限公司"]
BUREAUS = ["人力资源和社会保障局", "应急管理局", "教育局", "卫生健康委员会", "市场监督管理局",
           "民政局", "司法局", "发展和改革委员会"]
TOWN_STEMS = ["城东", "城西", "新桥", "石门", "清溪", "白沙", "长岭", "柳塘", "青山", "梅林", "桃源",
              "凤岭", "金桥", "南湖", "北港", "花园", "双溪", "高塘"]
ROAD_STEMS = ["人民", "解放", "建设", "文化", "和平", "新华", "胜利", "友谊", "工农", "光明", "迎宾",
              "体育", "学院", "滨江", "环城", "东风", "青年", "朝阳"]
PAPER_KINDS = ["工人报", "工运", "职工报", "工会报"]
UNION_POSTS = ["主席", "常务副主席", "副主席", "党组书记", "党组副书记", "党组成员", "经审会主任",
               "女职委主任", "专职副主席", "兼职副主席"]
BUREAU_POSTS = ["局长", "副局长", "党组书记", "党组成员"]
COMMITTEE_POSTS = ["主任", "副主任", "党组书记", "党组成员"]
COMPANY_POSTS = ["董事长", "总经理", "副总经理", "党委书记", "工会主席", "车间主任", "班组长"]
CITY_POSTS = ["副市长", "市长", "常委"]
HONOURS = ["劳动模范", "五一劳动奖章获得者", "技术能手", "岗位能手", "巾帼建功标兵", "优秀工会工作者",
           "优秀工会积极分子", "先进工作者"]
PROFESSIONS = ["一线工人", "技术员", "工程师", "快递员", "外卖骑手", "护士", "乘务员", "养老护理员",
               "公交司机", "安全员", "技师", "家政服务员"]

MEETINGS = ["工作会议", "全体委员会议", "劳模代表座谈会", "产业工人队伍建设改革推进会", "职工代表大会",
            "基层工会主席培训班", "经费审查委员会会议", "女职工工作交流会", "职工服务工作推进会",
            "安全生产工作动员会", "集体协商工作座谈会", "技能人才工作推进会"]
CONTESTS = ["职工技能竞赛", "职工职业技能大赛", "青年职工岗位技能比赛", "劳动和技能竞赛"]
CAMPAIGNS = ["清凉驿站", "金秋助学", "冬日暖心", "职工健康体检", "安康杯", "职工书屋建设", "工会驿站建设",
             "劳模进企业", "技能培训进园区", "普法宣传进车间"]
VERBS = ["推进", "深化", "落实", "加强", "完善", "健全", "提升", "拓展", "强化", "优化", "做实", "抓好"]
ADVERBS = ["切实", "着力", "持续", "进一步", "全面", "积极", "扎实", "不断"]
OBJECTS = ["职工技能培训", "产业工人队伍建设改革", "职工权益保障", "劳动关系协调机制", "基层工会组织建设",
           "职工服务阵地", "新就业形态劳动者入会工作", "劳模工匠人才培养", "困难职工帮扶", "集体协商",
           "厂务公开", "安全生产监督", "女职工特殊权益保护", "职工文体活动", "网上工会平台",
           "工会经费管理", "职工心理关爱", "农民工工资支付保障", "职工医疗互助", "班组建设"]
GOALS = ["让职工群众有更多获得感", "为高质量发展贡献工会力量", "团结引导职工建功新时代",
         "把服务送到职工身边", "营造尊重劳动的良好氛围", "推动工会工作提质增效", "筑牢职工安全防线",
         "激发职工创新创造活力", "构建和谐劳动关系", "当好职工的贴心人"]
SLOGAN_HALVES = ["匠心报国", "技能强企", "实干争先", "创新引领", "安康守护", "岗位建功", "温暖同行",
                 "奋斗有我", "智造未来", "携手同心", "比学赶超", "聚力攻坚", "暖心护航", "奋进新程",
                 "技能成才", "安全为先", "巾帼建功", "数智赋能", "爱岗敬业", "精益求精"]
FORMULA_VERBS = [("比", "赛"), ("帮", "扶"), ("学", "做"), ("送", "进"), ("亮", "比"), ("争", "创"),
                 ("查", "改"), ("保", "促"), ("访", "解"), ("讲", "评")]
NUMERALS = "两三四五六"
COUNTED = ["一线工作法", "暖心工程", "娘家服务", "双争活动"]     # 三个“…”
SCENES = ["工会干部为户外劳动者送上防暑降温用品", "参赛选手在比赛现场进行实操比拼",
          "劳模工匠为青年职工讲解操作要领", "职工在工会驿站休息", "志愿者为一线职工提供免费体检",
          "职工在读书分享会上交流心得", "女职工参加健康讲座", "技术骨干在车间开展岗位练兵"]
COLUMNS = ["工会动态", "基层快讯", "一线传真", "职工心声", "劳模风采", "工会视点"]
HEAD_VERBS = ["召开", "举行", "启动", "开展", "部署", "推进"]
OPENERS = ["近日", "日前", "今年以来", "连日来", "近年来"]


# ---------------------------------------------------------------- lexicons from src/gonghui/lexicon/data

def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [l for l in text.splitlines() if l.strip() and not l.startswith("#")]


@dataclass
class City:
    name: str                   # 杭州市
    short: str                  # 杭州
    code: str                   # 12-digit adcode
    province: str
    counties: list[str]


@dataclass
class Lexicon:
    surnames: list[str]
    rare_surnames: list[str]
    cities: list[City]
    posts: set[str]
    honours: set[str]
    professions: set[str]

    @classmethod
    def load(cls) -> Lexicon:
        surnames = _lines("surnames.txt")
        common = [s for s in COMMON_SURNAMES if s in surnames]
        rare = [s for s in surnames if s not in common]
        kinds: dict[str, set[str]] = {"post": set(), "honour": set(), "profession": set()}
        for line in _lines("posts.tsv"):
            title, kind = line.split("\t")
            kinds.setdefault(kind, set()).add(title)
        with open(DATA / "divisions.csv", encoding="utf-8") as fh:
            rows = [(r["adcode"], r["name"]) for r in csv.DictReader(fh)]
        provinces = {code[:2]: name for code, name in rows if code[2:] == "0" * 10}
        counties: dict[str, list[str]] = {}
        for code, name in rows:
            if code[4:6] != "00" and name.endswith(("区", "县", "市")) and name != "市辖区":
                counties.setdefault(code[:4], []).append(name)
        cities = []
        for code, name in sorted(rows):
            if code[2:4] != "00" and code[4:] == "0" * 8 and name.endswith("市") and len(name) >= 3 \
                    and code[:2] in provinces and len(counties.get(code[:4], [])) >= 4:
                cities.append(City(name, name[:-1], code, provinces[code[:2]], sorted(counties[code[:4]])))
        return cls(common, rare, cities, kinds["post"], kinds["honour"], kinds["profession"])


# ---------------------------------------------------------------- one paper, one page

@dataclass
class Paper:
    """What stays the same across a paper's issues: city, title, leaders, reporters."""
    title: str
    city: City
    union: str                           # 杭州市总工会
    leaders: list[tuple[str, str]]       # (name, post chain without the organisation)
    reporters: list[str]
    editors: list[str]
    hotline: str
    postcode: str
    address: str
    website: str
    start: dt.date
    interval: int                        # days between issues
    first_issue: int
    first_total: int
    pages_per_issue: int


@dataclass
class PageState:
    rng: random.Random
    lex: Lexicon
    paper: Paper
    date: dt.date
    used: set[str] = field(default_factory=set)    # sentences already on the page


def person_name(rng: random.Random, lex: Lexicon) -> str:
    r = rng.random()
    surname = rng.choice(lex.surnames) if r < 0.92 else rng.choice(lex.rare_surnames)
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 or len(surname) > 1 else "")
    return surname + given


def make_paper(k: int, seed: int, lex: Lexicon) -> Paper:
    rng = random.Random(f"{seed}:paper:{k}")
    city = rng.choice(lex.cities)
    kind = PAPER_KINDS[k % len(PAPER_KINDS)]
    chains = ["党组书记、常务副主席", "副主席", "主席", "党组成员、副主席", "经审会主任", "女职委主任"]
    leaders = [(person_name(rng, lex), chain) for chain in chains]
    area = "0" + str(rng.randint(100, 999))
    county = rng.choice(city.counties)
    return Paper(
        title=city.short + kind, city=city, union=city.name + "总工会", leaders=leaders,
        reporters=[person_name(rng, lex) for _ in range(rng.randint(3, 6))],
        editors=[person_name(rng, lex) for _ in range(rng.randint(2, 3))],
        hotline=f"({area}){rng.randint(10000000, 99999999)}",
        postcode=f"{city.code[:2]}{rng.randint(0, 9999):04d}",
        address=f"{city.name}{county}{rng.choice(ROAD_STEMS)}路{rng.randint(1, 999)}号",
        website=f"http://www.gh{city.code[:4]}.org.cn/tg.htm",
        start=dt.date(rng.randint(2008, 2016), rng.randint(1, 12), rng.randint(1, 28)),
        interval=rng.choice([1, 2, 3, 7]), first_issue=rng.randint(1, 400),
        first_total=rng.randint(2000, 12000), pages_per_issue=rng.choice([4, 8]))


def check_lexicons(lex: Lexicon) -> None:
    """The titles used here must be ones the extractor knows (they come from posts.tsv)."""
    missing = [t for t in UNION_POSTS + BUREAU_POSTS + COMMITTEE_POSTS + COMPANY_POSTS + CITY_POSTS
               if t not in lex.posts]
    missing += [t for t in HONOURS if t not in lex.honours]
    missing += [t for t in PROFESSIONS if t not in lex.professions]
    if missing:
        raise SystemExit(f"generate_archive: titles not in posts.tsv: {'、'.join(missing)}")


# ---------------------------------------------------------------- pieces of text

def company(s: PageState) -> str:
    r = s.rng
    return s.paper.city.short + r.choice(COMPANY_STEMS) + r.choice(COMPANY_TRADES) + r.choice(COMPANY_FORMS)


def organisation(s: PageState) -> tuple[str, list[str]]:
    """An organisation and the posts one holds in it."""
    r, city = s.rng, s.paper.city
    pick = r.random()
    if pick < 0.3:
        return r.choice(city.counties) + "总工会", UNION_POSTS
    if pick < 0.5:
        return city.name + r.choice(INDUSTRIES) + "工会", UNION_POSTS
    if pick < 0.7:
        return company(s), COMPANY_POSTS
    if pick < 0.85:
        bureau = r.choice(BUREAUS)
        return city.name + bureau, BUREAU_POSTS if bureau.endswith("局") else COMMITTEE_POSTS
    return r.choice(city.counties) + r.choice(TOWN_STEMS) + r.choice(["街道", "镇"]) + "总工会", UNION_POSTS


def chain(s: PageState) -> tuple[str, str]:
    """(organisation + one or two titles + name, the name): 某区总工会党组书记、常务副主席王某某."""
    r = s.rng
    if r.random() < 0.35:
        name, titles = r.choice(s.paper.leaders)
        if titles == "主席" and r.random() < 0.4:     # the chair is often also a vice-mayor
            return f"{s.paper.city.short}市副市长、{s.paper.union}主席{name}", name
        return f"{r.choice([s.paper.union, '市总工会'])}{titles}{name}", name
    org, posts = organisation(s)
    titles = [r.choice(posts)]
    party = [p for p in posts if p.startswith("党")]
    if r.random() < 0.3 and not titles[0].startswith("党"):     # 党组书记、局长: party post first
        titles.insert(0, r.choice(party))
    name = person_name(r, s.lex)
    return f"{org}{'、'.join(titles)}{name}", name


def clause(s: PageState) -> str:
    r = s.rng
    out = f"{r.choice(ADVERBS)}{r.choice(VERBS)}{r.choice(OBJECTS)}"
    if r.random() < 0.5:
        out += f",{r.choice(GOALS)}"
    return out


def slogan(s: PageState) -> str:
    a, b = s.rng.sample(SLOGAN_HALVES, 2)
    return f"{a} {b}" if s.rng.random() < 0.5 else a + b


def formula(s: PageState) -> str:
    r = s.rng
    n = r.choice(NUMERALS)
    a, b = r.choice(FORMULA_VERBS)
    return f"{n}{a}{n}{b}"


def month_day(s: PageState) -> str:
    d = s.date - dt.timedelta(days=s.rng.randint(1, 6))
    return f"{d.month}月{d.day}日"


def sentence(s: PageState) -> str:
    """One paragraph of news text from one of a dozen patterns."""
    r, p = s.rng, s.paper
    kind = r.randrange(11)
    if kind == 0:
        return (f"{month_day(s)},{r.choice([p.union, organisation(s)[0]])}召开{r.choice(MEETINGS)}。"
                f"{chain(s)[0]}出席会议并讲话,{chain(s)[0]}主持会议。")
    if kind == 1:
        text, name = chain(s)
        return (f"{text}{r.choice(['指出', '表示', '要求'])},{clause(s)}。"
                f"{name}{r.choice(['强调', '希望', '说'])},{clause(s)};{clause(s)}。")
    if kind == 2:
        return (f"{r.choice(OPENERS)},{organisation(s)[0]}启动“{slogan(s)}”{r.choice(CAMPAIGNS)}活动,"
                f"{clause(s)},{clause(s)}。")
    if kind == 3:
        n, m, k = r.randint(12, 980), r.randint(3, 600), r.randint(2, 60)
        return (f"今年以来,{r.choice(p.city.counties)}各级工会累计走访慰问困难职工{n}户,发放慰问金{m}万元,"
                f"建成工会驿站{k}个,{clause(s)}。")
    if kind == 4:
        names = "、".join(person_name(r, s.lex) for _ in range(r.randint(3, 8)))
        honour = r.choice(HONOURS)
        return f"会上,{names}等{r.randint(10, 90)}名职工被授予{p.city.short}市{honour}称号,{clause(s)}。"
    if kind == 5:
        feeling = r.choice(["我们心里更踏实了", "大家干劲更足了", "这份温暖实实在在", "职工的事有人管了"])
        return (f"“{clause(s)},{feeling}。”{company(s)}{r.choice(PROFESSIONS)}"
                f"{person_name(r, s.lex)}{r.choice(['说', '告诉记者', '感慨地说'])}。")
    if kind == 6:
        return (f"{organisation(s)[0]}深入开展“{formula(s)}”活动,以{formula(s)}为抓手,"
                f"{clause(s)},{clause(s)}。")
    if kind == 7:
        return (f"{person_name(r, s.lex)}是{company(s)}的一名{r.choice(PROFESSIONS)},从业{r.randint(5, 30)}年来,"
                f"{clause(s)},先后获得{r.choice(HONOURS)}等荣誉。")
    if kind == 8:
        return (f"{month_day(s)},{r.choice(p.city.counties)}举办{s.date.year}年{r.choice(CONTESTS)},"
                f"来自{r.randint(20, 120)}家企业的{r.randint(100, 900)}名职工参加比赛。{clause(s)}。")
    if kind == 9:
        n = r.choice(NUMERALS)
        return f"围绕{n}个“{r.choice(COUNTED)}”,{organisation(s)[0]}{clause(s)},{clause(s)}。"
    return (f"出席活动的有{chain(s)[0]},{chain(s)[0]},以及{person_name(r, s.lex)}、{person_name(r, s.lex)}"
            f"等{r.randint(20, 200)}名职工代表。")


def paragraph(s: PageState) -> str:
    """A paragraph of one to three sentences not printed before on this page."""
    parts = []
    for _ in range(s.rng.randint(1, 3)):
        for _ in range(20):
            text = sentence(s)
            if text not in s.used:
                s.used.add(text)
                parts.append(text)
                break
    return "".join(parts)


def column_break(s: PageState, text: str) -> str:
    """Cut a long paragraph in the middle of a sentence, as a PDF column does."""
    if len(text) < 80 or s.rng.random() > 0.3:
        return text
    for _ in range(10):
        k = s.rng.randint(20, len(text) - 45)
        if text[k - 1] not in "。,,、;;::“”!?" and text[k] not in "。,,、;;::“”!?":
            return text[:k] + "\n\n" + text[k:]
    return text


def headline(s: PageState) -> str:
    r = s.rng
    pick = r.randrange(4)
    if pick == 0:
        return f"{slogan(s).replace(' ', '')} {r.choice(GOALS)}"
    if pick == 1:
        return f"{r.choice([s.paper.union, '市总工会', organisation(s)[0]])}{r.choice(HEAD_VERBS)}{r.choice(MEETINGS)}"
    if pick == 2:
        return f"{r.choice(s.paper.city.counties)}{r.choice(VERBS)}{r.choice(OBJECTS)}"
    return f"“{r.choice(CAMPAIGNS)}”活动走进{r.choice(s.paper.city.counties)}"


# ---------------------------------------------------------------- page layout

def masthead(s: PageState, issue_no: int, total_no: int) -> list[str]:
    r, p = s.rng, s.paper
    weekday = "星期" + "一二三四五六日"[s.date.weekday()]
    date = f"{s.date.year}年{s.date.month}月{s.date.day}日 {weekday} 第{issue_no}期"
    if r.random() < 0.6:
        date += f" 总第{total_no}号"
    lines = [p.title]
    if r.random() < 0.5:
        lines.append("数字报")
    lines += [f"新闻热线:{p.hotline}"]
    if r.random() < 0.5:
        lines.append(f"投稿网址: {p.website}")
    lines += [date, f"出版:{p.union}", f"社址:{p.address} 邮编:{p.postcode}",
              f"责任编辑:{r.choice(p.editors)}"]
    return lines


def news_item(s: PageState, reported_style: bool) -> list[str]:
    r, p = s.rng, s.paper
    out = [headline(s)]
    if r.random() < 0.5:                      # a two-line head
        out.insert(0 if reported_style else 1, headline(s) if reported_style else "——" + headline(s))
    reporter = r.choice(p.reporters)
    first = paragraph(s)
    if reported_style:
        out.append(f"本报讯 记者{reporter}报道 {first}")
    elif r.random() < 0.3:
        out.append(f"本报讯(记者 {reporter} 通讯员 {person_name(r, s.lex)}){first}")
    else:
        out.append(f"本报讯(记者 {reporter}){first}")
    out += [column_break(s, paragraph(s)) for _ in range(r.randint(2, 5))]
    return out


def commentary(s: PageState) -> list[str]:
    r = s.rng
    out = [f"{r.choice(VERBS)}{r.choice(OBJECTS)}要{r.choice(['久久为功', '落细落实', '见行见效'])}",
           f"■{person_name(r, s.lex)}"]
    out += [column_break(s, paragraph(s)) for _ in range(r.randint(2, 4))]
    return out


def briefs(s: PageState) -> list[str]:
    out = [s.rng.choice(COLUMNS)]
    for _ in range(s.rng.randint(2, 4)):
        out += [headline(s), paragraph(s)]
    return out


def photo(s: PageState) -> list[str]:
    r = s.rng
    who = f"记者 {r.choice(s.paper.reporters)}" if r.random() < 0.5 else f"通讯员 {person_name(r, s.lex)}"
    caption = (f"{month_day(s)},{r.choice(s.paper.city.counties)}举行{r.choice(CONTESTS)}。"
               f"图为{r.choice(SCENES)}。 {who} 摄")
    return [caption]


def teaser(s: PageState, page_no: int) -> list[str]:
    out = ["导读"]
    for _ in range(s.rng.randint(2, 3)):
        out += [headline(s), f"详见第{s.rng.randint(page_no + 1, page_no + 3)}版"]
    return out


def page_text(i: int, seed: int, lex: Lexicon, papers: list[Paper]) -> tuple[str, str]:
    """(file name, text) of page i of the archive."""
    paper = papers[(i // 8) % PAPERS]
    run = i // (8 * PAPERS)                        # the how-many-th issue of this paper
    page_no = i % 8 % paper.pages_per_issue + 1
    issue = run * (8 // paper.pages_per_issue) + (i % 8) // paper.pages_per_issue
    date = paper.start + dt.timedelta(days=issue * paper.interval)
    s = PageState(random.Random(f"{seed}:page:{i}"), lex, paper, date)
    r = s.rng
    blocks = masthead(s, paper.first_issue + issue, paper.first_total + issue)
    reported_style = r.random() < 0.4              # one byline style per page, as in house style
    if page_no == 1 and r.random() < 0.7:
        blocks += teaser(s, page_no)
    blocks += news_item(s, reported_style)         # a page opens with its lead story
    target = r.randint(3500, 6000)
    while sum(map(len, blocks)) < target:
        pick = r.random()
        if pick < 0.6:
            blocks += news_item(s, reported_style)
        elif pick < 0.75:
            blocks += briefs(s)
        elif pick < 0.87:
            blocks += commentary(s)
        else:
            blocks += photo(s)
    name = f"{i:06d}_p{(i // 8) % PAPERS}_{date:%Y%m%d}_{page_no:02d}.txt"
    return name, "\n\n".join(blocks) + "\n"


def generate(n: int, out_dir: Path, seed: int = 1) -> list[Path]:
    """Write pages 0 … n-1 into out_dir (created if missing); return their paths."""
    lex = Lexicon.load()
    check_lexicons(lex)
    papers = [make_paper(k, seed, lex) for k in range(PAPERS)]
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        name, text = page_text(i, seed, lex, papers)
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, help="number of pages")
    ap.add_argument("out_dir", nargs="?", type=Path, default=None,
                    help="folder for the pages (default bench/out/pages-N)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("n must be at least 1")
    out = args.out_dir or Path(__file__).resolve().parent / "out" / f"pages-{args.n}"
    paths = generate(args.n, out, args.seed)
    chars = sum(len(p.read_text(encoding="utf-8")) for p in paths)
    print(f"{len(paths)} pages, {chars:,} characters → {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
