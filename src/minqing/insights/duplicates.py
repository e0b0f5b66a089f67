"""Duplicates: open cases that say the same thing about the same place.

Blocking, then an exact check:

- every indexed case has a few 63-bit keys in ``DupKey``: (place, band of a
  MinHash signature over the character shingles of its content) for each band,
  and (place, category) for its two most likely categories. The place is the
  township the text names (the county when it names no township, the case's
  registered region when the text names none);
- a new text computes the same keys; one indexed query returns the candidates
  that share any key; each candidate is then compared exactly — same place on
  one branch of the tree (a village and its own township agree; two different
  villages do not), and a similarity above ``THRESHOLD``: the TF-IDF cosine of
  the two texts (the trained category model's character n-grams and IDF, so
  rare words weigh more) plus 0.3 × the cosine of their category scores
  (without a trained model: shingle and word overlap).

Near misses stay apart: two texts about the same place that name *different*
problems of the same kind (``FACETS``: 停水 vs 水压低, 路灯 vs 井盖, a site's
piling vs a restaurant's fumes, 欠薪 vs 社保 …) or different groups, villages or
streets under the same township (三组 vs 七组, 老街 vs 新街) get their similarity
cut by ``CONFLICT_FACTOR``; a text that names no such detail conflicts with nothing.

Only open cases are candidates (not closed, merged or invalid). The merge
itself is ``minqing.cases.actions.merge``.
"""

import hashlib
import re
import struct
import zlib
from functools import lru_cache

import numpy as np

from . import places
from .normalize import bigrams

NUM_BANDS, ROWS = 4, 2
NUM_PERM = NUM_BANDS * ROWS
_PRIME = np.uint64((1 << 61) - 1)
_rng = np.random.RandomState(20240611)
_A = _rng.randint(1, (1 << 31) - 1, size=NUM_PERM).astype(np.uint64)
_B = _rng.randint(0, (1 << 31) - 1, size=NUM_PERM).astype(np.uint64)
THRESHOLD = 0.34  # with a trained model: the middle of the 0.33–0.35 plateau on all old pairs of eval_duplicates.csv
THRESHOLD_NO_MODEL = 0.42
CLOSED_STATES = ("closed", "merged", "invalid")

# words residents use for the same thing; folded before comparing content words
SYNONYMS = {
    "没水": "停水", "断水": "停水", "停水了": "停水", "没有水": "停水", "不来水": "停水", "水停": "停水",
    "路灯不亮": "路灯", "灯不亮": "路灯", "黑灯": "路灯",
    "噪声": "噪音", "吵闹": "噪音", "扰民": "噪音",
    "工钱": "工资", "薪水": "工资", "欠薪": "拖欠工资", "不发工资": "拖欠工资",
    "乱停": "乱停车", "停车难": "停车",
    "坑洼": "坑", "烂路": "路烂", "破损": "坏",
    "臭气": "臭味", "异味": "臭味",
}


