from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .phones import PhoneKey


class Channel(models.TextChoices):
    VISIT = "visit", _("走访")
    HOTLINE = "hotline", _("12345热线")
    LETTER = "letter", _("来信")
    RECEPTION = "reception", _("来访接待")
    WEB = "web", _("网上")
    QR = "qr", _("扫码")
    PETITION = "petition", _("信访")
    MEDIA = "media", _("媒体线索")
    MEETING = "meeting", _("会议")
    MAILBOX = "mailbox", _("书记信箱")
    MAYOR_MAILBOX = "mayor_mail", _("市长信箱")
    WECHAT = "wechat", _("微信群")
    OPEN311 = "open311", _("Open311")
    IMPORT = "import", _("导入")
    PATROL = "patrol", _("安全巡查")


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    HELP = "help", _("求助")
    ENQUIRY = "enquiry", _("咨询")
    SUGGESTION = "suggestion", _("建议")
    REPORT = "report", _("举报")
    PRAISE = "praise", _("表扬")
    WISH = "wish", _("微心愿")


class State(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    ASSIGNED = "assigned", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    HANDLED = "handled", _("已办结")
    CLOSED = "closed", _("已销号")
    REOPENED = "reopened", _("重办")
    MERGED = "merged", _("已合并")
    INVALID = "invalid", _("无效")


OPEN_STATES = (State.ASSIGNED, State.IN_PROGRESS, State.REOPENED)
EXCLUDED_STATES = (State.MERGED, State.INVALID)


class Mode(models.TextChoices):
    IMMEDIATE = "immediate", _("即知即办")
    JOINT = "joint", _("合力办")
    COORDINATED = "coordinated", _("统筹办")
    INDIVIDUAL = "individual", _("针对办")


class Disposition(models.TextChoices):
    SOLVED = "solved", _("已解决")
    COORDINATED = "coordinated", _("协调处理")
    EXPLAINED = "explained", _("宣传解释")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


SATISFIED_RATINGS = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)


class AlertLevel(models.TextChoices):
    GREEN = "green", _("绿")
    YELLOW = "yellow", _("黄")
    RED = "red", _("红")


class CloseRule(models.TextChoices):
    SATISFIED = "satisfied", _("回访满意")
    ANONYMOUS = "anonymous", _("匿名")
    UNREACHABLE = "unreachable", _("多次联系不上")


class Category(models.Model):
    """问题分类: a configurable tree with stable codes."""

    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名"), max_length=100, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    description = models.TextField(_("说明"), blank=True)
    keywords = models.TextField(_("关键词"), blank=True, help_text=_("以空格或分号分隔"))
    deadline_days = models.PositiveSmallIntegerField(_("办理时限(工作日)"), null=True, blank=True)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("问题分类")
        verbose_name_plural = _("问题分类")

    @property
    def local_name(self):
        """The name in the active language: the English name on English pages, where one is given."""
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    def __str__(self):
        return self.name


