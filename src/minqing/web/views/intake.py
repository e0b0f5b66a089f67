"""The intake desk (接诉登记): an operator or dispatcher registers a call, letter, walk-in
or petition, recognises a repeat caller by phone, takes the place and category suggested
from the text, sees possible duplicates, and may close a consultation on the call.

Every change goes through ``minqing.cases.actions`` (``register``, then
``answer_on_call`` for 即知即办); the form's token (``web.models.FormSubmission``, as on
the public form) makes a double submission one case."""

import re

from django import forms
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from minqing.cases import actions
from minqing.cases.errors import ActionError, InvalidInput
from minqing.cases.models import SATISFIED_RATINGS, Case, Category, Channel, Disposition, Kind, Rating
from minqing.cases.phones import cases_by_phone
from minqing.insights import analyze as analysis
from minqing.people.models import Role
from minqing.people.scoping import visible_cases
from minqing.regions.models import Region

from ..forms import CaseIntakeForm
from ..models import FormSubmission
from .common import get_actor, role_required

INTAKE_ROLES = (Role.OPERATOR, Role.DISPATCHER)
# the channels a person at a desk registers (web, QR, Open311 and imports come in by themselves)
DESK_CHANNELS = (Channel.HOTLINE, Channel.LETTER, Channel.RECEPTION, Channel.PETITION, Channel.MAYOR_MAILBOX,
                 Channel.MAILBOX, Channel.WECHAT, Channel.MEDIA, Channel.MEETING, Channel.VISIT)
HISTORY_LIMIT = 5
PLACE_OPTIONS = 30
MIN_SUGGEST_TEXT = 4
CODE_LAST = re.compile(r"(\S+)\s*$")
FIRST_WORD = re.compile(r"^\s*(\S+)")


def region_label(region):
    """"县区镇村 code" for the place control: the names below the prefecture (typing a name
    filters the options; on a phone the name is what shows), then the code the server reads
    back. Walks the parents already joined (``PLACE_JOIN``)."""
    return f"{region_names(region)} {region.code}"


def region_names(region):
    names, node = [region.name], region.parent if region.parent_id else None
    while node is not None and node.level not in ("province", "city"):
        names.insert(0, node.name)
        node = node.parent if node.parent_id else None
    return "".join(names)


PLACE_JOIN = "parent__parent__parent__parent"


def category_label(category):
    """A category as the operator reads it: its name in the page language (the lookup takes the
    name back, or a code)."""
    return category.local_name


def _lookup_code(value, model, field):
    """The row a control's value names: its code at the end ("渌口区朱亭镇朱亭村 430212101201"),
    the code alone, or a name typed in full when exactly one row has it."""
    value = (value or "").strip()
    if not value:
        return None
    m = CODE_LAST.search(value)
    row = model.objects.filter(code=m.group(1)).first() if m else None
    if row is None:
        named = list(model.objects.filter(name=value)[:2])
        if not named and hasattr(model, "name_en"):  # a category typed in English
            named = list(model.objects.filter(name_en__iexact=value)[:2])
        if not named and model is Category:  # a category code typed alone
            named = list(model.objects.filter(code=value)[:2])
        row = named[0] if len(named) == 1 else None
    if row is None:
        raise forms.ValidationError(_("请从列表中选择。"), code=field)
    return row


