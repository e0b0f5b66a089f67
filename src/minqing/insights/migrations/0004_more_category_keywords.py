"""More default keywords for the shipped categories (tuned on the old evaluation texts only:
``eval_tune.csv`` + ``eval_holdout.csv``; the held-out ``eval_fresh.csv`` was not looked at).

A category's keywords get the additions only where the deployment has not edited
them (they still equal the defaults of ``0002_category_keywords``, frozen here as
``PREVIOUS``); an edited list is left alone. Backwards restores ``PREVIOUS`` where
the keywords are still exactly what this migration wrote.
"""

from django.db import migrations

PREVIOUS = {
    'property_registration': '不动产 房产证 办证 产权证 登记 过户 预告登记 土地证 确权 承包经营权证 不动产证 不动产权证 产权 宅基地 房改房 继承 抵押登记 注销登记 更正登记 分割 网签 大证 小证 林权证 使用权证 测绘 土地出让金 回迁房 办不了证 办不下来 不动产登记',
    'fire_safety': '消防 消防通道 火灾 隐患 灭火器 消防栓 消火栓 电动车充电 飞线 楼道充电 电瓶车 易燃 着火 起火 失火 烟感 安全出口 疏散 逃生 私拉乱接 电线老化 煤气罐 液化气罐 烟花爆竹 花炮 汽油 三合一 消防设施 应急灯 防盗网 消防车',
    'water_supply': '停水 自来水 水压 水质 饮水 水管 供水 没水 抗旱 断水 来水 水费 水表 发黄 浑浊 水箱 二次供水 送水 吃水 挑水 井水 通水 水厂 漂白粉 泥巴味 铁锈味 沉淀 上不去水 水龙头 开户费 爆管 恢复供水 人畜饮水 山泉水',
    'roads_transport': '道路 路面 坑洼 断头路 公交 出租车 停车 红绿灯 交通 修路 公路 马路 堵车 拥堵 班车 车次 护栏 桥 限速 斑马线 人行道 乱停车 网约车 拒载 绕路 打表 超限 重车 货车 超载 通组公路 机动车道 停车场 停车位 僵尸车 贴条 高速 高铁站 事故 路段 挖开',
    'housing_property': '物业 小区 业委会 老旧小区 改造 交房 电梯 漏水 物业费 渗水 开发商 楼顶 外墙 墙体开裂 维修基金 维修资金 公共维修 业主 业主大会 公租房 廉租房 保障房 棚改 棚户区 面积 延期交房 装修 门禁 保安 楼道灯 绿地 车库 顶楼 违约金 质量',
    'education': '学校 入学 学位 校车 老师 教师 幼儿园 上学 食堂 学生 孩子 小学 初中 中学 高中 班级 补课 学籍 转学 职称 编制 代课 课后服务 校服 教辅 营养餐 划片 小升初 随迁子女 积分入学 操场 宿舍 中职 实习 欺负 作业 家长 公办园 私立 体育课',
    'employment': '就业 工作 招聘 培训 创业 零工 失业 找工作 招工 岗位 公益性岗位 失业金 失业保险 就业登记 创业担保贷款 创业补贴 返乡创业 扶贫车间 招聘会 见习 技能培训 培训补贴 下岗 再就业 孵化 退役 安置工作 报到证 灵活就业 打工 日结 散活 育婴师 电焊 网店',
    'social_security': '社保 养老金 医保 退休 养老 老年 适老化 参保 退休金 养老保险 医保卡 社保卡 报销 异地就医 备案 高龄补贴 高龄津贴 敬老院 养老院 日间照料 居家养老 老人 资格认证 断缴 补交 缴费 转移接续 慢特病 门诊 工龄 社区食堂 助餐 床位 护理',
    'health': '医院 卫生室 看病 医生 疫苗 防疫 诊所 卫生院 住院 挂号 专家号 检查 收费 药 药店 儿科 急救 救护车 ct b超 体检 误诊 传染病 消毒 家庭医生 村医 发烧 口腔 看牙 医疗 护士 押金 慢性病 无证行医 假药 副作用 疫苗接种',
    'environment': '噪音 噪声 污染 垃圾 臭味 排污 油烟 扬尘 环境卫生 扰民 广场舞 施工 打桩 装修声 音响 废气 排放 黑烟 烟囱 粉尘 灰尘 污水 排污水 河水 黑臭 焚烧 养猪场 养殖场 粪便 渣土车 喷漆 刺鼻 采砂 洗沙 死鱼 渗滤液 填埋场 空调外机 划拳 夜宵 烧烤 垃圾桶 清运 异味',
    'agriculture_rural': '灌溉 农田 耕地 种植 村务 农业 干旱 水渠 土地承包 种粮 补贴 化肥 农药 稻田 水稻 稻谷 插秧 收割 农机 机耕道 撂荒 基本农田 高标准农田 山塘 水库 电排 排灌 土地流转 承包地 村集体 集体收入 村干部 村委会 选举 农技 病虫害 猪瘟 养殖户 农产品 销路 黄桃 竹木 砍伐 农业保险 人居环境 厕所改造',
    'enterprise_service': '企业 融资 贷款 用电 电费 用工 审批 营商 欠款 公司 小微企业 银行 抵押 担保 抽贷 断贷 资金链 退税 留抵 税务 加计扣除 高新技术企业 工业用电 增容 变压器 接电 停电 报装 厂房 园区 开发区 经开区 货款 工程款 拖欠货款 项目 环评 用地指标 技术改造 补贴 人才 人才公寓 物流 检查 停产 一刀切 纳税',
    'public_security': '诈骗 赌博 治安 打架 偷盗 报警 纠纷 被骗 骗 冒充 公检法 安全账户 刷单 理财平台 集资 非法集资 高利贷 暴力催收 棋牌室 赌场 小偷 盗窃 入室 撬门 偷 混混 保护费 闹事 醉酒 持刀 威胁 卖淫 嫖娼 毒品 罂粟 飙车 可疑 监控 验证码 链接 冻结 假货 网吧 未成年人 狗咬',
    'municipal_facilities': '路灯 公厕 下水道 井盖 燃气 管道 排水 积水 内涝 窨井 雨水井 雨水篦子 化粪池 污水井 污水管网 天然气 煤气 漏气 厕所 公共厕所 地砖 人行天桥 站台 景观灯 排水沟 倒灌 市政 路灯杆',
    'civil_affairs': '低保 救助 残疾 困难 补助 特困 临时救助 五保 供养 孤儿 事实无人抚养 残疾证 残疾人 两项补贴 护理补贴 大病救助 流浪 乞讨 精神病人 取暖补贴 渔民 退捕 转产 殡葬 单亲 困难户 冒领 婚姻登记 低保金 救济',
    'labour_rights': '欠薪 工资 拖欠 劳动合同 骑手 加班 工伤 工钱 包工头 农民工 克扣 扣工资 加班费 经济补偿 辞退 裁员 试用期 劳务派遣 扣押身份证 最低工资 年终奖 调岗 降薪 劳动仲裁 尘肺病 童工 外卖 平台 抽成 封号 快递员 罚款 网约车司机 老板跑路',
    'culture_tourism': '旅游 景区 体育 健身 文化 广场舞 图书馆 博物馆 文化馆 门票 游客 导游 旅行社 民宿 游泳 游泳馆 篮球场 足球场 羽毛球 健身器材 健身步道 体育馆 体育中心 文化活动 送戏下乡 露天电影 农家书屋 文化广场 古镇 古街 古城墙 红色旅游 文物 景点',
    'land_requisition': '征地 拆迁 补偿 安置 征收 强拆 拆除 安置房 过渡费 过渡安置 评估 补偿款 补偿标准 征收补偿 青苗补偿 坟墓迁移 失地农民 闲置 征而未用 棚改 听证 丈量 回迁 征拆',
    'governance_conduct': '作风 推诿 态度 不作为 吃拿卡要 办事难 扯皮 工作人员 窗口 玩手机 态度恶劣 门难进 脸难看 事难办 红包 贿选 拉票 优亲厚友 打击报复 敷衍 不了了之 转办 踢皮球 迟到早退 上班时间 打牌 形式主义 走形式 拍照 承诺 兑现 证明 奇葩证明 推三阻四 辱骂 办事流程',
    'other': '咨询 请问 表扬 感谢 谢谢 建议 地址 服务时间 怎么办理 身份证 护照 居住证 献血 征兵 快递 手机卡 网站 捐赠 公务员考试',
}

