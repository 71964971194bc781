"""IRIs published before: the slug function of gonghui ≤ 0.x before issue 19, frozen (the IRIs
it made were published), and the register of IRIs an earlier extractor minted (retired_statements).

`legacy_slug` is kept byte for byte in behaviour (do not "fix" it): the build runs it next to the
current `iri.slug` to learn which published IRIs changed, and states `<old> dcterms:isReplacedBy
<new>` for each, so that an IRI handed out once keeps resolving (the server answers it with a
301 to the new one). Its one fault was the person-name rule firing on any short name
(重要窗口 → zhong-yaochuangkou) and jieba cutting unknown words into single characters.
"""
from __future__ import annotations

import re
import unicodedata

import jieba

jieba.setLogLevel(60)
_SUFFIXES = ("省", "市", "区", "县", "镇", "乡", "村")
# text → old slug; the build keeps it in its cache with iri.SLUGS
LEGACY_SLUGS: dict[str, str] = {}

# The lexicon entries the old rule read, as they were (org_suffixes.tsv in its order, then the
# compound surnames): frozen here, so that editing a lexicon never moves an old IRI.
_ORG_ENDINGS = tuple("""
人民代表大会常务委员会 劳动人事争议仲裁委员会 人力资源和社会保障厅 人力资源和社会保障局 人民政治协商会议 发展和改革委员会 困难职工帮扶中心 文学艺术界联合会 疾病预防控制中心
社区卫生服务中心 集团股份有限公司 个体劳动者协会 人大代表联络站 人大常务委员会 劳模创新工作室 卫生健康委员会 工会工作委员会 市场监督管理局 技能大师工作室 纪律检查委员会
经费审查委员会 统一战线工作部 综合行政执法局 职工创新工作室 股份经济合作社 中级人民法院 人民代表大会 会计师事务所 便民服务中心 党群服务中心 农村商业银行 劳动监察大队 卫生服务中心
女职工委员会 工会干部学校 工商业联合会 广播电视大学 报业传媒集团 控股有限公司 政务服务中心 有限责任公司 残疾人联合会 消防救援大队 消防救援支队 科学技术协会 纪检监察工委
职业技术学校 职业技术学院 职工帮扶中心 职工技术协会 职工服务中心 股份有限公司 行政服务中心 集团有限公司 高级人民法院 专业合作社 人力社保局 人大常委会 人民检察院 代表联络站
仲裁委员会 企业家协会 企业联合会 党建指导站 创新工作室 劳模工作室 妇女联合会 妇幼保健院 居民委员会 工人文化宫 工人疗养院 工会委员会 工会服务站 工会联合会 工匠工作室 市场监管局
广播电视台 应急管理局 律师事务所 志愿服务队 志愿者协会 政协委员会 村民委员会 监察委员会 社区居委会 管理委员会 纪检监察组 职工文化宫 职工服务站 职工疗养院 融媒体中心 街道党工委
街道办事处 中医医院 产业工会 人民医院 人民政府 人民法院 传媒集团 作家协会 供电公司 保险公司 信用联社 农商银行 劳模协会 培训中心 培训学校 实训基地 实验学校 工会分会 工会工委
工会驿站 广播电台 广电集团 开放大学 慈善总会 技工学校 技师学院 报业集团 控股集团 新闻中心 有限公司 服务中心 活动中心 爱心驿站 物业公司 电力公司 疾控中心 研学基地 研究中心
研究生院 示范基地 社区学院 红十字会 纪委监委 老年协会 老年大学 职业学校 职业高中 职工之家 职工书屋 职工大学 职工学校 职工技协 联合工会 股份公司 行业协会 行业工会 行政学院
证券公司 附属中学 附属小学 集团公司 领导小组 中医院 乡党委 事务所 人社厅 人社局 代表团 仲裁院 体育馆 供电局 供电所 促进会 信用社 俱乐部 党委会 党工委 党总支 党支部 党组织
公安局 共青团 养老院 出版社 分公司 制造厂 办事处 办公厅 办公室 博物馆 卫健委 卫生院 发改委 发电厂 司法厅 司法局 合作社 合唱团 同学会 团工委 国资委 图书馆 基金会 女职委
委员会 子公司 实验室 宣传部 少先队 居委会 展览馆 工人报 工作室 工作站 工作组 工商联 幼儿园 总公司 总工会 慈善会 执法局 指挥部 政法委 教育厅 教育局 敬老院 文化宫 文化馆
新闻网 日报社 晚报社 服务站 服务队 期刊社 杂志社 村委会 校友会 档案馆 检察院 民政厅 民政局 派出所 电视台 疗养院 研究会 研究所 研究院 福利院 科技馆 税务局 突击队 管委会
管理处 管理局 管理所 管理站 纪工委 纪念馆 纪检组 组织部 经信厅 经信局 经审会 统战部 美术馆 职工报 联合会 联谊会 艺术团 设计院 财政厅 财政局 通讯社 镇党委 项目部 中专
中学 中心 人大 企业 作协 侨联 党委 党校 党组 公司 农场 分会 分厂 分局 分行 剧院 区委 医院 协会 县委 周报 商会 商场 商报 商行 团委 基地 基金 大学 妇联 学会 学校
学院 宾馆 小学 工会 工厂 市委 总会 总厂 总局 总支 报社 支行 支部 政协 政府 文联 日报 晚报 林场 残联 法院 海关 物业 班组 电厂 电台 电大 监委 省委 科协 纪委 职高
联盟 超市 车间 酒店 银行 附中 附小 集团 频道 饭店 驿站 厂 厅 委 局 署 部
""".split())
_COMPOUND_SURNAMES = tuple("""
万俟 上官 东宫 东方 东郭 东里 东门 乌孙 乐正 亓官 令狐 仲孙 伯赏 公上 公仪 公仲 公伯 公冶 公叔 公坚 公孙 公山 公户 公玉 公羊 公良 公西 公门 刘付 北宫 单于 南宫
南郭 南门 即墨 叶赫那拉 司城 司寇 司徒 司空 司马 呼延 呼衍 壤驷 夏侯 太叔 太史 夹谷 子车 宇文 完颜 宗政 宰父 尉迟 少正 尔朱 左丘 左人 巫马 张廖 张简 归海 微生
慕容 成公 拓跋 梁丘 欧侯 欧阳 段干 淳于 漆雕 澹台 濮阳 爱新觉罗 独孤 王孙 申屠 百里 皇甫 端木 第五 纳兰 羊舌 胡母 范姜 西门 诸葛 谷梁 贺兰 赫舍里 赫连 轩辕 钟离
钮祜禄 长孙 闻人 闾丘 颛孙 鲜于
""".split())


