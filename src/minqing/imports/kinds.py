"""What the import page can import: per kind its target fields (the columns the CLI's
importer reads), the required ones, who may import it and the engine — always the one of
``minqing import KIND FILE`` (the ``IMPORTERS`` table of that command).

A kind of that table without an entry here (partners, policies, when their apps are
installed) is offered to admins too, with the columns its importer's module names in
``COLUMNS`` (required: its ``REQUIRED``, else none — the importer says which cells are)."""

import importlib
import inspect
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from minqing.people.models import Role


@dataclass(frozen=True)
class Kind:
    name: str
    label: object
    fields: tuple
    required: tuple
    roles: tuple = (Role.ADMIN,)  # admins always; plus these
    scope_field: str | None = None  # a region-code column a dispatcher's scope must cover
    aliases: dict = field(default_factory=dict)  # field -> headers that usually hold it
    generic: bool = False  # every field is written for the importer, mapped or empty

    def engine_function(self):
        module, _, name = engine_path(self.name).rpartition(".")
        return getattr(importlib.import_module(module), name)

    def accepts(self, option):
        """Whether the engine takes a keyword (``progress``, ``actor``)."""
        params = inspect.signature(self.engine_function()).parameters
        return option in params


def engine_path(kind):
    # the CLI command's module is named ``import`` (a keyword): load it by name
    module = importlib.import_module("minqing.regions.management.commands.import")
    return module.IMPORTERS[kind]


def _case_aliases():
    import tomllib

    from minqing.intake.importers import DEFAULT_MAPPING

    columns = tomllib.loads(DEFAULT_MAPPING.read_text(encoding="utf-8")).get("columns", {})
    return {k: tuple(v if isinstance(v, list) else [v]) for k, v in columns.items()}


def _case_fields():
    from minqing.intake.importers import FIELDS

    return tuple(FIELDS)


FIELD_LABELS = {
    "code": _("代码"), "name": _("名称/姓名"), "level": _("层级"), "parent_code": _("上级代码"), "tags": _("标签"),
    "region_code": _("区划代码"), "categories": _("问题分类"), "external_id": _("编号"), "kind": _("类型"),
    "credit_code": _("统一社会信用代码"), "address": _("地址"), "phone": _("电话"), "household_no": _("户号"),
    "contact_name": _("联系人"), "username": _("用户名"), "role": _("角色"), "department_code": _("部门代码"),
    "unit": _("单位"), "rank": _("职级"), "password": _("初始密码"), "cadre": _("干部用户名"),
    "subject": _("对象编号"), "since": _("开始日期"), "registered_at": _("登记时间"), "text": _("诉求内容"),
    "category": _("问题分类"), "region": _("所属区划"), "reporter_name": _("反映人"), "reporter_phone": _("联系电话"),
    "department": _("承办单位"), "state": _("状态"), "assigned_at": _("交办时间"), "accepted_at": _("签收时间"),
    "deadline": _("办理时限"), "handled_at": _("办结时间"), "result": _("办理结果"), "disposition": _("处置结论"),
    "visited_at": _("回访时间"), "rating": _("满意度"), "score": _("回访评分"), "invalid_reason": _("无效原因"),
}

SUBJECT_ALIASES = {"external_id": ("编号", "对象编号"), "name": ("户主姓名", "名称", "企业名称"),
                   "region_code": ("村代码", "区划代码"), "household_no": ("户号",), "address": ("地址", "住址"),
                   "phone": ("电话", "联系电话"), "kind": ("类型",), "tags": ("标签",)}


def _kinds():
    return {
        "regions": Kind("regions", _("区划"), ("code", "name", "level", "parent_code", "tags"),
                        ("code", "name", "level", "parent_code")),
        "departments": Kind("departments", _("部门"), ("code", "name", "region_code", "categories"),
                            ("code", "name", "region_code", "categories")),
        "subjects": Kind("subjects", _("住户与企业"),
                         ("external_id", "kind", "name", "region_code", "tags", "credit_code", "address", "phone",
                          "household_no", "contact_name"),
                         ("external_id", "kind", "name", "region_code"),
                         roles=(Role.ADMIN, Role.DISPATCHER), scope_field="region_code", aliases=SUBJECT_ALIASES),
        "cases": Kind("cases", _("热线工单"), _case_fields(), ("external_id", "registered_at", "text"),
                      roles=(Role.ADMIN, Role.DISPATCHER), scope_field="region", aliases=_case_aliases()),
        "staff": Kind("staff", _("工作人员"),
                      ("username", "name", "role", "region_code", "department_code", "phone", "unit", "rank",
                       "password"), ("username", "role"),
                      aliases={"username": ("用户名", "账号"), "name": ("姓名",), "role": ("角色",),
                               "region_code": ("区划代码",), "phone": ("电话", "手机")}),
        "pairs": Kind("pairs", _("干部结对"), ("cadre", "subject", "role", "since"), ("cadre", "subject"),
                      roles=(Role.ADMIN, Role.DISPATCHER),
                      aliases={"cadre": ("干部", "干部用户名"), "subject": ("对象编号", "编号"), "since": ("开始日期",)}),
    }


# the verbose names of those apps' models (their msgids come with those apps' translations)
GENERIC_LABELS = {"partners": _("社区合伙人"), "policies": _("惠民政策")}


def _generic(table):
    """Kinds of the CLI's table that the page has no entry for, from their importer's COLUMNS."""
    module = importlib.import_module("minqing.regions.management.commands.import")
    out = {}
    for name, path in module.IMPORTERS.items():
        if name in table:
            continue
        try:
            mod = importlib.import_module(path.rpartition(".")[0])
        except ImportError:
            continue
        columns = getattr(mod, "COLUMNS", None)
        if not columns:
            continue
        out[name] = Kind(name, GENERIC_LABELS.get(name, name), tuple(columns),
                         tuple(getattr(mod, "REQUIRED", ())), generic=True)
    return out


_CACHE = {}


def kinds():
    if not _CACHE:
        table = _kinds()
        table.update(_generic(table))
        _CACHE.update(table)
    return _CACHE


def get(name):
    return kinds().get(name)


def allowed(actor, kind):
    return actor.is_admin or any(r in actor.roles() for r in kind.roles if r != Role.ADMIN)


def allowed_kinds(actor):
    return [k for k in kinds().values() if allowed(actor, k)]


def guess(kind, header, saved=None):
    """The mapping offered on the page: the person's saved one where its columns are in this
    file, else a column named as the field, its label or a usual alias."""
    header = list(header)
    out = {}
    for f in kind.fields:
        candidates = []
        if saved and saved.get(f):
            candidates.append(saved[f])
        candidates += [f, str(FIELD_LABELS.get(f, "")), *kind.aliases.get(f, ())]
        out[f] = next((c for c in candidates if c and c in header), "")
    return out