class Case(models.Model):
    """问题/诉求: one problem, demand, complaint, enquiry or suggestion.

    State changes happen only in ``minqing.cases.actions``; ``version`` is the
    compare-and-set guard that makes concurrent transitions safe.
    """

    tracking_code = models.CharField(_("查询码"), max_length=16, unique=True)
    external_id = models.CharField(max_length=100, blank=True, db_index=True)
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    kind = models.CharField(_("诉求类型"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("内容"))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT)
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    region_path = models.CharField(max_length=400, blank=True, default="", editable=False)
    owner_region = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="owned_cases"
    )
    address = models.CharField(_("地址"), max_length=300, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    reporter_name = models.CharField(_("反映人"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.REGISTERED)
    version = models.PositiveIntegerField(default=0)
    mode = models.CharField(_("办理方式"), max_length=12, choices=Mode.choices, blank=True)
    lead_department = models.ForeignKey(
        "regions.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="lead_cases"
    )
    co_departments = models.ManyToManyField("regions.Department", blank=True, related_name="co_cases")
    deadline = models.DateField(_("办理时限"), null=True, blank=True)
    response_deadline = models.DateField(null=True, blank=True)
    alert_level = models.CharField(max_length=6, choices=AlertLevel.choices, default=AlertLevel.GREEN)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_hard_cases"
    )

    registered_at = models.DateTimeField(default=timezone.now)
    assigned_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)  # first acceptance
    accepted_on_time = models.BooleanField(null=True)
    handled_at = models.DateTimeField(null=True, blank=True)  # latest handling
    handled_on_time = models.BooleanField(null=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    disposition = models.CharField(_("处置结论"), max_length=12, choices=Disposition.choices, blank=True)
    close_rule = models.CharField(max_length=12, choices=CloseRule.choices, blank=True)
    last_rating = models.CharField(max_length=20, choices=Rating.choices, blank=True)
    last_score = models.PositiveSmallIntegerField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    ever_handled = models.BooleanField(default=False)
    resolved = models.BooleanField(default=False)
    # Return-visit counters (reached visits only), kept by actions.visit_back in the
    # same transaction as the ReturnVisit row, so figures.py counts satisfaction from
    # the case rows alone (no join): rated = with a rating, satisfied = 满意/基本满意,
    # scored = with a score, score_sum = the sum of those scores.
    rated_visits = models.PositiveIntegerField(default=0, editable=False)
    satisfied_visits = models.PositiveIntegerField(default=0, editable=False)
    scored_visits = models.PositiveIntegerField(default=0, editable=False)
    score_sum = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("问题")
        verbose_name_plural = _("问题清单")
        indexes = [
            models.Index(fields=["region_path", "registered_at"], name="case_region_time"),
            models.Index(fields=["registered_at"], name="case_time"),
            models.Index(fields=["state", "deadline"], name="case_state_deadline"),
            models.Index(fields=["lead_department", "state"], name="case_dept_state"),
            models.Index(fields=["state", "alert_level"], name="case_state_alert"),
            # a caller's earlier cases by phone, whatever its spelling (cases/phones.py)
            models.Index(PhoneKey(models.F("reporter_phone")), "registered_at", name="case_phone_key"),
        ]

    def __str__(self):
        return f"{self.tracking_code} {self.text[:20]}"

    @property
    def is_open(self):
        return self.state in OPEN_STATES


class Event(models.Model):
    """Append-only record of every transition: who, when, from, to, note."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=24)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="event_case_time")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("events are append-only")


class Summons(models.Model):
    """吹哨: a department summoned to a case, and its report (报到)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="summons")
    department = models.ForeignKey("regions.Department", on_delete=models.PROTECT)
    deadline = models.DateField()
    summoned_at = models.DateTimeField(default=timezone.now)
    reported_at = models.DateTimeField(null=True, blank=True)
    report = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "department"], name="uniq_summons")]


class SupervisionOrder(models.Model):
    """督办: an order on a case by someone above the handler."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supervision_orders")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    issued_at = models.DateTimeField(default=timezone.now)
    due = models.DateField()
    note = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)


class ExtensionRequest(models.Model):
    """延期: asked by the lead department, approved or refused by a dispatcher."""

    PENDING, APPROVED, REFUSED = "pending", "approved", "refused"
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extension_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    new_deadline = models.DateField()
    reason = models.TextField()
    status = models.CharField(max_length=10, default=PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)


class JointMeeting(models.Model):
    """会办: a recorded coordination among departments on one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    departments = models.ManyToManyField("regions.Department")
    held_at = models.DateTimeField(default=timezone.now)
    minutes = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)


class ReturnVisit(models.Model):
    """回访: an attempt to reach the reporter and, if reached, their rating."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="return_visits")
    at = models.DateTimeField(default=timezone.now)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    via = models.CharField(max_length=10, default="operator")  # operator | reporter
    reached = models.BooleanField(default=True)
    solved = models.BooleanField(null=True)
    rating = models.CharField(max_length=20, choices=Rating.choices, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="rv_case_time")]


class Task(models.Model):
    """任务清单: work a department must do; covers one or more cases."""

    OPEN, DONE = "open", "done"
    title = models.CharField(_("任务"), max_length=200)
    department = models.ForeignKey("regions.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="tasks")
    # 社区合伙人: a task owned by a partner instead of a department (exactly one of the two)
    partner = models.ForeignKey("partners.Partner", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="tasks")
    cases = models.ManyToManyField(Case, related_name="tasks")
    due = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=6, default=OPEN, choices=[(OPEN, _("进行中")), (DONE, _("已完成"))])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class Effect(models.Model):
    """效果清单: the verified outcome of one closed case."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="effect")
    what_was_done = models.TextField()
    confirmed_by = models.CharField(max_length=150)
    confirmed_at = models.DateTimeField(default=timezone.now)
    rule = models.CharField(max_length=12, choices=CloseRule.choices)
    rating = models.CharField(max_length=20, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    public = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField(default=timezone.now)


class Topic(models.Model):
    """一类问题/专题: a class of similar cases handled as one with a policy."""

    title = models.CharField(max_length=200)
    keywords = models.JSONField(default=list, blank=True)
    cases = models.ManyToManyField(Case, blank=True, related_name="topics")
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT)
    adopted_at = models.DateTimeField(null=True, blank=True)
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    policy = models.TextField(_("政策回应"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