# problem facets: (family, facet, trigger substrings of the normalised content). Two texts
# whose facets in one family are both present and disjoint describe different problems.
FACETS = [
    ("water", "outage", "停水 没水 没有水 断水 不来水 没来水 水停 没有自来水 一滴水 供水中断 水断"),
    ("water", "pressure", "水压 水小 水很小 水太小 上不去 水流小 细得 水流很细"),
    ("water", "quality", "黄汤 发黄 黄的 黄水 浑 泥巴水 怪味 异味 水质 虫 漂白 锈 有味道"),
    ("water", "bill", "水费 水表 抄表"),
    ("water", "burst", "爆管 水管爆 管子爆 管子破 水管破 冒水 水哗哗"),
    ("lamp", "light", "路灯 灯不亮 灯坏 黑灯 黑漆漆 黑咕隆咚"),
    ("lamp", "manhole", "井盖 窨井 井口"),
    ("lamp", "drain", "下水道 化粪池 排水 污水 积水 淹"),
    ("lamp", "toilet", "厕所 公厕"),
    ("noise", "site", "工地 打桩 施工 搅拌 挖机 渣土"),
    ("noise", "restaurant", "饭店 餐馆 油烟 排烟 烧烤 大排档 饭馆 餐厅"),
    ("noise", "square", "广场舞 音箱 音响 跳舞"),
    ("noise", "ktv", "ktv 唱歌 酒吧"),
    ("noise", "factory", "厂 车间"),
    ("labour", "wage", "工资 工钱 欠薪 薪水 发钱 血汗钱"),
    ("labour", "insurance", "社保 五险 保险 公积金"),
    ("labour", "contract", "合同"),
    ("labour", "injury", "工伤 受伤"),
    ("labour", "overtime", "加班"),
    ("land", "money", "补偿款 拆迁款 征地款 补偿 赔偿 青苗 拆迁的钱 征地的钱 钱没给 钱没有给 钱到现在"),
    ("land", "resettle", "安置房 交房 安置 回迁"),
    ("land", "transition", "过渡费 过渡"),
    ("land", "demolish", "强拆 推了 拆了"),
    ("welfare", "dibao", "低保"),
    ("welfare", "disability", "残疾"),
    ("welfare", "pension", "养老金 退休金 养老保险"),
    ("welfare", "medical", "医保 报销"),
    ("welfare", "elderly", "高龄 老年补贴"),
    ("welfare", "extreme", "特困 五保"),
    ("road", "hole", "坑 路烂 烂路 塌 破损 稀烂"),
    ("road", "signal", "红绿灯 信号灯"),
    ("road", "bus", "公交 班车 车次"),
    ("road", "parking", "停车 乱停"),
    ("road", "crossing", "斑马线 人行道"),
    ("house", "lift", "电梯"),
    ("house", "leak", "漏水 渗水 漏雨 霉"),
    ("house", "fee", "物业费"),
    ("house", "crack", "开裂 裂缝 裂了"),
    ("house", "certificate", "房产证 产权证 不动产证 办证"),
    ("fire", "passage", "通道 杂物 堆满"),
    ("fire", "charging", "充电 飞线 电瓶"),
    ("fire", "gas", "煤气 液化气 燃气"),
    ("clinic", "staff", "医生 值班 坐诊 村医 护士"),
    ("clinic", "fee", "乱收费 收费 药价 太贵"),
    ("school", "food", "食堂 饭菜"),
    ("school", "traffic", "斑马线 过马路 校车 接送"),
    ("school", "fee", "乱收费 补课 资料费 收费"),
    ("school", "bully", "欺负 体罚 打学生 打孩子"),
    ("school", "place", "学位 入学 划片 分到 转学 读不了 上不了学"),
    ("school", "teacher", "老师 补习"),
    ("clinic", "queue", "排队 挂号 等了"),
    ("clinic", "drug", "假药 药店 开药"),
    ("clinic", "vaccine", "疫苗 打针"),
    ("farm", "irrigation", "灌溉 水渠 渠道 山塘 水库 抽水"),
    ("farm", "subsidy", "种粮补贴 农机补贴 补贴"),
    ("farm", "input", "种子 化肥 农药"),
    ("farm", "animals", "猪瘟 死猪 养猪 猪场 牛死 养牛 养鸡 鸡瘟 养鸭 鸭子 鱼塘 养殖"),
    ("farm", "accounts", "账目 村务 财务公开"),
    ("farm", "landuse", "耕地 流转 撂荒 占地"),
    ("firm", "approval", "审批 执照 许可 环评 办证"),
    ("firm", "subsidy", "补贴 奖励 扶持 优惠政策"),
    ("firm", "tax", "税务 退税 多扣税"),
    ("civil", "care", "养老院 敬老院 照顾"),
    ("civil", "relief", "救助 救济 受灾"),
    ("civil", "funeral", "殡葬 墓地 丧葬"),
    ("civil", "marriage", "结婚 离婚 婚姻"),
    ("labour", "dismissal", "辞退 开除 赶走 解除"),
    ("culture", "ticket", "门票 票价"),
    ("culture", "guide", "导游 购物"),
    ("culture", "venue", "广场 球场 体育馆 图书馆 文化室 戏台"),
    ("culture", "heritage", "文物 古建筑 祠堂"),
    ("land", "valuation", "评估 标准 太低"),
    ("conduct", "attitude", "态度 骂人 骂老百姓 吼人 玩手机 不理"),
    ("conduct", "shirk", "推诿 推来推去 踢皮球 转来转去"),
    ("conduct", "absent", "不在岗 不上班 找不到人"),
    ("conduct", "graft", "红包 收礼 贪污 吃拿卡要 优亲厚友 亲戚"),
    ("conduct", "reply", "回复 答复 回访"),
    ("house", "handover", "交房 延期 逾期"),
    ("house", "access", "门禁 保安"),
    ("house", "garage", "地下室 车库"),
    ("house", "renovation", "装修 砸墙"),
    ("registry", "transfer", "过户"),
    ("registry", "tax", "契税 税费"),
    ("registry", "area", "面积"),
    ("registry", "name", "名字 写错"),
    ("fire", "bars", "焊死 铁笼 防盗网"),
    ("fire", "equipment", "灭火器 消防栓"),
    ("fire", "fireworks", "烟花 鞭炮"),
    ("fire", "burning", "烧田 烧荒 烧山 野火"),
    ("city", "rubbish", "垃圾"),
    ("city", "green", "绿化 树木 砍树 树倒 草长"),
    ("city", "furniture", "座椅 健身器材 器材"),
    ("road", "bridge", "桥上 桥梁 断桥 桥面 栏杆 护栏"),
    ("road", "trucks", "渣土车 货车 大车"),
    ("road", "taxi", "出租车 网约车 打表"),
    ("env", "river", "河里 河道 河水 塘里 排污 污水 死鱼"),
    ("env", "dust", "灰尘 一层灰 灰大 灰太大 粉尘 扬尘"),
    ("env", "dumping", "倒垃圾 建筑垃圾 偷倒"),
    ("env", "smoke", "黑烟 烧垃圾 烧轮胎 焚烧 废气 臭"),
    ("env", "noise", "吵死 很吵 太吵 吵得 噪音 打桩 音箱"),
    ("crime", "theft", "偷 盗 撬"),
    ("crime", "fraud", "骗 诈骗"),
    ("crime", "gamble", "赌 打牌"),
    ("crime", "fight", "打架 斗殴 砍"),
    ("firm", "pollution", "排烟 黑烟 废气 臭 排污 废水 粉尘 灰"),
    ("firm", "debt", "欠款 货款 工程款 欠钱 账款 结账"),
    ("firm", "power", "电费 增容 变压器 停电"),
    ("firm", "loan", "贷款 融资"),
]
CONFLICT_FACTOR = 0.25  # at most 0.25 after the cut: below both thresholds, a veto that keeps the order
_FACET_LIST = [(fam, name, tuple(trig.split())) for fam, name, trig in FACETS]
_SUBPLACE = re.compile(r"([0-9一二三四五六七八九十]+|[\u4e00-\u9fff]家)(组|队)|([\u4e00-\u9fff]{2})村(?!民|委|里|干部|上|子|小|医|卫|道|级|集体|务|组织|两委|支书|主任|会计|部)"
                       r"|([老新东西南北前后上下][\u4e00-\u9fff]?)街(?!道)")