def legacy_slug(text: str) -> str:
    """The slug the old code made of `text` (never empty, only [a-z0-9-])."""
    found = LEGACY_SLUGS.get(text)
    if found is None:
        found = LEGACY_SLUGS[text] = _make(text)
    return found


def _make(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    from .iri import short_hash
    text = unicodedata.normalize("NFKC", text)
    words: list[str] = []
    if _looks_like_person(text):
        cut = 2 if text[:2] in _COMPOUND_SURNAMES else 1
        words = [text[:cut], text[cut:]]
    else:
        for w in jieba.lcut(text, HMM=False):
            if len(w) > 1 and w.endswith(_SUFFIXES) and w[:-1] and "\u4e00" <= w[0] <= "\u9fff":
                words += [w[:-1], w[-1]]
            else:
                words.append(w)
    parts = []
    for w in words:
        py = "".join(lazy_pinyin(w, style=Style.NORMAL, errors=lambda s: list(s)))
        py = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", py).encode("ascii", "ignore").decode().lower())
        if py.strip("-"):
            parts.append(py.strip("-"))
    out = "-".join(parts)
    out = re.sub(r"-{2,}", "-", out).strip("-")[:80].strip("-")
    return out or "x-" + short_hash(text)


def _looks_like_person(text: str) -> bool:
    return 2 <= len(text) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in text) and not text.endswith(_ORG_ENDINGS + _SUFFIXES)


def legacy_minter():
    """A Minter that hands out the slugs the old rule did (collisions settled as they were)."""
    from .iri import Minter
    return Minter(lambda text, kind: legacy_slug(text))


def retired_statements(mapper, redirected: set[str]) -> list:
    """(old IRI, successor IRI or None) for the retired-IRI register's entries (publish/retired.py)
    this build neither mints nor redirects already: the successor where it (or the successor it
    was retired into since) is minted, else None (withdrawn: owl:deprecated)."""
    retired = mapper.c.retired_iris
    if not retired:
        return []
    minted, out = mapper.minted(), []

    def is_minted(rel: str | None) -> bool:
        if rel and rel.startswith("attestation/"):       # attestation/{page}/{item}/{post}: of a post minted
            rel = "membership/" + rel.split("/", 3)[-1]
        return bool(rel) and mapper.ID[rel].value in minted

    for old, new in sorted(retired.items()):
        node = mapper.ID[old]
        if is_minted(old) or node.value in redirected:
            continue          # minted again, or redirected by the slug and merge rules
        for _ in range(len(retired)):          # a successor retired since: follow it
            if not new or is_minted(new) or new not in retired:
                break
            new = retired[new]
        out.append((node, mapper.ID[new] if is_minted(new) else None))
    return out
