"""The report's sections, in order: a registry. Each entry is (key, title, dotted path of a
builder); a builder takes the ``Context`` and returns a list of blocks (``blocks.py``).
Sections are numbered 一、二、… in this order, their subsections （一）（二）…. A report names no
reporter and quotes no case text; free text written by staff (topic and campaign titles) goes
through the one masking rule (``people.masking.mask_text``).

To add a section (the survey's 群众评议, the campaigns' 金点子 digest, typical cases …), add one
entry to ``SECTIONS`` pointing at a builder in that app, e.g.::

    ("typical", "典型案例（金果子）", "minqing.reports.sections.typical"),
    ("survey", "群众满意度测评", "minqing.surveys.report.section"),
"""

from django.conf import settings
from django.db.models import Count, Q

from minqing.cases.models import Category, Channel
from minqing.insights import figures
from minqing.people.masking import mask_text

from .blocks import Change, Chart, Paragraph, Rate, SectionOut, Sub, Table, trend_words
from .charts import bar_chart
from .context import dig

SECTIONS = [
    ("overview", "总体情况", "minqing.reports.sections.overview"),
    ("intake", "受理情况", "minqing.reports.sections.intake"),
    ("ranking", "部门办理情况排名通报", "minqing.reports.sections.ranking"),
    ("supervision", "红灯预警与督查督办", "minqing.reports.sections.supervision"),
    ("problems", "突出问题与一类问题", "minqing.reports.sections.problems"),
    ("visits", "走访覆盖与干部参与", "minqing.reports.sections.visits"),
    ("campaigns", "征集活动", "minqing.reports.sections.campaigns"),
    ("typical", "典型案例（金果子）", "minqing.reports.sections.typical"),
    ("survey", "群众满意度测评", "minqing.surveys.report.section"),
]

# (figure, label, kind): kind "n" a count, "rate" a rate, "score" a mean score
FIGURES = [
    ("intake", "受理量", "n"),
    ("response_rate", "按时响应率", "rate"),
    ("completion_rate", "办结率", "rate"),
    ("on_time_rate", "按时办结率", "rate"),
    ("resolution_rate", "解决率", "rate"),
    ("satisfaction_rate", "满意率", "rate"),
    ("mean_score", "平均评分", "score"),
    ("reopen_rate", "重办率", "rate"),
    ("counts.closed", "已销号", "n"),
    ("counts.open", "在办", "n"),
    ("counts.red", "红灯（超期）", "n"),
    ("counts.yellow", "黄灯（临期）", "n"),
]
COMPARE_HEADERS = ["本期", "上期", "环比", "去年同期", "同比"]


def _cell(value, kind):
    return Rate(value) if kind == "rate" else value


def compare_row(label, code, values, kind="n"):
    """[label, code, now, previous, 环比, year ago, 同比] from (now, previous, year ago)."""
    now, prev, yago = values
    is_rate = kind in ("rate", "score")
    return [label, code, _cell(now, kind), _cell(prev, kind), Change(now, prev, rate=kind == "rate") if is_rate
            else Change(now, prev), _cell(yago, kind),
            Change(now, yago, rate=kind == "rate") if is_rate else Change(now, yago)]


def _pct(v):
    return "—" if v is None else f"{v * 100:.1f}%"


# ---- 一、总体情况 ----------------------------------------------------------------------------


def overview(ctx):
    figs = [ctx.figs(w) for w in ctx.windows]
    rows = [compare_row(label, key, [dig(f, key) for f in figs], kind) for key, label, kind in FIGURES]
    cur = figs[0]
    words = []
    for change, name in ((Change(cur["intake"], figs[1]["intake"]), "环比"),
                         (Change(cur["intake"], figs[2]["intake"]), "同比")):
        w = trend_words(change)
        if w:
            words.append(f"{name}{w}")
    text = (f"本期（{ctx.window.start:%Y年%m月%d日}至{ctx.window.end:%Y年%m月%d日}）共受理群众诉求{cur['intake']}件"
            + (f"，{'，'.join(words)}" if words else "")
            + f"；办结率{_pct(cur['completion_rate'])}，按时办结率{_pct(cur['on_time_rate'])}，"
            f"满意率{_pct(cur['satisfaction_rate'])}，解决率{_pct(cur['resolution_rate'])}；"
            f"目前红灯{cur['counts']['red']}件、黄灯{cur['counts']['yellow']}件。")
    chart = bar_chart("主要指标（本期、上期、去年同期）", [label for key, label, kind in FIGURES if kind == "rate"],
                      [(name, [dig(f, key) for key, label, kind in FIGURES if kind == "rate"])
                       for name, f in zip(("本期", "上期", "去年同期"), figs)], percent=True)
    return [Paragraph(text),
            Table("主要指标", ["指标", "编码", *COMPARE_HEADERS], rows, key="overview"),
            Chart("主要指标对比", chart)]