_NOT_A_NAME = set("镇乡县区市的们多个些每各全本该这那我你他她好很几两个有在是了和与到去来里邻")


@lru_cache(maxsize=65536)
def facets(content):
    """{family: frozenset of facets} the text names (cached: a case's content never changes)."""
    text = content.lower()
    out = {}
    for fam, name, trig in _FACET_LIST:
        if any(t in text for t in trig):
            out.setdefault(fam, set()).add(name)
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=65536)
def subplaces(content):
    """{kind: set} of groups (三组), villages (龙船村) and streets (老街) the text names below the township."""
    out = {}
    for m in _SUBPLACE.finditer(content):
        if m.group(1):
            out.setdefault("group", set()).add(m.group(1))
        elif m.group(3):
            if not _NOT_A_NAME & set(m.group(3)):
                out.setdefault("village", set()).add(m.group(3))
        elif m.group(4):
            out.setdefault("street", set()).add(m.group(4))
    return {k: frozenset(v) for k, v in out.items()}


def conflict(a_content, b_content):
    """True when the two texts name different problems of one kind, or different places
    below the township (both name one, and none agree)."""
    fa, fb = facets(a_content), facets(b_content)
    for fam in fa.keys() & fb.keys():
        if not fa[fam] & fb[fam]:
            return True
    pa, pb = subplaces(a_content), subplaces(b_content)
    for kind in pa.keys() & pb.keys():
        if not pa[kind] & pb[kind]:
            return True
    return False


