"""One reading of a text: normalised form, place, content without place names,
content words and character shingles. Everything else (category, duplicates,
topics, search) starts from a ``Reading``.
"""

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import places
from .normalize import normalize

_WORD_OK = re.compile(r"[\u4e00-\u9fffa-z]")
_DIGITS = re.compile(r"^[0-9.]+$")

STOPWORDS = frozenset(
    """的 了 是 我 我们 你 你们 他 他们 她 它 在 有 和 与 及 就 都 也 还 又 很 太 真 这 那 这个 那个 这些 那些 一个 一些
    没有 没 不 什么 怎么 怎么办 为什么 为啥 能 能否 能不能 可以 可不可以 请 请问 麻烦 希望 要求 反映 反应 问题 情况 处理 解决
    相关 部门 有关 尽快 赶紧 帮忙 帮 一下 一直 现在 目前 已经 这里 那里 这边 那边 我家 家里 附近 旁边 门口 这样 那样 如何
    但是 但 可是 因为 所以 而且 然后 如果 还是 或者 就是 只是 到底 吗 呢 吧 啊 呀 哦 嘛 啦 么 着 过 给 把 被 让 对 从 向
    到 说 讲 问 看 去 来 上 下 里 中 后 前 时 时候 每天 天天 今天 昨天 最近 好 多 很多 非常 特别 严重 一点 几 个 次 天
    个月 年 月 日 号 点 已 被 并 等 等等 该 其 此 某 本 各 每 再 才 将 要 会 想 得 地 您 领导 同志 谢谢 感谢 您好 你好
    市民 居民 群众 村民 老百姓 本人 自己 大家 人 事 事情 东西 地方 多次 好几次 几次 联系 打电话 电话 打 没人 管 没人管""".split()
)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    for w in DOMAIN_WORDS:
        tok.add_word(w, freq=20000)
    return tok


DOMAIN_WORDS = """停水 断水 没水 水压 自来水 水质 发黄 浑浊 飞线 飞线充电 消防通道 占道 占用 乱停 乱停车 乱搭 乱建 违建 噪音 扰民
油烟 扬尘 臭味 垃圾 垃圾站 路灯 井盖 下水道 化粪池 公厕 燃气 欠薪 拖欠 工资 低保 残疾 特困 养老金 医保 社保 房产证 不动产
过户 网签 物业 物业费 业委会 电梯 漏水 渗水 学位 入学 校车 幼儿园 诈骗 电诈 赌博 征地 拆迁 补偿 安置 网约车 外卖 骑手
零工 就业 创业 贷款 融资 电费 审批 营商 广场舞 健身 景区 灌溉 水渠 耕地 撂荒 村务 公开 推诿 不作为 吃拿卡要 卫生室
疫苗 看病 挂号 坑洼 断头路 公交 红绿灯 停车 停车位""".split()


def tokenize(content):
    """Content words of a normalised text: jieba (no HMM), stop words, digits and one-character words dropped."""
    out = []
    for w in _jieba().cut(content.lower(), HMM=False):
        w = w.strip()
        if len(w) < 2 or w in STOPWORDS or _DIGITS.match(w) or not _WORD_OK.search(w):
            continue
        out.append(w)
    return out


@dataclass
class Reading:
    original: str
    norm: str
    content: str  # the normalised text with the place names blanked out
    place: dict | None
    tokens: list = field(default_factory=list)


def read(text, idx=None):
    original = text or ""
    norm = normalize(original)
    idx = idx or places.index()
    place = places.resolve(norm, idx, normalized=True)
    content = norm
    found = places.mentions(norm, idx) if place else []
    used = set(place["words"]) if place else set()
    found = [m for m in found if m[0] in used]
    if found:
        chars = list(norm)
        for word, start, _refs in found:
            for i in range(start, start + len(word)):
                chars[i] = " "
        content = "".join(chars)
    return Reading(original, norm, content, place, tokenize(content))
