"""Classes of problems (一类问题): group similar cases into topics a leader can read.

Over a window and region (a ``figures.Scope``), each case gets a problem phrase
(``phrase_for``: a short verb-object phrase such as "停水" or "路灯损坏", picked
from its text by the per-category lexicon ``PHRASES``; a case no phrase fits
gets "<category>问题"). Cases of the same category and phrase in the same unit
form one topic: the unit is the county for a scope of a county or above, the
township for a scope of a township or below (``unit_level``: a township's
dispatcher reads the classes of problems of their township, a county's leader
those of the county); a case registered above the unit's level is its own unit.
Each topic has:

- ``id``: ``"t"`` + 12 hex digits of SHA-1 over category, phrase and unit — the
  same for the same class of problem however often it is recomputed, whatever
  the window, and for everyone reading at the same level;
- ``title``: the place span + the phrase: the lowest region covering its cases
  ("朱亭村停水"), with "多个村/多个社区/多个乡镇…" when they spread over several
  places below it ("渌口区多个村反映停水");
- ``size``, ``by_channel``, ``by_region`` (the level below the scope's region),
  ``departments`` (lead departments of its cases, most first);
- ``trend``: cases per week (per month for windows over 120 days), every period
  of the window listed, empty ones as 0; ``growth`` = (second half + 1) / (first half + 1);
- ``unsatisfied`` (unsatisfied return visits), ``reopened`` (reopens), and
  ``weight`` = size + 2 × unsatisfied + 2 × reopened: dissatisfaction weighs more;
- ``score`` = weight × growth — the rank; the best-ranked topic without a task
  force is the month's candidate for 每月一题 (``candidate``).

A village scope is widened to its township to compute the topics and narrowed
back afterwards: a topic is listed only when the scope covers all its cases (a
scope never shows part of a topic under the topic's id). A topic can be adopted (``adopt``): a ``cases.Topic`` row linking
its cases; ``insights.taskforces`` builds a task force (工作专班) on it.
"""

import copy
import datetime as dt
import hashlib
import re
from collections import Counter, defaultdict

from django.db import transaction
from django.utils import timezone

from minqing.cases.models import Case, Category, Topic
from minqing.regions.models import Region

from .indexing import catch_up

MIN_SIZE = 3
UNSATISFIED_WEIGHT = 2
REOPEN_WEIGHT = 2