def fold(tokens):
    return {SYNONYMS.get(t, t) for t in tokens}


def _h64(text):
    return struct.unpack(">q", hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest())[0]


def minhash(shingles):
    if not shingles:
        return None
    x = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in shingles), dtype=np.uint64, count=len(shingles))
    hv = (np.outer(x, _A) + _B) % _PRIME
    return hv.min(axis=0)


def place_key(place):
    """The township on the place's chain, else its county: the block of "same place"."""
    if not place:
        return ""
    chain = place["chain"]
    for level in ("township", "county"):
        for i, item in enumerate(chain):
            if item["level"] == level:
                if item["code"]:
                    return item["code"]
                parent = chain[i - 1]["code"] if i else ""
                return f"{parent}:{item['name']}"
    return ""


def place_ident(place):
    if not place:
        return ""
    if place["code"]:
        return place["code"]
    return place_key(place)


def keys_for(pkey, content, categories):
    if not pkey:
        return []
    keys = [_h64(f"c|{pkey}|{code}") for code in categories[:2]]
    sig = minhash(set(bigrams(content)))
    if sig is not None:
        for b in range(NUM_BANDS):
            band = ",".join(str(int(v)) for v in sig[b * ROWS : (b + 1) * ROWS])
            keys.append(_h64(f"b|{pkey}|{b}|{band}"))
    return list(dict.fromkeys(keys))


def _jaccard(a, b):
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _containment(a, b):
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _cosine_dicts(a, b):
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    na = sum(v * v for v in a.values()) ** 0.5
    nb = sum(v * v for v in b.values()) ** 0.5
    return dot / (na * nb) if na and nb else 0.0


_vec_cache = {}  # (model id, case id) -> TF-IDF row: a case's content never changes
VEC_CACHE_MAX = 200_000


def text_vectors(contents):
    """Unit TF-IDF vectors of contents with the trained category model's vocabulary and IDF
    (None without a model)."""
    from . import classify

    return classify.vectorize(contents)


def case_vectors(readings, case_ids):
    """TF-IDF rows of indexed cases, cached per process (None without a model)."""
    import scipy.sparse as sp

    from . import classify

    _cat, model = classify.catalog()
    if model is None:
        return None
    mid = id(model)
    missing = [c for c in case_ids if (mid, c) not in _vec_cache]
    if missing:
        if len(_vec_cache) + len(missing) > VEC_CACHE_MAX:
            _vec_cache.clear()
        rows = text_vectors([readings[c]["content"] for c in missing]).tocsr()
        for i, c in enumerate(missing):
            lo, hi = rows.indptr[i], rows.indptr[i + 1]
            _vec_cache[(mid, c)] = (rows.indices[lo:hi].copy(), rows.data[lo:hi].copy())
    parts = [_vec_cache[(mid, c)] for c in case_ids]
    indptr = np.zeros(len(parts) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(p[0]) for p in parts])
    indices = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int32)
    data = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0)
    width = len(model.steps[0][1].vocabulary_)
    return sp.csr_matrix((data, indices, indptr), shape=(len(parts), width))


def similarity(a_content, a_tokens, a_scores, b_content, b_tokens, b_scores, tfidf_cos=None):
    """0..1: how surely two texts (already known to be about the same place) say the same thing.

    With a trained model: the TF-IDF cosine of the two texts (weighted by how rare each
    character n-gram is in the deployment's cases) plus a third of the cosine of their
    category scores. Without one: shingle and word overlap and the category cosine."""
    cat_cos = _cosine_dicts(a_scores, b_scores)
    damp = CONFLICT_FACTOR if conflict(a_content, b_content) else 1.0
    if tfidf_cos is not None:
        return damp * min(1.0, tfidf_cos + 0.3 * cat_cos)
    sa, sb = set(bigrams(a_content)), set(bigrams(b_content))
    ta, tb = fold(a_tokens), fold(b_tokens)
    s_chars = 0.5 * _jaccard(sa, sb) + 0.5 * _containment(sa, sb)
    s_words = 0.5 * _jaccard(ta, tb) + 0.5 * _containment(ta, tb)
    return damp * (0.4 * s_chars + 0.4 * s_words + 0.2 * cat_cos)