class IntakeForm(CaseIntakeForm):
    reporter_phone = forms.CharField(label=gettext_lazy("来电号码"), max_length=30, required=False)
    reporter_name = forms.CharField(label=gettext_lazy("姓名"), max_length=100, required=False)
    channel = forms.ChoiceField(label=gettext_lazy("渠道"), choices=[(c.value, c.label) for c in DESK_CHANNELS],
                                initial=Channel.HOTLINE)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=Kind.choices, initial=Kind.COMPLAINT)
    text = forms.CharField(label=gettext_lazy("诉求内容"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 5}),
                           error_messages={"required": gettext_lazy("请记录来电人反映的内容。")})
    place = forms.CharField(label=gettext_lazy("地点"), max_length=200, required=False)
    address = forms.CharField(label=gettext_lazy("详细地址"), max_length=300, required=False)
    category = forms.CharField(label=gettext_lazy("问题分类"), max_length=200, required=False)
    on_call = forms.BooleanField(label=gettext_lazy("当场答复办结（咨询类，来电人满意）"), required=False)
    result = forms.CharField(label=gettext_lazy("答复内容"), max_length=5000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
    rating = forms.ChoiceField(label=gettext_lazy("来电人满意度"), choices=[("", "—")] + Rating.choices,
                               required=False)
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if len(text) < 5:
            raise forms.ValidationError(_("请至少写5个字，说清楚问题。"))
        return text

    def clean_place(self):
        return _lookup_code(self.cleaned_data["place"], Region, "place")

    def clean_category(self):
        cat = _lookup_code(self.cleaned_data["category"], Category, "category")
        if cat is not None and not cat.active:
            raise forms.ValidationError(_("请从列表中选择。"))
        return cat

    def clean(self):
        d = super().clean()
        if d.get("on_call"):
            if not (d.get("result") or "").strip():
                self.add_error("result", _("当场办结须记录答复内容。"))
            if not d.get("rating"):
                self.add_error("rating", _("当场办结须记录来电人是否满意。"))
            elif d["rating"] not in SATISFIED_RATINGS:
                self.add_error("rating", _("来电人不满意，不能当场办结：请取消勾选，登记后交办。"))
        return d


def _default_region(actor):
    """The operator's own region, for a call whose place is not known: one region membership only."""
    regions = {r.pk: r for r in actor.regions_for(*INTAKE_ROLES)}
    return next(iter(regions.values())) if len(regions) == 1 else None


def _register(actor, d):
    with transaction.atomic():
        case = actions.register(
            actor, text=d["text"], channel=d["channel"], kind=d["kind"], category=d["category"],
            region=d["place"] or _default_region(actor), address=d["address"],
            reporter_name=d["reporter_name"], reporter_phone=d["reporter_phone"],
        )
        FormSubmission.objects.create(token=d["token"], case=case)
        if d["on_call"]:
            actions.answer_on_call(actor, case, result=d["result"], rating=d["rating"],
                                   disposition=Disposition.EXPLAINED)
    return case


def _done_url(case):
    """The desk again, with the case just registered and its channel kept for the next one
    (a letters window registers letters all day)."""
    return f"{reverse('web:intake')}?done={case.tracking_code}&channel={case.channel}"


@role_required(*INTAKE_ROLES)
def intake(request):
    actor = get_actor(request)
    done = None
    if request.method == "POST":
        form = IntakeForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            existing = FormSubmission.objects.filter(token=d["token"]).select_related("case").first()
            if existing:  # the same form sent twice: one case
                return redirect(_done_url(existing.case))
            try:
                case = _register(actor, d)
            except ActionError as e:
                form.add_error(e.field if e.field in form.fields else None, e.message)
            except IntegrityError:  # a concurrent double submission won the token first
                existing = FormSubmission.objects.filter(token=d["token"]).select_related("case").first()
                if existing is None:
                    raise
                return redirect(_done_url(existing.case))
            else:
                return redirect(_done_url(case))
        status = 422
    else:
        channel = request.GET.get("channel")
        form = IntakeForm(initial={"channel": channel} if channel in Channel.values else {})
        status = 200
        code = (request.GET.get("done") or "")[:16]
        if code:
            done = visible_cases(actor, Case.objects.all()).filter(tracking_code=code).first()
    ctx = {
        "form": form,
        "done": done,
        "categories": Category.objects.filter(active=True),
        "place_options": _place_options(actor, ""),
        "history": _history(actor, form["reporter_phone"].value()) if form.is_bound else None,
    }
    return render(request, "web/intake/intake.html", ctx, status=status)


def _history(actor, phone):
    """(cases, error) of the caller's earlier cases within the actor's scope."""
    phone = (phone or "").strip()
    if not phone:
        return None
    try:
        qs = cases_by_phone(visible_cases(actor, Case.objects.select_related("category", "region")), phone)
    except InvalidInput:
        return {"error": _("号码不完整或格式不对。"), "phone": phone}
    rows = list(qs[:HISTORY_LIMIT + 1])
    total = len(rows) if len(rows) <= HISTORY_LIMIT else qs.count()
    return {"cases": rows[:HISTORY_LIMIT], "total": total, "more": total > HISTORY_LIMIT, "phone": phone,
            "limit": HISTORY_LIMIT}


@require_GET
@role_required(*INTAKE_ROLES)
def history(request):
    """htmx: the caller's earlier cases, as soon as the phone number is typed."""
    ctx = {"history": _history(get_actor(request), (request.GET.get("reporter_phone") or "")[:40])}
    return render(request, "web/intake/_history.html", ctx)


def _place_options(actor, q):
    """Regions for the place control: matching ``q`` (name or code), inside the actor's regions."""
    qs = Region.objects.select_related(PLACE_JOIN)
    scopes = actor.regions_for(*INTAKE_ROLES)
    if scopes and not actor.is_admin:
        cond = Q(pk__in=[])
        for r in scopes:
            cond |= Q(path__startswith=r.path)
        qs = qs.filter(cond)
    q = (q or "").strip()
    last, first = CODE_LAST.search(q), FIRST_WORD.match(q)
    if last and last.group(1).isdigit():  # a code, or a value picked from the list
        qs = qs.filter(code__startswith=last.group(1))
    elif first:  # a name: the place itself, or the places under it
        word = first.group(1)
        qs = qs.filter(Q(name__contains=word) | Q(parent__name__contains=word))
    return [(region_label(r), r) for r in qs.order_by("path")[:PLACE_OPTIONS]]


@require_GET
@role_required(*INTAKE_ROLES)
def places(request):
    """htmx: the place control's options for what has been typed so far."""
    q = (request.GET.get("place") or "")[:100].replace("\x00", "")  # PostgreSQL refuses NUL in text
    return render(request, "web/intake/_place_options.html", {"place_options": _place_options(get_actor(request), q)})


@require_POST
@role_required(*INTAKE_ROLES)
def suggest(request):
    """htmx: place and category read from the text (``minqing.insights``), and possible duplicates."""
    actor = get_actor(request)
    text = (request.POST.get("text") or "").replace("\x00", "").strip()
    ctx = {"ready": False}
    if len(text) >= MIN_SUGGEST_TEXT:
        try:
            out = analysis.analyze(text[: analysis.MAX_TEXT], visible=visible_cases(actor, Case.objects.all()))
        except analysis.AnalyzeError:
            out = None
        if out is not None:
            p = out.get("place") or {}
            code = p.get("region_code") or p.get("code")
            place = Region.objects.select_related(PLACE_JOIN).filter(code=code).first() if code else None
            cats = {c.code: c for c in Category.objects.filter(code__in=[c["code"] for c in out["categories"]],
                                                               active=True)}
            categories = [cats[c["code"]] for c in out["categories"] if c["code"] in cats]
            dup_ids = [d["case_id"] for d in out["duplicates"]]
            dups = {c.pk: c for c in visible_cases(actor, Case.objects.select_related("region")).filter(pk__in=dup_ids)}
            ctx = {
                "ready": True,
                "place": place,
                "place_label": region_label(place) if place else "",
                "place_name": region_names(place) if place else "",
                "categories": categories,
                "category_label": category_label(categories[0]) if categories else "",
                "duplicates": [dups[i] for i in dup_ids if i in dups],
            }
    return render(request, "web/intake/_suggest.html", ctx)