# Per category: (phrase, words that signal it), most specific first. A phrase is what a
# leader reads after the place: "朱亭村" + "停水", "渌口区多个村反映" + "路灯损坏".
PHRASES = {
    "water_supply": [
        ("二次供水水箱不清洗", ("二次供水", "水箱")),
        ("天旱吃水难", ("吃水", "送水", "天旱", "山塘见底")),
        ("水管漏水", ("漏水", "爆管", "水管爆", "水管破", "管道破")),
        ("水质差", ("水质", "发黄", "浑浊", "沉淀", "异味", "水很臭")),
        ("水压低", ("水压", "上不去水", "水流小")),
        ("停水", ("停水", "没水", "断水", "不来水", "没有水", "停了水")),
        ("水费争议", ("水费", "水表")),
    ],
    "roads_transport": [
        ("货车超载压坏路面", ("超载", "大货车")),
        ("道路停工未完工", ("停工", "修了一半")),
        ("缺少红绿灯", ("红绿灯", "信号灯")),
        ("公交班次少", ("公交", "班车", "班次")),
        ("道路积水", ("积水",)),
        ("道路破损", ("坑洼", "路面破", "压烂", "路烂", "塌陷", "破损", "烂路")),
        ("交通拥堵", ("堵车", "拥堵")),
        ("车辆乱停", ("乱停", "违停", "占道")),
        ("出租车网约车不规范", ("出租车", "网约车")),
    ],
    "municipal_facilities": [
        ("燃气管道老化", ("燃气", "天然气")),
        ("公厕脏乱", ("厕所",)),
        ("路灯损坏", ("路灯",)),
        ("井盖缺失", ("井盖",)),
        ("下水道堵塞", ("下水道", "排水", "堵塞", "污水井", "化粪池")),
        ("垃圾清运不及时", ("垃圾",)),
    ],
    "fire_safety": [
        ("消防通道堵塞", ("消防通道",)),
        ("电动车违规充电", ("充电",)),
        ("消防设施损坏", ("灭火器", "消防栓", "消火栓")),
        ("楼道堆放杂物", ("杂物", "堆放", "易燃")),
    ],
    "housing_property": [
        ("业委会成立难", ("业委会",)),
        ("老旧小区改造迟缓", ("老旧小区", "改造")),
        ("电梯故障", ("电梯",)),
        ("房屋漏水", ("漏水", "渗水")),
        ("房屋开裂", ("裂缝", "开裂")),
        ("物业服务差", ("物业",)),
    ],
    "education": [
        ("教师职称评审不透明", ("职称",)),
        ("学校食堂饭菜差", ("食堂",)),
        ("校车安全", ("校车",)),
        ("违规补课", ("补课",)),
        ("学校乱收费", ("收费", "乱收")),
        ("孩子入学难", ("入学", "学位", "上学")),
    ],
    "employment": [
        ("创业补贴难申领", ("创业", "补贴")),
        ("就业帮扶不足", ("招聘", "找工作", "就业", "培训")),
    ],
    "social_security": [
        ("适老化改造补贴难申请", ("适老化",)),
        ("老人日间照料不足", ("照料", "午餐")),
        ("养老金发放", ("养老金", "退休金")),
        ("医保报销难", ("医保", "报销")),
        ("社保缴费", ("社保",)),
    ],
    "health": [
        ("老人上门体检难", ("体检", "疫苗", "上门")),
        ("卫生院药贵缺药", ("药价", "常用药", "缺药")),
        ("看病难", ("挂号", "看病", "排队")),
        ("医疗服务态度差", ("医生", "护士", "态度")),
    ],
    "environment": [
        ("扬尘污染", ("扬尘", "搅拌站")),
        ("垃圾站脏臭", ("垃圾站", "苍蝇")),
        ("油烟扰民", ("油烟",)),
        ("噪音扰民", ("噪音", "噪声", "吵", "广场舞")),
        ("污水直排", ("排污", "污水", "臭水")),
        ("空气污染", ("烟尘", "粉尘", "焚烧", "异味", "臭味", "废气")),
    ],
    "agriculture_rural": [
        ("违法占用耕地", ("耕地", "基本农田", "挖塘")),
        ("村务不公开", ("村务", "公开栏", "集体收入")),
        ("水库山塘失修", ("水库", "山塘")),
        ("农田灌溉难", ("灌溉", "水渠")),
        ("农业补贴未发", ("补贴", "种粮")),
    ],
    "public_security": [
        ("电信诈骗", ("诈骗", "冒充")),
        ("非法种植罂粟", ("罂粟",)),
        ("聚众赌博", ("赌博",)),
        ("盗窃频发", ("偷", "盗")),
        ("醉酒闹事", ("闹事", "打架", "醉")),
    ],
    "labour_rights": [
        ("工伤认定难", ("工伤",)),
        ("拖欠工资", ("拖欠", "欠薪", "工资", "工钱")),
        ("不发加班费", ("加班",)),
        ("平台乱罚款", ("罚款", "外卖", "平台")),
    ],
    "civil_affairs": [
        ("低保申请难", ("低保",)),
        ("养老服务不足", ("养老院", "敬老院")),
        ("困难救助", ("救助", "困难")),
    ],
    "land_requisition": [
        ("违法拆迁", ("拆迁", "强拆")),
        ("安置不到位", ("安置",)),
        ("征地补偿不到位", ("补偿", "征地")),
    ],
    "governance_conduct": [
        ("办事推诿", ("推诿", "踢皮球", "推来推去", "推三阻四")),
        ("工作作风差", ("态度", "不作为", "吃拿卡要")),
    ],
    "enterprise_service": [
        ("企业招工难", ("招工", "用工")),
        ("拖欠企业账款", ("货款", "账款", "清欠")),
        ("企业用电成本高", ("电价", "电费")),
        ("审批办证慢", ("审批", "办证", "营业执照")),
    ],
    "culture_tourism": [
        ("农家书屋不开放", ("农家书屋", "书屋")),
        ("景区收费不透明", ("景区", "门票")),
        ("健身设施缺乏", ("健身", "球场", "广场")),
    ],
    "property_registration": [
        ("二手房过户慢", ("过户", "二手房")),
        ("不动产证办理难", ("不动产", "房产证", "产权证", "开发商", "办证")),
    ],
}