def same_place(ident_a, ident_b, idx=None):
    """True when one place lies on the other's chain (a village and its own township agree)."""
    if not ident_a or not ident_b:
        return False
    if ident_a == ident_b:
        return True
    idx = idx or places.index()
    if ident_a in idx.nodes and ident_b in idx.nodes:
        ca, cb = idx.chain(ident_a), idx.chain(ident_b)
        return ident_a in cb or ident_b in ca
    return False


def find(items, *, exclude=(), limit=5, threshold=None, visible=None, item_vectors=None):
    """For each item (a dict with place_key, place_ident, content, tokens, categories, scores), the
    open indexed cases that duplicate it: [[{"case_id", "tracking_code", "score"}…]…].
    ``item_vectors``: the items' rows from ``classify.vectorize`` when the caller has them.

    One query for the keys of all items, one for the candidates' readings.
    ``visible`` is an optional Case queryset the candidates must belong to."""
    from .models import CaseInsight, DupKey

    all_keys = {}
    for n, it in enumerate(items):
        for k in keys_for(it["place_key"], it["content"], it["categories"]):
            all_keys.setdefault(k, []).append(n)
    out = [[] for _ in items]
    if not all_keys:
        return out
    cand_for, readings, open_ids = {}, {}, {}
    keys = list(all_keys)
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        hits = DupKey.objects.filter(key__in=chunk).values_list("key", "case_id")
        for key, case_id in hits:
            for n in all_keys[key]:
                cand_for.setdefault(n, set()).add(case_id)
        # the candidates' readings in one query, open cases only
        qs = CaseInsight.objects.filter(case_id__in=DupKey.objects.filter(key__in=chunk).values("case_id")).exclude(
            case__state__in=CLOSED_STATES)
        if visible is not None:
            qs = qs.filter(case_id__in=visible.values("pk"))
        for r in qs.values("case_id", "tokens", "place_code", "categories", "category_scores", "content",
                           "case__tracking_code"):
            readings[r["case_id"]] = r
            open_ids[r["case_id"]] = r["case__tracking_code"]
    if not readings:
        return out
    idx = places.index()
    pairs = []
    for n, it in enumerate(items):
        for cid in cand_for.get(n, ()):
            r = readings.get(cid)
            if r is None or cid in exclude:
                continue
            if same_place(it["place_ident"], r["place_code"], idx):
                pairs.append((n, cid))
    cos = {}
    if pairs:
        item_ids = sorted({n for n, _ in pairs})
        cand_ids = sorted({c for _, c in pairs})
        if item_vectors is not None:
            vi = item_vectors[item_ids]
        else:
            vi = text_vectors([items[n]["content"] for n in item_ids])
        if vi is not None:
            vc = case_vectors(readings, cand_ids)
            row = {n: i for i, n in enumerate(item_ids)}
            col = {c: j for j, c in enumerate(cand_ids)}
            sims = (vi @ vc.T).toarray()
            cos = {(n, c): float(sims[row[n], col[c]]) for n, c in pairs}
    if threshold is None:
        threshold = THRESHOLD if cos or not pairs else THRESHOLD_NO_MODEL
    found_for = {}
    for n, cid in pairs:
        it, r = items[n], readings[cid]
        b_scores = dict(zip(r["categories"], r["category_scores"] or [1.0] * len(r["categories"])))
        a_scores = it.get("scores") or {c: 1.0 for c in it["categories"][:1]}
        s = similarity(it["content"], it["tokens"], a_scores, r["content"], r["tokens"].split(), b_scores,
                       tfidf_cos=cos.get((n, cid)))
        if s >= threshold:
            found_for.setdefault(n, []).append({"case_id": cid, "tracking_code": open_ids[cid], "score": round(s, 3)})
    for n in range(len(items)):
        found = found_for.get(n, [])
        found.sort(key=lambda d: (-d["score"], d["case_id"]))
        out[n] = found[:limit]
    return out