ADDED = {
    'property_registration': '二手房 加名 加名字',
    'fire_safety': '充电 消防车道',
    'water_supply': '供水管道',
    'roads_transport': '超限运输 运输许可 坑坑洼洼 泥巴路',
    'environment': '臭气 垃圾站 臭气熏天 化工厂 空气 电钻 睡不着',
    'public_security': '短信 解冻 咬伤 打人 动手 打起来 被偷 赌钱 打大牌',
    'municipal_facilities': '燃气管道 通天然气 管道燃气',
    'governance_conduct': '政务服务 政务大厅 跑现场 扶贫款 挪用 贪污',
    'labour_rights': '休息日 员工 不买社保 不交社保 放弃社保',
    'employment': '找不到工作 招工信息',
    'culture_tourism': '强制购物',
    'civil_affairs': '瘫痪',
}


def new_keywords(code):
    return PREVIOUS[code] + " " + ADDED[code]


def forwards(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for cat in Category.objects.filter(code__in=list(ADDED)):
        if (cat.keywords or "") == PREVIOUS[cat.code]:
            cat.keywords = new_keywords(cat.code)
            cat.save(update_fields=["keywords"])


def backwards(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for cat in Category.objects.filter(code__in=list(ADDED)):
        if cat.keywords == new_keywords(cat.code):
            cat.keywords = PREVIOUS[cat.code]
            cat.save(update_fields=["keywords"])


class Migration(migrations.Migration):
    dependencies = [("insights", "0003_category_scores"), ("cases", "0003_default_categories")]
    operations = [migrations.RunPython(forwards, backwards)]