class TopicError(ValueError):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


_PATTERNS = {}


def _pattern(category):
    """One regular expression per category over all its phrases' words (longest first)."""
    if category not in _PATTERNS:
        owner = {}
        for phrase, words in PHRASES.get(category, ()):
            for w in words:
                owner.setdefault(w, phrase)
        rx = re.compile("|".join(re.escape(w) for w in sorted(owner, key=len, reverse=True))) if owner else None
        _PATTERNS[category] = (rx, owner)
    return _PATTERNS[category]


def phrase_for(category, text, category_name=""):
    """The problem phrase of one case: the lexicon phrase of its category whose words occur
    most often in its text (a tie goes to the one the text names first: "又停水了，水管爆了"
    is 停水), else ``fallback_phrase`` ("<category name>问题")."""
    rx, owner = _pattern(category)
    if rx is not None and text:
        hits, first = Counter(), {}
        for m in rx.finditer(text):
            p = owner[m.group(0)]
            hits[p] += 1
            first.setdefault(p, m.start())
        if hits:
            return max(hits, key=lambda p: (hits[p], -first[p]))
    return fallback_phrase(category, category_name)


def fallback_phrase(category, category_name=""):
    name = category_name or category
    return name if name.endswith("问题") else f"{name}问题"


def topic_id(category, phrase, unit):
    """The stable id of a class of problem: category, phrase and unit (county)."""
    return "t" + hashlib.sha1(f"{category}|{phrase}|{unit}".encode()).hexdigest()[:12]


def _load(scope):
    from .models import CaseInsight

    catch_up()
    rows = list(
        Case.objects.filter(scope.case_filter()).values(
            "id", "channel", "region_path", "registered_at", "category__code", "category__name",
            "lead_department_id", "rated_visits", "satisfied_visits", "reopen_count", "text",
        )
    )
    ids = [r["id"] for r in rows]
    ins = {}
    for i in range(0, len(ids), 20000):
        ins.update(
            {c: (n, t, cats) for c, n, t, cats in CaseInsight.objects.filter(case_id__in=ids[i:i + 20000])
             .values_list("case_id", "norm_text", "tokens", "categories")}
        )
    for r in rows:
        norm, tokens, cats = ins.get(r["id"], ("", "", []))
        r["tokens"] = tokens
        r["norm"] = norm or r["text"]
        r["cat"] = r["category__code"] or (cats[0] if cats else "other")
    return rows


def _period(d, monthly):
    if monthly:
        return d.strftime("%Y-%m")
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def _periods(start, end, monthly):
    out, d = [], start
    while d <= end:
        p = _period(d, monthly)
        if not out or out[-1] != p:
            out.append(p)
        d += dt.timedelta(days=1 if monthly else 7)
    last = _period(end, monthly)
    if out[-1] != last:
        out.append(last)
    return out


def _codes(path):
    return [c for c in path.strip("/").split("/") if c]


UNIT_WORDS = {  # the level of the places a topic spreads over → how a title names several of them
    "village": ("多个村", "多个社区", "多个村（社区）"),
    "township": ("多个乡镇", "多个街道", "多个乡镇（街道）"),
    "county": ("多个区县", "多个区县", "多个区县"),
}


