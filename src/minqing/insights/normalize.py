"""Text normalisation: traditional → simplified, full-width → half-width,
whitespace and punctuation cleaned. The original text is never changed; every
function returns a new string.

After that, callers' words are folded to the common written form (``COLLOQUIAL``):
Hunan dialect (冇得 → 没有, 么子 → 什么, 搞不赢 → 来不及, 恰饭 → 吃饭, 咯里 → 这里,
晓得 → 知道, 堂客 → 妻子 …) and frequent typos and homophones of the hotline
(以经 → 已经, 帐户 → 账户, 休路 → 修路 …). The longest match wins, in one pass.

OpenCC (opencc-python-reimplemented, offline) does the traditional → simplified
conversion; it runs only when the text holds a character that is traditional,
so the common simplified case costs one set lookup per character.
"""

import re
import unicodedata
from functools import lru_cache

_FULLWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20  # ideographic space
# Chinese punctuation → one ASCII form, so the rest of the pipeline sees one kind.
_PUNCT = {
    "，": ",", "。": ".", "！": "!", "？": "?", "；": ";", "：": ":", "、": ",",
    "（": "(", "）": ")", "【": "[", "】": "]", "“": '"', "”": '"', "‘": "'", "’": "'",
    "《": "<", "》": ">", "…": "...", "—": "-", "～": "~", "·": " ",
}
_PUNCT_TABLE = str.maketrans({**{chr(k): chr(v) for k, v in _FULLWIDTH.items()}, **_PUNCT})
_SPACES = re.compile(r"\s+")
_REPEAT_PUNCT = re.compile(r"([!?.,;:~\-])\1+")
_CONTENT = re.compile(r"[\u4e00-\u9fff0-9a-zA-Z]+")


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars():
    """Characters that OpenCC would change (the keys of its t2s character table)."""
    import os

    import opencc

    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    chars = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            key, _, values = line.rstrip("\n").partition("\t")
            if len(key) == 1 and values.split(" ")[0] != key:
                chars.add(key)
    return frozenset(chars)


def has_traditional(text):
    trad = _traditional_chars()
    return any(ch in trad for ch in text)


def to_simplified(text):
    if not text or not has_traditional(text):
        return text
    return _converter().convert(text)


# callers' words → the common written form. Longest match first; keep entries unambiguous
# (a fold must not break a place name or a keyword: no single common character alone).
COLLOQUIAL = {
    # Hunan / southwestern dialect
    "冇得": "没有", "冇有": "没有", "冇": "没", "有冇": "有没有", "么子": "什么", "么里": "什么",
    "搞么子": "干什么", "做么子": "干什么", "为么子": "为什么", "搞不赢": "来不及", "搞不清": "弄不清",
    "恰饭": "吃饭", "恰不饱": "吃不饱", "恰水": "喝水", "恰的水": "吃的水", "恰药": "吃药", "恰酒": "喝酒",
    "冇恰": "没吃", "恰了": "吃了", "恰得": "吃得",
    "咯里": "这里", "咯边": "这边", "咯样": "这样", "咯个": "这个", "咯些": "这些", "咯久": "这么久",
    "咯么": "这么", "那咯": "那个", "晓得": "知道", "不晓得": "不知道", "堂客": "妻子", "屋里": "家里",
    "伢子": "孩子", "妹子": "女孩", "细伢子": "小孩", "细伢": "小孩", "满崽": "小儿子", "娭毑": "奶奶",
    "嗲嗲": "爷爷", "老倌子": "老头", "老人家": "老人",
    "冒得": "没有", "冒有": "没有", "要得": "可以", "何解": "为什么",
    "么样": "怎样", "落雨": "下雨", "一坨": "一块", "打牌子": "打牌",
    "鬼火冒": "生气", "哈哒": "全部", "噻": "吧", "啰": "了",
    "弄不赢": "来不及", "蛮大": "很大", "蛮多": "很多", "蛮久": "很久", "蛮吵": "很吵",
    "蛮臭": "很臭", "蛮难": "很难", "蛮远": "很远", "蛮深": "很深", "蛮危险": "很危险", "蛮脏": "很脏",
    "恰": "吃", "恰好": "恰好", "恰当": "恰当", "恰恰": "恰恰", "恰巧": "恰巧", "恰似": "恰似","困告": "睡觉",
    # frequent typos and homophones of phone input
    "以经": "已经", "己经": "已经", "帐户": "账户", "到帐": "到账", "帐号": "账号", "工资帐": "工资账",
    "休路": "修路", "休好": "修好", "休理": "修理", "维休": "维修",
    "从新": "重新", "反应问题": "反映问题", "一值": "一直", "一只没": "一直没",
    "付近": "附近", "小去": "小区", "物叶": "物业", "井改": "井盖", "低包": "低保",
    "社宝": "社保", "医宝": "医保", "养老精": "养老金", "拖钱": "拖欠", "公资": "工资", "工姿": "工资",
    "燥音": "噪音", "躁音": "噪音", "噪声": "噪音", "垃级": "垃圾", "拉圾": "垃圾", "拉级": "垃圾",
    "漏雨": "漏水", "停电拉": "停电了", "没水拉": "没水了", "房产正": "房产证", "不动产正": "不动产证",
}
_COLLOQUIAL_RE = None


def _colloquial_re():
    global _COLLOQUIAL_RE
    if _COLLOQUIAL_RE is None:
        words = sorted(COLLOQUIAL, key=len, reverse=True)  # identities guard words like 恰好
        _COLLOQUIAL_RE = re.compile("|".join(re.escape(w) for w in words))
    return _COLLOQUIAL_RE


def fold_colloquial(text):
    """Callers' dialect words and common typos → the written form (see ``COLLOQUIAL``)."""
    return _colloquial_re().sub(lambda m: COLLOQUIAL[m.group(0)], text)


def normalize(text):
    """The simplified, half-width, cleaned form of ``text`` (original kept by the caller)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text) if any(ord(c) > 0xFF00 for c in text) else text
    text = to_simplified(text.translate(_PUNCT_TABLE))
    text = _REPEAT_PUNCT.sub(r"\1", text)
    text = fold_colloquial(text)
    return _SPACES.sub(" ", text).strip()


def content(text):
    """Only the letters, digits and CJK characters of a normalised text (for shingles)."""
    return "".join(_CONTENT.findall(text))


def bigrams(text):
    """Character bigrams of the content of a normalised text, in order (single characters
    when a run is one character long)."""
    out = []
    for run in _CONTENT.findall(text.lower()):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out
