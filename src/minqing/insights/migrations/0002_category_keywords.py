"""Richer default keywords for the shipped categories.

A category's keywords are replaced by the new defaults of
``minqing.cases.default_categories`` only where the deployment has not edited
them (they still equal the first release's defaults, listed here).
"""

from django.db import migrations

FIRST_DEFAULTS = {
    "property_registration": "不动产 房产证 办证 产权证 登记 过户 预告登记 土地证 确权 承包经营权证",
    "fire_safety": "消防 消防通道 火灾 隐患 灭火器 消防栓 电动车充电 飞线",
    "water_supply": "停水 自来水 水压 水质 饮水 水管 供水 没水 抗旱",
    "roads_transport": "道路 路面 坑洼 断头路 公交 出租车 停车 红绿灯 交通 修路",
    "housing_property": "物业 小区 业委会 老旧小区 改造 交房 电梯 漏水 物业费",
    "education": "学校 入学 学位 校车 老师 教师 幼儿园 上学 食堂",
    "employment": "就业 工作 招聘 培训 创业 零工 失业",
    "social_security": "社保 养老金 医保 退休 养老 老年 适老化 参保",
    "health": "医院 卫生室 看病 医生 疫苗 防疫 诊所",
    "environment": "噪音 噪声 污染 垃圾 臭味 排污 油烟 扬尘 环境卫生",
    "agriculture_rural": "灌溉 农田 耕地 种植 村务 农业 干旱 水渠 土地承包",
    "enterprise_service": "企业 融资 贷款 用电 电费 用工 审批 营商 欠款",
    "public_security": "诈骗 赌博 治安 打架 偷盗 报警 纠纷",
    "municipal_facilities": "路灯 公厕 下水道 井盖 燃气 管道 排水 积水",
    "civil_affairs": "低保 救助 残疾 困难 补助 特困 临时救助",
    "labour_rights": "欠薪 工资 拖欠 劳动合同 骑手 加班 工伤",
    "culture_tourism": "旅游 景区 体育 健身 文化 广场舞 图书馆",
    "land_requisition": "征地 拆迁 补偿 安置 征收",
    "governance_conduct": "作风 推诿 态度 不作为 吃拿卡要 办事难",
    "other": "",
}


def forwards(apps, schema_editor):
    from minqing.cases.default_categories import DEFAULT_CATEGORIES

    Category = apps.get_model("cases", "Category")
    new = {code: keywords for code, _n, _e, _d, keywords in DEFAULT_CATEGORIES}
    for cat in Category.objects.filter(code__in=list(new)):
        if (cat.keywords or "") == FIRST_DEFAULTS.get(cat.code, None):
            cat.keywords = new[cat.code]
            cat.save(update_fields=["keywords"])


def backwards(apps, schema_editor):
    from minqing.cases.default_categories import DEFAULT_CATEGORIES

    Category = apps.get_model("cases", "Category")
    new = {code: keywords for code, _n, _e, _d, keywords in DEFAULT_CATEGORIES}
    for cat in Category.objects.filter(code__in=list(new)):
        if cat.keywords == new[cat.code] and cat.code in FIRST_DEFAULTS:
            cat.keywords = FIRST_DEFAULTS[cat.code]
            cat.save(update_fields=["keywords"])


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_initial"), ("cases", "0003_default_categories")]
    operations = [migrations.RunPython(forwards, backwards)]