def place_span(paths, regions):
    """(span region code, title prefix) of the cases' region paths: the lowest region covering
    all of them; "<span>多个村" (…社区/乡镇/街道/区县) when they lie in several places below it.
    ``regions`` maps code → (name, level); grids count as their village."""
    trimmed = []
    for p in paths:
        codes = [c for c in _codes(p) if regions.get(c, ("", ""))[1] != "grid"]
        if codes:
            trimmed.append(codes)
    if not trimmed:
        return None, ""
    common = trimmed[0]
    for codes in trimmed[1:]:
        n = 0
        while n < len(common) and n < len(codes) and common[n] == codes[n]:
            n += 1
        common = common[:n]
    if not common:
        return None, "多地"
    span = common[-1]
    leaves = {codes[-1] for codes in trimmed if len(codes) > len(common)}
    name = regions.get(span, (span, ""))[0]
    if len(leaves) < 2:
        return span, name
    levels = Counter(regions.get(c, ("", ""))[1] for c in leaves)
    level = levels.most_common(1)[0][0]
    words = UNIT_WORDS.get(level, ("多地", "多地", "多地"))
    names = [regions.get(c, ("", ""))[0] for c in leaves]
    tail = "社区" if level == "village" else "街道"
    if all(n.endswith(tail) for n in names):
        word = words[1]
    elif any(n.endswith(tail) for n in names):
        word = words[2]
    else:
        word = words[0]
    return span, f"{name}{word}"


def make_title(prefix, phrase, several):
    return f"{prefix}反映{phrase}" if several else f"{prefix}{phrase}"


BELOW_COUNTY = ("township", "village", "grid")


def unit_level(scope):
    """The level a scope's topics are grouped at: township for a scope of a township or below
    (a township's dispatcher reads their township's classes of problems), else county."""
    return "township" if scope.region is not None and scope.region.level in BELOW_COUNTY else "county"


def _unit(codes, regions, level):
    """The region at ``level`` a case lies in (its own deepest region when it has none)."""
    for c in codes:
        if regions.get(c, ("", ""))[1] == level:
            return c
    return codes[-1] if codes else ""


def _widened(scope):
    """The scope with its region raised to its township when it lies below one (a village's
    topic is its township's topic, listed only when all its cases are in the village)."""
    if scope.region is None or scope.region.level not in ("village", "grid"):
        return scope
    town = next((r for r in scope.region.ancestors() if r.level == "township"), None)
    if town is None:
        return scope
    wide = copy.copy(scope)
    wide.region = town
    return wide


