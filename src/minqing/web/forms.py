"""Forms of the pages. Every lifecycle form maps onto one function of
``minqing.cases.actions``; the form checks shape, the action checks the rule."""

import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from minqing.cases.actions import PHONE_RE
from minqing.cases.models import Category, CloseRule, Disposition, Kind, Mode, Rating
from minqing.regions.models import Department, Region

from .conf import web_setting

PHOTO_TYPES = {  # magic bytes → content type
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def max_photo_bytes():
    return web_setting("MAX_PHOTO_BYTES")


def sniff_image(upload):
    head = upload.read(16)
    upload.seek(0)
    for magic, ctype in PHOTO_TYPES.items():
        if head.startswith(magic):
            return ctype
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def department_choices():
    return Department.objects.filter(active=True).select_related("region").order_by("region__path", "code")


class DeptChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.region.name}）"


class DeptMulti(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.region.name}）"


class CaseIntakeForm(forms.Form):
    """What every form that registers a case shares: an idempotency token (one submission makes one
    case, however often it is sent) and the reporter's phone checked as the actions layer checks it."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)

    def clean_token(self):
        token = self.cleaned_data["token"]
        if not re.fullmatch(r"[0-9a-f]{32}", token):
            raise forms.ValidationError(_("表单已失效，请刷新页面后重新提交。"))
        return token

    def clean_reporter_phone(self):
        phone = self.cleaned_data["reporter_phone"].strip()
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError(_("电话号码格式不正确。"))
        return phone


class ReportForm(CaseIntakeForm):
    """The public form: raise a problem or a suggestion."""

    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices, initial=Kind.COMPLAINT)
    category = forms.ModelChoiceField(
        label=_("问题分类"), queryset=Category.objects.filter(active=True), required=False,
        empty_label=_("不确定，请工作人员分类"), to_field_name="code",
    )
    region = forms.CharField(label=_("地点"), max_length=32, error_messages={"required": _("请选择地点。")})
    address = forms.CharField(label=_("详细地址"), max_length=300, required=False)
    text = forms.CharField(
        label=_("问题或建议"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("请写下您要反映的问题或建议。")},
    )
    photo = forms.FileField(label=_("照片（可选）"), required=False)
    # a photo accepted while another field was wrong (web.models.PendingUpload), and "not that one"
    pending_photo = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    photo_clear = forms.BooleanField(label=_("不用这张照片"), required=False)
    reporter_name = forms.CharField(label=_("姓名（可选）"), max_length=100, required=False)
    reporter_phone = forms.CharField(label=_("电话（可选）"), max_length=30, required=False)
    anonymous = forms.BooleanField(label=_("匿名反映（不留姓名和电话）"), required=False)
    campaign = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def clean_region(self):
        code = self.cleaned_data["region"].strip()
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(_("请选择地点。"))
        return region

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if len(text) < 5:
            raise forms.ValidationError(_("请至少写5个字，说清楚问题。"))
        return text

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if not photo:
            return None
        limit = max_photo_bytes()
        if photo.size > limit:
            raise forms.ValidationError(
                _("照片不能超过 %(mb)s MB。") % {"mb": round(limit / 1024 / 1024, 1)}
            )
        if sniff_image(photo) is None:
            raise forms.ValidationError(_("只能上传 JPEG、PNG、GIF 或 WebP 图片。"))
        # decoded and encoded again: no EXIF/GPS, nothing appended, named by its real format
        from minqing.images import ImageRefused, clean_image

        try:
            clean = clean_image(photo, max_bytes=limit, max_pixels=web_setting("MAX_PHOTO_PIXELS"))
            clean.original_name = (photo.name or "")[-200:]  # shown back to the reporter, never a path
            return clean
        except ImageRefused as e:
            if e.reason == "too_many_pixels":
                raise forms.ValidationError(
                    _("照片像素过多，最多 %(mp)s 百万像素。") % {"mp": round(web_setting("MAX_PHOTO_PIXELS") / 1e6)}
                ) from None
            if e.reason == "too_large":
                raise forms.ValidationError(
                    _("照片不能超过 %(mb)s MB。") % {"mb": round(limit / 1024 / 1024, 1)}
                ) from None
            raise forms.ValidationError(_("照片已损坏或不是真正的图片，请换一张 JPEG、PNG、GIF 或 WebP 图片。")) from None

    def clean(self):
        data = super().clean()
        if data.get("anonymous"):
            data["reporter_name"], data["reporter_phone"] = "", ""
        # a photo kept from an earlier try of this same form; a new photo replaces it, and a
        # token that is unknown, stale or another form's is ignored without a word
        data["pending"] = None
        if not data.get("photo") and not data.get("photo_clear"):
            from .models import PendingUpload

            data["pending"] = PendingUpload.find(data.get("pending_photo"), data.get("token"))
        return data


class TrackForm(forms.Form):
    code = forms.CharField(label=_("查询码"), max_length=16)


class PublicVisitForm(forms.Form):
    """The reporter's own return visit on the tracking page."""

    solved = forms.TypedChoiceField(
        label=_("问题解决了吗？"), choices=[("yes", _("解决了")), ("no", _("没有解决"))],
        coerce=lambda v: v == "yes", widget=forms.RadioSelect,
    )
    rating = forms.ChoiceField(label=_("您满意吗？"), choices=Rating.choices, widget=forms.RadioSelect)
    score = forms.IntegerField(label=_("评分（1–10）"), min_value=1, max_value=10)
    note = forms.CharField(label=_("您想说的话"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


# ---- the lifecycle forms of the case page ------------------------------------------


class AssignForm(forms.Form):
    department = DeptChoice(label=_("主办部门"), queryset=Department.objects.none())
    co_departments = DeptMulti(label=_("协办部门"), queryset=Department.objects.none(), required=False)
    mode = forms.ChoiceField(label=_("办理方式"), choices=[("", _("按默认"))] + Mode.choices, required=False)
    deadline = forms.DateField(label=_("办理时限"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               help_text=_("留空则按办理方式和分类的工作日时限"))
    note = forms.CharField(label=_("交办意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = department_choices()
        self.fields["co_departments"].queryset = department_choices()

    def action_kwargs(self):
        d = self.cleaned_data
        return {"department": d["department"], "co_departments": list(d["co_departments"]), "mode": d["mode"] or None,
                "deadline": d["deadline"], "note": d["note"]}


class BulkAssignForm(AssignForm):
    cases = forms.CharField(widget=forms.HiddenInput, required=False)


class MergeForm(forms.Form):
    into = forms.CharField(label=_("合并到（原案件查询码）"), max_length=16)

    def action_kwargs(self):
        from minqing.cases.models import Case

        value = self.cleaned_data["into"].strip().upper()
        original = Case.objects.filter(tracking_code=value).values_list("pk", flat=True).first()
        return {"into": original if original else value}


class CategorizeForm(forms.Form):
    """定类: a searchable field (the browser's list of the categories' names, filtered as typed);
    the name in either language or the code is accepted."""

    category = forms.CharField(label=_("问题分类"), max_length=100,
                               widget=forms.TextInput(attrs={"list": "category-names", "autocomplete": "off"}))
    note = forms.CharField(label=_("备注（可选）"), max_length=1000, required=False)

    def clean_category(self):
        value = self.cleaned_data["category"].strip()
        active = Category.objects.filter(active=True)
        cat = (active.filter(code=value).first() or active.filter(name=value).first()
               or active.filter(name_en__iexact=value).first())
        if cat is None:
            raise forms.ValidationError(_("没有这个分类，请从列表中选择。"))
        return cat.code

    def action_kwargs(self):
        return {"category": self.cleaned_data["category"], "note": self.cleaned_data["note"]}


class LocateForm(forms.Form):
    region = forms.CharField(label=_("地点（区划代码）"), max_length=32,
                             widget=forms.TextInput(attrs={"list": "region-options", "autocomplete": "off"}))
    note = forms.CharField(label=_("备注（可选）"), max_length=1000, required=False)

    def action_kwargs(self):
        return {"region": self.cleaned_data["region"].strip(), "note": self.cleaned_data["note"]}


class UnmergeForm(forms.Form):
    note = forms.CharField(label=_("理由（可选）"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def action_kwargs(self):
        return {"note": self.cleaned_data["note"]}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def action_kwargs(self):
        return {"reason": self.cleaned_data["reason"]}


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def action_kwargs(self):
        return {"note": self.cleaned_data["note"]}


class WhistleForm(forms.Form):
    departments = DeptMulti(label=_("召集部门"), queryset=Department.objects.none())
    deadline = forms.DateField(label=_("报到时限"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = department_choices()

    def action_kwargs(self):
        d = self.cleaned_data
        return {"departments": list(d["departments"]), "deadline": d["deadline"], "note": d["note"]}


class MeetForm(forms.Form):
    minutes = forms.CharField(label=_("会办纪要"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    departments = DeptMulti(label=_("参会部门"), queryset=Department.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = department_choices()

    def action_kwargs(self):
        return {"minutes": self.cleaned_data["minutes"], "departments": list(self.cleaned_data["departments"])}


class ExtendForm(forms.Form):
    deadline = forms.DateField(label=_("申请的新时限"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def action_kwargs(self):
        return {"deadline": self.cleaned_data["deadline"], "reason": self.cleaned_data["reason"]}


class ApproveExtensionForm(forms.Form):
    approved = forms.TypedChoiceField(label=_("审批"), choices=[("yes", _("同意")), ("no", _("不同意"))],
                                      coerce=lambda v: v == "yes", widget=forms.RadioSelect)
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)

    def action_kwargs(self):
        return {"approved": self.cleaned_data["approved"], "note": self.cleaned_data["note"]}


class HandleForm(forms.Form):
    result = forms.CharField(label=_("办理结果（答复反映人）"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    disposition = forms.ChoiceField(label=_("处置结论"), choices=Disposition.choices, widget=forms.RadioSelect)

    def action_kwargs(self):
        return {"result": self.cleaned_data["result"], "disposition": self.cleaned_data["disposition"]}


class ProgressForm(forms.Form):
    note = forms.CharField(label=_("办理进展"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    public = forms.BooleanField(label=_("公开（反映人可在查询页看到）"), required=False)

    def action_kwargs(self):
        return {"note": self.cleaned_data["note"], "public": self.cleaned_data["public"]}


class ReportBackForm(forms.Form):
    text = forms.CharField(label=_("报到情况"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def action_kwargs(self):
        return {"text": self.cleaned_data["text"]}


class SuperviseForm(forms.Form):
    due = forms.DateField(label=_("落实期限"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("督办意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def action_kwargs(self):
        return {"due": self.cleaned_data["due"], "note": self.cleaned_data["note"]}


class VisitBackForm(forms.Form):
    reached = forms.TypedChoiceField(label=_("联系上了吗？"), choices=[("yes", _("联系上")), ("no", _("联系不上"))],
                                     coerce=lambda v: v == "yes", widget=forms.RadioSelect)
    solved = forms.TypedChoiceField(label=_("问题解决了吗？"), required=False,
                                    choices=[("", "—"), ("yes", _("解决了")), ("no", _("没有解决"))],
                                    coerce=lambda v: v == "yes", empty_value=None)
    rating = forms.ChoiceField(label=_("满意度"), choices=[("", "—")] + Rating.choices, required=False)
    score = forms.IntegerField(label=_("评分（1–10）"), min_value=1, max_value=10, required=False)
    note = forms.CharField(label=_("反映人的话 / 备注"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        d = super().clean()
        if d.get("reached") and not d.get("rating"):
            self.add_error("rating", _("联系上时必须记录满意度。"))
        return d

    def action_kwargs(self):
        d = self.cleaned_data
        if not d["reached"]:
            return {"reached": False, "note": d["note"]}
        return {"reached": True, "solved": d["solved"], "rating": d["rating"], "score": d["score"], "note": d["note"]}


class CloseByRuleForm(forms.Form):
    rule = forms.ChoiceField(label=_("销号规则"), choices=[(CloseRule.ANONYMOUS, CloseRule.ANONYMOUS.label),
                                                       (CloseRule.UNREACHABLE, CloseRule.UNREACHABLE.label)])

    def action_kwargs(self):
        return {"rule": self.cleaned_data["rule"]}


class TaskForm(forms.Form):
    title = forms.CharField(label=_("任务"), max_length=200)
    department = DeptChoice(label=_("责任部门"), queryset=Department.objects.none())
    due = forms.DateField(label=_("完成期限"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = department_choices()


class TaskDoneForm(forms.Form):
    task = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.CharField(label=_("完成情况"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


# action name → (form class, label)
ACTION_FORMS = {
    "assign": (AssignForm, _("交办")),
    "merge": (MergeForm, _("合并")),
    "invalidate": (ReasonForm, _("作废")),
    "escalate": (NoteForm, _("上报")),
    "whistle": (WhistleForm, _("吹哨")),
    "accept": (NoteForm, _("签收")),
    "return": (ReasonForm, _("退回")),
    "meet": (MeetForm, _("会办")),
    "extend": (ExtendForm, _("申请延期")),
    "approve_extension": (ApproveExtensionForm, _("审批延期")),
    "handle": (HandleForm, _("办结答复")),
    "progress": (ProgressForm, _("记录进展")),
    "report": (ReportBackForm, _("报到")),
    "supervise": (SuperviseForm, _("督办")),
    "visit_back": (VisitBackForm, _("回访")),
    "close_by_rule": (CloseByRuleForm, _("按规则销号")),
    "reopen": (ReasonForm, _("重办")),
    "categorize": (CategorizeForm, _("修改分类")),
    "locate": (LocateForm, _("修改地点")),
    "unmerge": (UnmergeForm, _("撤销合并")),
}
