"""Channel × category shares for a window (DOMAIN.md: "property-registration
problems were 58.6 % of media clues, 21.6 % of visit findings and 12.3 % of
petition cases").

For each channel: its cases in the scope, and each category's count and share
of them. Merged and invalid cases are left out, as in every figure. Cases
without a category count under ``null`` ("未分类").
"""

from django.db.models import Count

from minqing.cases.models import Case, Category, Channel


def channel_category_shares(scope):
    rows = (
        Case.objects.filter(scope.case_filter())
        .values("channel", "category__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    names = dict(Category.objects.values_list("code", "name"))
    channel_names = dict(Channel.choices)
    per = {}
    for r in rows:
        per.setdefault(r["channel"], []).append((r["category__code"], r["n"]))
    channels = []
    for ch, items in per.items():
        total = sum(n for _, n in items)
        cats = [
            {"code": code, "name": names.get(code, "未分类 / uncategorised") if code else "未分类 / uncategorised",
             "count": n, "share": round(n / total, 4)}
            for code, n in sorted(items, key=lambda x: (-x[1], x[0] or ""))
        ]
        channels.append({"channel": ch, "name": str(channel_names.get(ch, ch)), "total": total, "categories": cats})
    channels.sort(key=lambda c: (-c["total"], c["channel"]))
    return {"scope": scope.as_dict(), "channels": channels}


def share_of(result, channel, category):
    """The share of ``category`` among the cases of ``channel`` (0.0 when absent)."""
    for ch in result["channels"]:
        if ch["channel"] == channel:
            for c in ch["categories"]:
                if c["code"] == category:
                    return c["share"]
    return 0.0