def find_topics(scope, *, limit=20, min_size=MIN_SIZE, covered=None):
    """Ranked topics for a scope (best "problem of the month" first).

    ``covered``: optional list of region paths (an actor's topic scope); a topic is kept only
    when every one of its cases lies under one of them."""
    rows = _load(_widened(scope))
    if not rows:
        return []
    within = scope.region.path if scope.region is not None else "/"
    tz = timezone.get_current_timezone()
    dates = [timezone.localtime(r["registered_at"], tz).date() for r in rows]
    start = scope.date_from or min(dates)
    end = scope.date_to or max(max(dates), start)
    span_days = max((end - start).days, 1)
    mid = start + dt.timedelta(days=span_days / 2)
    monthly = span_days > 120
    periods = _periods(start, end, monthly)
    depth = len(_codes(scope.region.path)) if scope.region else 0
    all_codes = {c for r in rows for c in _codes(r["region_path"])}
    regions = {c: (n, lv) for c, n, lv in Region.objects.filter(code__in=all_codes).values_list("code", "name", "level")}
    cat_names = dict(Category.objects.values_list("code", "name"))
    groups = defaultdict(list)
    level = unit_level(scope)
    for i, r in enumerate(rows):
        phrase = phrase_for(r["cat"], r["norm"], cat_names.get(r["cat"], r["category__name"] or ""))
        groups[(r["cat"], phrase, _unit(_codes(r["region_path"]), regions, level))].append(i)
    from minqing.regions.models import Department

    topics = []
    for (cat, phrase, unit), idxs in groups.items():
        if len(idxs) < min_size:
            continue
        paths = [rows[i]["region_path"] for i in idxs]
        if not all(p.startswith(within) for p in paths):
            continue  # part of the topic lies outside the scope: not this scope's topic
        if covered is not None and not all(any(p.startswith(c) for c in covered) for p in paths):
            continue
        span, prefix = place_span(paths, regions)
        several = prefix != regions.get(span, ("", ""))[0]
        words = Counter(w for i in idxs for w in set(rows[i]["tokens"].split()))
        chans = Counter(rows[i]["channel"] for i in idxs)
        regs = Counter()
        for p in paths:
            parts = _codes(p)
            regs[parts[depth] if len(parts) > depth else (parts[-1] if parts else "")] += 1
        trend = dict.fromkeys(periods, 0)
        for i in idxs:
            trend[_period(dates[i], monthly)] = trend.get(_period(dates[i], monthly), 0) + 1
        late = sum(1 for i in idxs if dates[i] >= mid)
        growth = (late + 1) / (len(idxs) - late + 1)
        rated = sum(rows[i]["rated_visits"] for i in idxs)
        unsat = sum(rows[i]["rated_visits"] - rows[i]["satisfied_visits"] for i in idxs)
        reopened = sum(rows[i]["reopen_count"] for i in idxs)
        weight = len(idxs) + UNSATISFIED_WEIGHT * unsat + REOPEN_WEIGHT * reopened
        depts = Counter(rows[i]["lead_department_id"] for i in idxs if rows[i]["lead_department_id"])
        topics.append({
            "id": topic_id(cat, phrase, unit),
            "category": cat,
            "category_name": cat_names.get(cat, cat),
            "phrase": phrase,
            "place": {"code": span, "name": regions.get(span, ("", ""))[0], "several": several},
            "unit": unit,
            "title": make_title(prefix, phrase, several),
            "keywords": [w for w, _ in words.most_common(5)],
            "size": len(idxs),
            "by_channel": dict(chans.most_common()),
            "by_region": dict(regs.most_common()),
            "departments": dict(depts.most_common()),
            "trend": trend,
            "growth": round(growth, 3),
            "rated": rated,
            "unsatisfied": unsat,
            "reopened": reopened,
            "dissatisfaction": round((unsat + reopened + 1) / (rated + 2), 3),
            "weight": weight,
            "score": round(weight * growth, 3),
            "case_ids": sorted(rows[i]["id"] for i in idxs),
        })
    names = dict(Region.objects.filter(code__in={c for t in topics for c in t["by_region"]}).values_list("code", "name"))
    dept_rows = {d["id"]: d for d in Department.objects.filter(
        pk__in={d for t in topics for d in t["departments"]}).values("id", "code", "name")}
    for t in topics:
        t["by_region"] = [{"code": c, "name": names.get(c, c), "count": n} for c, n in t["by_region"].items()]
        t["departments"] = [{"code": dept_rows[d]["code"], "name": dept_rows[d]["name"], "count": n}
                            for d, n in t["departments"].items() if d in dept_rows]
    topics.sort(key=lambda t: (-t["score"], -t["size"], t["title"], t["id"]))
    _mark_candidate(topics, end)
    for rank, t in enumerate(topics, 1):
        t["rank"] = rank
    return topics[:limit]


def _mark_candidate(topics, end):
    """每月一题: the best-ranked topic that has no task force yet is the month's candidate."""
    from .models import TaskForce

    taken = set(TaskForce.objects.filter(topic_key__in=[t["id"] for t in topics]).values_list("topic_key", flat=True))
    month = end.strftime("%Y-%m")
    chosen = False
    for t in topics:
        t["taskforce"] = t["id"] in taken
        t["candidate"] = False
        if not chosen and not t["taskforce"]:
            t["candidate"] = chosen = True
            t["candidate_month"] = month


def covered_paths(actor):
    """The region paths a leader's or dispatcher's topic scope covers; None: everything."""
    if actor.is_admin:
        return None
    paths = []
    for m in actor.memberships:
        if m.role in _topic_roles():
            if m.region_id is None:
                return None
            paths.append(m.region.path)
    return paths


