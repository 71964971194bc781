"""Is a quoted string a slogan? General rules on its shape, jieba's dictionary and the words
printed just before and after it.

A slogan names something a body runs or calls for: a campaign (…行动, …工程, 开展“…”活动), a
policy formula (“一网通办”), a numbered formula (三助三保, 四个意识) or a parallel motto
(“求真务实、真抓实干”). A quote round anything else is emphasis or irony: one ordinary word or
idiom of the dictionary (“走过场”), a nickname for a kind of person (“老好人”, “飞毛腿”), a
colloquial clause with particles (“绕着走”), a behaviour criticised (不能“踢皮球”), a role
(争当“排头兵”, 被称为“…”), an honour (荣获“…”奖), a holiday (“五一”) or a quotation of speech.
Only function words, general affixes and context words of news Chinese are listed here.
"""
from __future__ import annotations

import functools
import re

import jieba

from ... import lexicon
from .context import CJK, NUMERALS

NUMBERED = re.compile(rf"^([{NUMERALS}]+个?[{CJK}]{{1,4}}|[{NUMERALS}][{CJK}]{{1,2}}[{NUMERALS}]不?[{CJK}]{{1,2}}|[{CJK}]?[{NUMERALS}][{CJK}]{{1,2}}[{CJK}]?[{NUMERALS}][{CJK}]{{1,2}})$")
# 三去一降一补, 一岗双责: numbered parts in a row
NUMBERED_PARTS = re.compile(rf"^(?:[{NUMERALS}][{CJK}]{{1,3}}){{2,4}}$")
BARE_NUMBER = re.compile(rf"^([{NUMERALS}0-9]+|[0-9]{{2}}后)$")       # “五一”, “90后”
FIVE_YEAR_PLAN = re.compile(r"^十[一二三四五六七八九]五$")                 # “十四五”
# a measure word after a numeral: 两面人, 一阵风, 睁一只眼 count things, formulas count with 个
CLASSIFIER = re.compile(rf"[{NUMERALS}](张|只|把|条|本|座|副|根|块|件|颗|粒|支|口|头|匹|面|间|台|辆|阵|天|分钟|年)")

SENTENCE_END = re.compile(r"[。!?!?]")
QUESTION = re.compile(r"什么|怎么|怎样|如何|哪|吗|呢|为何|多少")
SPEECH_LEAD = re.compile(r"(说|表示|认为|提出|指出|强调|提到|坦言|感慨|笑称|直言|(?<!报)道|称|问|:|:)\s*$")
# a role or nickname given: 当“老好人”, 成了“守门人”, 被称为“拦路虎”, 是…的“主心骨”
ROLE_LEAD = re.compile(r"(当|做|甘当|争当|争做|充当|成为|成了|变成|变成了|沦为|当成|当作|称为|称作|称之为|叫作|叫做|"
                       r"誉为|喻为|比作|戏称|昵称|号称|人称|是|像|似)\s*$")
# a behaviour criticised: 不能“踢皮球”, 杜绝“…”, 不能只有“…”
NEGATION = re.compile(r"不(要|能|搞|当|做|是|再|让|得|准|许|可|会)|没有|别|杜绝|克服|避免|防止|反对|拒绝|摒弃|清除|"
                      r"告别|力戒|谨防|破除|纠正|整治|根治|消除|警惕|严禁|禁止|决不|绝不|切忌|热衷|大搞|所谓")
HONOUR = re.compile(r"(荣获|获得|获评|授予|评为|荣膺|命名为)\s*$")
HONOUR_AFTER = re.compile(r"^(.?等奖|奖|称号|荣誉|奖章|奖状|提名)")
HONOUR_LABEL = re.compile(r"(者|班组|奖|成果|标兵|能手|模范|先进|之星)$|^(最美|十佳|百佳|优秀|模范|先进)")
# the quote names a problem or a tendency: 存在“签而不谈”的问题
PROBLEM_AFTER = re.compile(r"^的(问题|现象|倾向|弊病|顽疾|心态|陋习|怪圈)|^(现象|倾向|弊病|顽疾|陋习|怪圈)")
# what campaigns, programmes and formulas are named before: 开展“…”活动, “…”理念
HEAD_AFTER = re.compile(r"^的?(主题|系列|专项|活动|行动|工程|计划|项目|竞赛|大赛|品牌|战略|理念|精神|思想|要求|目标|"
                        r"定位|部署|决策|任务|举措|工作|机制|模式|体系|制度|改革|政策|方针|总基调|基调|布局|"
                        r"建设|创建|试点|示范|宣讲|实践|新要求|新目标|新使命|重要论述|重要指示)")
