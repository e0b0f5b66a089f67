"""The checklists a new deployment starts with (editable in the admin afterwards).

(code, name, place type, [(item code, text, case category code)])."""

DEFAULT_CHECKLISTS = [
    ("enterprise", "企业安全检查", "enterprise", [
        ("fire_exits", "安全出口、疏散通道畅通，无堵塞锁闭", "fire_safety"),
        ("extinguishers", "灭火器、消防栓配备齐全且在有效期内", "fire_safety"),
        ("wiring", "电气线路无私拉乱接、无老化破损", "fire_safety"),
        ("hazmat", "危险化学品按规定储存、有台账", "environment"),
        ("staff_housing", "生产、储存、住宿不在同一建筑(无三合一)", "fire_safety"),
    ]),
    ("self_built", "自建房安全排查", "self_built", [
        ("structure", "房屋墙体、梁柱无明显裂缝、倾斜", "housing_property"),
        ("extension", "无违规加层、改变结构", "housing_property"),
        ("use_change", "用作经营的已办理相关手续", "housing_property"),
        ("gas", "燃气管道、液化气瓶使用规范", "fire_safety"),
        ("ebike", "电动自行车不在楼道、室内停放充电", "fire_safety"),
    ]),
    ("school", "学校安全检查", "school", [
        ("gate", "校门口有护学岗、交通标志完好", "roads_transport"),
        ("canteen", "食堂持证经营、食品留样", "health"),
        ("buildings", "教学楼、宿舍无安全隐患", "education"),
        ("fire", "消防设施完好，定期开展疏散演练", "fire_safety"),
    ]),
    ("market", "农贸市场安全检查", "market", [
        ("aisles", "通道畅通，无占道经营", "municipal_facilities"),
        ("wiring", "摊位用电规范，无私拉乱接", "fire_safety"),
        ("gas", "液化气瓶使用、存放规范", "fire_safety"),
        ("drainage", "排水通畅，无污水横流", "environment"),
    ]),
]


def install(Checklist=None, ChecklistItem=None, Category=None):
    """Create the default checklists that are missing (by code); the models may be a migration's."""
    if Checklist is None:
        from minqing.cases.models import Category

        from .models import Checklist, ChecklistItem
    cats = {c.code: c for c in Category.objects.all()}
    made = 0
    for pos, (code, name, place_type, items) in enumerate(DEFAULT_CHECKLISTS):
        checklist, created = Checklist.objects.get_or_create(
            code=code, defaults={"name": name, "place_type": place_type, "position": pos})
        if not created:
            continue
        made += 1
        for ipos, (icode, text, cat) in enumerate(items):
            category = cats.get(cat) or cats.get("other")
            if category is None:
                continue
            ChecklistItem.objects.create(checklist=checklist, code=icode, text=text, category=category, position=ipos)
    return made