# ---- 二、受理情况 ----------------------------------------------------------------------------


def _top_categories():
    """{category pk: (code, name) of its top-level ancestor}."""
    rows = {pk: (code, name, parent) for pk, code, name, parent in
            Category.objects.values_list("pk", "code", "name", "parent_id")}
    out = {}
    for pk in rows:
        p = pk
        seen = 0
        while rows[p][2] is not None and rows[p][2] in rows and seen < 20:
            p, seen = rows[p][2], seen + 1
        out[pk] = rows[p][:2]
    return out


def intake(ctx):
    labels = dict(Channel.choices)
    by_channel = [{r["key"]: r["intake"] for r in ctx.breakdown(w, "channel")} for w in ctx.windows]
    channels = sorted(set().union(*by_channel), key=lambda c: (-by_channel[0].get(c, 0), c))
    total = ctx.figs(ctx.window)["intake"]
    ch_rows = []
    for ch in channels:
        row = compare_row(str(labels.get(ch, ch)), ch, [b.get(ch, 0) for b in by_channel])
        ch_rows.append(row + [Rate(round(by_channel[0].get(ch, 0) / total, 4) if total else None)])
    tops = _top_categories()
    by_cat = []
    for w in ctx.windows:
        acc = {}
        for r in ctx.breakdown(w, "category"):
            code, name = tops.get(r["key"], ("", "未分类")) if r["key"] is not None else ("", "未分类")
            acc[(code, name)] = acc.get((code, name), 0) + r["intake"]
        by_cat.append(acc)
    cats = sorted(set().union(*by_cat), key=lambda c: (-by_cat[0].get(c, 0), c))
    cat_rows = [compare_row(name, code, [b.get((code, name), 0) for b in by_cat])
                + [Rate(round(by_cat[0].get((code, name), 0) / total, 4) if total else None)] for code, name in cats]
    blocks = [
        Paragraph(f"本期受理{total}件。" + (
            "按渠道，" + "、".join(f"{labels.get(c, c)}{by_channel[0].get(c, 0)}件" for c in channels[:5]) + "；"
            if channels else "") + (
            "按类别，" + "、".join(f"{n}{by_cat[0].get((c, n), 0)}件" for c, n in cats[:5]) + "。" if cats else "")),
        Sub("按渠道", [Table("分渠道受理", ["渠道", "编码", *COMPARE_HEADERS, "占比"], ch_rows, key="channels")]),
        Sub("按问题类别", [Table("分类别受理", ["类别", "编码", *COMPARE_HEADERS, "占比"], cat_rows, key="categories")]),
    ]
    if channels:
        blocks[1].blocks.append(Chart("分渠道受理", bar_chart("分渠道受理量", [str(labels.get(c, c)) for c in channels],
                                                        [("本期", [by_channel[0].get(c, 0) for c in channels]),
                                                         ("上期", [by_channel[1].get(c, 0) for c in channels])])))
    if cats:
        top = cats[:12]
        blocks[2].blocks.append(Chart("分类别受理", bar_chart("分类别受理量（前12类）", [n for c, n in top],
                                                        [("本期", [by_cat[0].get(c, 0) for c in top]),
                                                         ("上期", [by_cat[1].get(c, 0) for c in top])])))
    return blocks


# ---- 三、部门排名通报 -------------------------------------------------------------------------


def rank_min_cases():
    return int(getattr(settings, "MINQING_REPORT_RANK_MIN_CASES", 3))