PROGRAMME_LEAD = re.compile(r"(开展|实施|推进|启动|践行|弘扬|聚焦|围绕|紧扣|紧贴|打好|打赢|深化|落实|贯彻|树立|坚持|"
                            r"按照|对照|推行|打造|展现|争创|创建|举办|助力|建设|倡导|部署|推出|发布|牢记|"
                            r"紧紧围绕|深入开展|持续开展|广泛开展)\s*$")
CAMPAIGN_SUFFIX = re.compile(r"(行动|工程|计划|活动|制度|精神|战略|理念|思想|工作法|建设年|年|节|日|周|月|大赛|"
                             r"竞赛|赛|项目|驿站|之家|讲堂|课堂|服务岗|服务圈|工作室|品牌|机制|模式|(?<!银)行)$")
# what a quoted person or thing ends in when it is a nickname: 老好人, 飞毛腿, 技术通, 拦路虎
NICKNAME_END = re.compile(r"(手|商|筒|柜|人|者|员|们|子|汉|佬|鬼|虫|户|客|迷|通|哥|姐|嫂|妈|爷|婆|娘|官|兵|军|"
                          r"将|虎|牛|羊|狼|腿|骨|碗|文章|脸|面孔|嘴脸)$")
FUNCTION_CHAR = re.compile(r"[都就也的了是在和与及着过]")
DESCRIPTIVE_END = re.compile(r"(式|型|般|样|似的)$")      # “候鸟式” describes
PARALLEL_SPLIT = re.compile(r"[、,,;;·\s]+")
PRONOUN = re.compile(r"我们|你们|他们|咱们|自己|大家")
# clause particles and colloquial adverbs as words of their own (就 of 就是 stays)
CLAUSE_WORDS = frozenset("了 着 过 吧 啊 呀 嘛 么 啦 呗 就 都 才 也 还 又 很 太 挺 真 别 没".split())
CLAUSE_TAGS = frozenset({"ul", "uz", "ug", "uguo", "y", "e"})
ADJECTIVE_TAGS = frozenset({"a", "ad", "d", "ag", "dg"})
KEPT_TAGS = frozenset({"j", "nz"})     # abbreviations (四化) and proper nouns (三农) of the dictionary


@functools.lru_cache(maxsize=8192)
def words(text: str) -> tuple[tuple[str, str], ...]:
    """(word, tag) as jieba's dictionary segments text (HMM off: an unknown run falls apart)."""
    tags = lexicon.jieba_tags()
    return tuple((w, tags.get(w, "x")) for w in jieba.cut(text, HMM=False))


def lexicalised(label: str) -> bool:
    """Is the whole label one word of jieba's dictionary, other than an abbreviation or a proper
    noun? 一问三不知, 一阵风 and 走过场 are words; 四化 (j) and 三农 (nz) are formulas."""
    tag = lexicon.jieba_tags().get(label)
    return tag is not None and tag not in KEPT_TAGS


def numbered(label: str) -> bool:
    return bool(NUMBERED.match(label) or NUMBERED_PARTS.match(label) or re.match(r"^[0-9]+[A-Za-z]?[+]?", label)
                or re.match(rf"^[{NUMERALS}]", label))


def is_formula(label: str) -> bool:
    """三助三保, 八要八不要, 两学一做 printed without quotes: two numbered halves of the same length."""
    m = re.fullmatch(rf"([{NUMERALS}])([{CJK}]{{1,2}})([{NUMERALS}])(不?)([{CJK}]{{1,2}})", label)
    if not m or len(m.group(2)) != len(m.group(5)):
        return False
    if re.search(rf"[{NUMERALS}]", m.group(2) + m.group(5)):
        return False                 # 一百二十余场 is a number, not two numbered halves
    if label in lexicon.jieba_tags() or FUNCTION_CHAR.search(m.group(5)):
        return False                 # a chengyu (十全十美, 三长两短), or a clause (两手抓两手都…)
    return not re.search(r"[月日年岁名人次家个项条位届]", label)