# ---- who may see and adopt a topic -------------------------------------------------------------------

def _topic_roles():
    from minqing.people.models import Role

    return (Role.LEADER, Role.DISPATCHER)


def topic_scope(actor):
    """The cases a leader's or dispatcher's scope covers, as a filter on the case's region
    path; ``None`` when it covers everything (an admin, a role without a region); an empty
    filter for someone with neither role."""
    from django.db.models import Q

    if actor.is_admin:
        return None
    roles = _topic_roles()
    cond = Q(pk__in=[])
    for m in actor.memberships:
        if m.role in roles:
            if m.region_id is None:
                return None
            cond |= Q(region_path__startswith=m.region.path)
    return cond


def outside_scope(actor, case_ids):
    """The ids among ``case_ids`` that the actor's topic scope does not cover (unknown ids too)."""
    ids = sorted({int(i) for i in case_ids})
    scope = topic_scope(actor)
    qs = Case.objects.filter(pk__in=ids)
    if scope is not None:
        qs = qs.filter(scope)
    inside = set(qs.values_list("pk", flat=True))
    return [i for i in ids if i not in inside]


def may_see(actor, topic):
    """A topic is visible and adoptable only by someone whose scope covers its region
    and ALL its cases (a topic with neither region nor cases: only by an unscoped one)."""
    scope = topic_scope(actor)
    if scope is None:
        return True
    if not any(m.role in _topic_roles() for m in actor.memberships):
        return False
    if topic.region_id is not None and not actor.covers_region(topic.region, *_topic_roles()):
        return False
    cases = topic.cases.all()
    if topic.region_id is None and not cases.exists():
        return False
    return not cases.exclude(scope).exists()


@transaction.atomic
def adopt(actor, *, title, case_ids, keywords=(), region=None, policy="", topic=None):
    """Adopt a topic: create (or update) a ``Topic`` linking its cases, with the policy response."""
    from minqing.people.scoping import visible_cases

    title = (title or "").strip()
    if topic is None and not title:
        raise TopicError("title 必填 / title is required", "title")
    if len(title) > 200:
        raise TopicError("title 过长 / title is too long", "title")
    ids = sorted({int(i) for i in case_ids or []})
    if not ids and topic is None:
        raise TopicError("至少包含一个案件 / case_ids must name at least one case", "case_ids")
    visible = set(visible_cases(actor, Case.objects.filter(pk__in=ids)).values_list("pk", flat=True))
    unknown = [i for i in ids if i not in visible]
    if not unknown:
        unknown = outside_scope(actor, ids)  # a topic holds only cases the adopter's whole scope covers
    if topic is not None and not may_see(actor, topic):
        raise TopicError("专题不存在 / topic not found", "topic")
    if unknown:
        raise TopicError(f"案件不存在或无权查看 / unknown or not visible cases: {unknown[:10]}", "case_ids")
    if isinstance(region, str) and region:
        code = region
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise TopicError(f"区划不存在 / unknown region: {code}", "region")
    if topic is None:
        topic = Topic(title=title)
    elif title:
        topic.title = title
    if keywords:
        topic.keywords = [str(k) for k in keywords][:20]
    if region is not None:
        topic.region = region
    topic.policy = policy or topic.policy
    topic.adopted_at = timezone.now()
    topic.adopted_by = actor.user
    topic.save()
    if ids:
        topic.cases.add(*ids)
    return topic


def topic_dict(topic):
    return {
        "id": topic.pk,
        "title": topic.title,
        "keywords": topic.keywords,
        "region": topic.region.code if topic.region_id else None,
        "adopted_at": topic.adopted_at.isoformat() if topic.adopted_at else None,
        "adopted_by": topic.adopted_by.get_username() if topic.adopted_by_id else None,
        "policy": topic.policy,
        "case_ids": sorted(topic.cases.values_list("pk", flat=True)),
    }