def ranking(ctx):
    rank = ctx.ranking(ctx.window)
    prev = {r["department"]: r for r in ctx.ranking(ctx.prev)}
    rows = [[r["rank"], r["name"], r["department"], r["intake"], Rate(r["completion_rate"]),
             Change(r["completion_rate"], prev.get(r["department"], {}).get("completion_rate"), rate=True),
             Rate(r["on_time_rate"]), Rate(r["satisfaction_rate"]), Rate(r["resolution_rate"]),
             r["counts"]["red"]] for r in rank]
    eligible = [r for r in rank if r["intake"] >= rank_min_cases()]
    n = min(3, len(eligible) // 2) if len(eligible) >= 2 else 0
    blocks = []
    if n:
        best, worst = eligible[:n], eligible[-n:][::-1]
        blocks.append(Paragraph(
            "按办结率排名（受理" + str(rank_min_cases()) + "件以上的单位）：表现较好的是"
            + "、".join(f"{r['name']}（{_pct(r['completion_rate'])}）" for r in best)
            + "，予以通报表扬；排名靠后的是"
            + "、".join(f"{r['name']}（{_pct(r['completion_rate'])}）" for r in worst)
            + "，予以通报，请相关单位认真分析原因、限期整改。"))
    else:
        blocks.append(Paragraph("本期参与排名的单位不足两个，不作通报。"))
    blocks.append(Table("部门办理情况排名", ["名次", "单位", "编码", "受理", "办结率", "办结率环比", "按时办结率",
                                         "满意率", "解决率", "红灯"], rows, key="ranking"))
    if rank:
        top = rank[:15]
        blocks.append(Chart("部门办结率", bar_chart("部门办结率（前15名）", [r["name"] for r in top],
                                                  [("办结率", [r["completion_rate"] for r in top]),
                                                   ("满意率", [r["satisfaction_rate"] for r in top])], percent=True)))
    return blocks


# ---- 四、红灯与督办 ---------------------------------------------------------------------------


def supervision(ctx):
    from minqing.cases.models import Case, SupervisionOrder
    from minqing.supervision.alerts import alert_q

    cur = ctx.figs(ctx.window)
    scope = ctx.scope(ctx.window)
    red = list(Case.objects.filter(scope.case_filter()).filter(alert_q("red"))
               .select_related("category", "region", "lead_department").order_by("deadline", "pk")[:30])
    red_rows = [[c.tracking_code, c.category.name if c.category else "", c.region.name if c.region else "",
                 c.lead_department.name if c.lead_department else "", c.deadline.isoformat() if c.deadline else ""]
                for c in red]
    orders = []
    for w in ctx.windows:
        qs = SupervisionOrder.objects.filter(issued_at__date__gte=w.start, issued_at__date__lte=w.end)
        qs = qs.filter(figures.region_prefix_q(ctx.region.path, "case__region_path"))
        orders.append(qs)
    n_orders = [qs.count() for qs in orders]
    resolved = orders[0].filter(resolved_at__isnull=False).count()
    overdue = orders[0].filter(resolved_at__isnull=True, due__lt=ctx.today).count()
    per_dept = list(orders[0].values("case__lead_department__name").annotate(
        n=Count("id"), done=Count("id", filter=Q(resolved_at__isnull=False))).order_by("-n", "case__lead_department__name"))
    blocks = [
        Paragraph(f"本期登记的问题中，目前红灯（超期未办结）{cur['counts']['red']}件、黄灯（临近时限）"
                  f"{cur['counts']['yellow']}件。本期下发督办单{n_orders[0]}件（上期{n_orders[1]}件，"
                  f"去年同期{n_orders[2]}件），已办结{resolved}件，逾期未办结{overdue}件。"),
        Sub("红灯问题", ([Table("红灯问题清单", ["查询码", "类别", "地点", "承办单位", "办理时限"], red_rows, key="red")]
                     + ([Paragraph(f"（共{cur['counts']['red']}件，列出办理时限最早的{len(red_rows)}件。）")]
                        if cur["counts"]["red"] > len(red_rows) else [])
                     if red_rows else [Paragraph("本期无红灯问题。")])),
        Sub("督查督办", [Table("督办情况", ["指标", "编码", *COMPARE_HEADERS],
                             [compare_row("督办单", "orders", n_orders)], key="orders"),
                       Table("分单位督办", ["承办单位", "督办单", "已办结"],
                             [[r["case__lead_department__name"] or "未交办", r["n"], r["done"]] for r in per_dept],
                             key="orders_by_department")]),
    ]
    return blocks


# ---- 五、突出问题与一类问题 --------------------------------------------------------------------


def problems(ctx):
    from minqing.cases.models import Case, Topic

    top = figures.top_problems(ctx.scope(ctx.window), limit=10)
    rows = [[i, p["category_name"], p["region_name"], p["count"], p["open"]] for i, p in enumerate(top, 1)]
    in_scope = Case.objects.filter(ctx.scope(ctx.window).case_filter())
    topics = list(Topic.objects.filter(cases__in=in_scope).annotate(n=Count("cases", distinct=True))
                  .order_by("-n", "title")[:10])
    topic_rows = [[mask_text(t.title), t.n, "是" if t.adopted_at else "否", "有" if t.policy else ""] for t in topics]
    blocks = [Sub("高频问题", [Table("同一地点反复出现的问题", ["序号", "类别", "地点", "件数", "未办结"], rows,
                                key="top_problems") if rows else Paragraph("本期无同一地点重复反映的问题。")])]
    blocks.append(Sub("一类问题", [Table("一类问题（专题）", ["专题", "本期件数", "已立项", "政策回应"], topic_rows,
                                    key="topics") if topic_rows else Paragraph("本期无归入一类问题的诉求。")]))
    return blocks


# ---- 六、走访覆盖与干部参与 -------------------------------------------------------------------

VISIT_FIGURES = [
    ("visit_coverage.rate", "走访覆盖率", "rate"),
    ("visit_coverage.visited", "已走访户（企业）", "n"),
    ("visit_coverage.subjects", "应走访户（企业）", "n"),
    ("participation_rate.rate", "干部参与率", "rate"),
    ("participation_rate.active_cadres", "参与走访干部", "n"),
    ("participation_rate.cadres", "干部总数", "n"),
    ("participation_rate.visits", "走访次数", "n"),
]


def visits(ctx):
    cov = [ctx.coverage(w) for w in ctx.windows]
    rows = [compare_row(label, key, [dig(c, key) for c in cov], kind) for key, label, kind in VISIT_FIGURES]
    vc, pr = cov[0]["visit_coverage"], cov[0]["participation_rate"]
    by_region = [[r["name"], r["region"], Rate(r["rate"]), r["visited"], r["subjects"]] for r in vc.get("by_region", [])]
    blocks = [
        Paragraph(f"本期走访覆盖率{_pct(vc['rate'])}（已走访{vc['visited']}户/企业，共{vc['subjects']}户/企业），"
                  f"干部参与率{_pct(pr['rate'])}（{pr['active_cadres']}/{pr['cadres']}人），共走访{pr['visits']}次。"),
        Table("走访指标", ["指标", "编码", *COMPARE_HEADERS], rows, key="visits"),
    ]
    if by_region:
        blocks.append(Sub("分区划覆盖", [Table("分区划走访覆盖", ["区划", "编码", "覆盖率", "已走访", "应走访"], by_region,
                                          key="visits_by_region"),
                                    Chart("分区划走访覆盖率", bar_chart("分区划走访覆盖率", [r[0] for r in by_region[:15]],
                                                                      [("覆盖率", [r[2].value for r in by_region[:15]])],
                                                                      percent=True))]))
    return blocks


# ---- 七、征集活动 -----------------------------------------------------------------------------


def campaigns(ctx):
    from minqing.cases.models import State
    from minqing.ideas.figures import campaign_figures
    from minqing.ideas.models import Campaign

    scope_q = ctx.scope(ctx.window).case_filter("case__")
    rows = []
    for c in Campaign.objects.filter(Q(region__isnull=True) | Q(region__path__startswith=ctx.region.path)
                                     | Q(region__in=ctx.region.ancestors())).order_by("slug"):
        links = c.links.filter(scope_q)
        n = links.count()
        total = c.links.filter(figures.region_prefix_q(ctx.region.path, "case__region_path")).count()
        if not n and not c.active:
            continue
        whole = campaign_figures(c, region=ctx.region)
        rows.append([mask_text(c.title), c.slug, n, links.filter(case__state=State.CLOSED).count(), total,
                     whole["adopted"], whole["implemented"]])
    if not rows:
        return [Paragraph("本期无进行中的征集活动。")]
    return [Paragraph("本期各征集活动收到群众建议" + "、".join(f"《{r[0]}》{r[2]}条" for r in rows)
                      + "；累计采纳" + "、".join(f"{r[5]}条" for r in rows) + "。"),
            Table("征集活动", ["活动", "编码", "本期收到", "本期已销号", "累计收到", "累计采纳", "已落实"], rows,
                  key="campaigns")]


# ---- 八、典型案例（金果子） ----------------------------------------------------------------------


def typical(ctx):
    from minqing.ideas.figures import typical_cases

    items = typical_cases(region=ctx.region, date_from=ctx.window.start, date_to=ctx.window.end, limit=10)
    if not items:
        return [Paragraph("本期未评选典型案例。")]
    rows = [[t["title"], t["category"], t["region"], t["department"], t["writeup"]] for t in items]
    return [Paragraph(f"本期评选典型案例{len(items)}件，择要如下。"),
            Table("典型案例", ["标题", "类别", "区划", "承办单位", "办理经过"], rows, key="typical")]


# ---- the registry's walk ---------------------------------------------------------------------


def build_sections(ctx, only=None):
    from minqing.tasks import _load

    out = []
    for key, title, path in SECTIONS:
        if only and key not in only:
            continue
        out.append(SectionOut(key, title, _load(path)(ctx)))
    return out