def is_chengyu(label: str) -> bool:
    """A four-character dictionary word of two numbered halves (十全十美, 三长两短), whatever
    jieba tags it (nz, j): formulas of that shape (三严三实) are too new for its dictionary."""
    return len(label) == 4 and label in lexicon.jieba_tags() and bool(re.fullmatch(rf"[{NUMERALS}].[{NUMERALS}].", label))


def parallel(label: str) -> list[str] | None:
    """The parts of a parallel motto (“求真务实、真抓实干”, “严、实、细”), else None."""
    parts = [p for p in PARALLEL_SPLIT.split(label) if p]
    if len(parts) < 2 or any(len(p) > 12 for p in parts):
        return None
    return parts


def clause(label: str) -> bool:
    """A colloquial clause rather than a name: particles or adverbs as words (累并快乐着, 绕着走), or a
    negation inside it (新官不理旧账; 不忘初心 opens with its 不)."""
    ws = words(label)
    return (any(w in CLAUSE_WORDS or t in CLAUSE_TAGS for w, t in ws)
            or any(w.startswith(("不", "没")) and i > 0 for i, (w, _) in enumerate(ws)))


def is_slogan(label: str, before: str, after: str) -> bool:
    """Is the quoted `label`, printed between `before` and `after`, a slogan?"""
    if label in lexicon.formulas():
        return True
    if SENTENCE_END.search(label) or QUESTION.search(label):
        return False                 # a quoted sentence or question
    is_numbered = numbered(label)
    if SPEECH_LEAD.search(before) and not is_numbered:
        return False
    if BARE_NUMBER.match(label):     # “五一” is a holiday, “十四五” a plan, “双百”行动 a campaign
        return bool(FIVE_YEAR_PLAN.match(label) or (HEAD_AFTER.match(after) and not label[0].isdigit()))
    if HONOUR.search(before) or HONOUR_AFTER.match(after):
        return False
    if PROBLEM_AFTER.match(after) and not is_numbered:
        return False
    parts = parallel(label)
    if parts:
        if all(len(p) >= 3 and words(p)[-1][1] == "a" and len(words(p)[-1][0]) == 1 for p in parts):
            return False             # “时间紧、任务重”: things described, not a motto
        return not PRONOUN.search(label) and not any(t in CLAUSE_TAGS for p in parts for _, t in words(p))
    if HONOUR_LABEL.search(label) and not is_numbered and len(label) <= 12:
        return False                 # honour titles (先进劳动者, 基层组织建设创新成果)
    if re.search(r"[,,]", label):
        return False                 # a long clause with commas is speech
    counted = bool(CLASSIFIER.search(label))
    negated = bool(NEGATION.search(before[-4:]))
    role = bool(ROLE_LEAD.search(before))
    positive = bool(HEAD_AFTER.match(after) or PROGRAMME_LEAD.search(before)
                    or (len(label) >= 4 and CAMPAIGN_SUFFIX.search(label)))
    if is_numbered:
        if counted and (negated or role or any(t in ("i", "l") for _, t in words(label))):
            return False             # 两面人, 一阵风, 睁一只眼闭一只眼: counting, not a formula
        if (lexicalised(label) or is_chengyu(label)) and not positive:
            return False             # 一问三不知, 七上八下 are words; 严格落实“一岗双责” a formula
        return positive or not all(t in ("i", "l") for _, t in words(label))
    if clause(label) or negated or role:
        return False
    if label.endswith("会") and not label.endswith("工会"):
        return False                 # a meeting (“民情恳谈会”) is an event, not a slogan
    if positive:
        return True
    if lexicalised(label) or DESCRIPTIVE_END.search(label):
        return False                 # one dictionary word or idiom quoted for emphasis
    ws = words(label)
    last, last_tag = ws[-1]
    if (len(label) <= 5 and NICKNAME_END.search(label) and (len(last) == 1 or last_tag.startswith("n"))
            or label.endswith("文章")):
        return False                 # a kind of person (技术通, 知心大姐; not 联手), or 做好“…文章”
    if all(t in ADJECTIVE_TAGS for _, t in ws) or ws[0][1] in ("d", "ad"):
        return False                 # pure description (又快又好) or a predicate (真能干)
    if "的" in (w for w, _ in ws):
        return False                 # a descriptive phrase (家门口的娘家)
    if len(label) <= 2 and not re.search(r"[A-Za-z0-9]", label):
        return False                 # a bare two-character word without context
    return True
