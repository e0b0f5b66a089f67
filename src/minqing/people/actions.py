"""Every change to staff, in one place: add a person, give and take roles with their scope,
reset a password (a one-time password, shown once), deactivate and reactivate.

The rules are those of ``minqing user add``: a handler is scoped to a department, every
other role to a region (or to none: the whole deployment); an admin is a superuser. Each
function takes the acting ``Actor`` first, checks everything before writing, runs in one
transaction and writes its ``AdminEvent`` there; only admins may act.
"""

import re
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from minqing.cases.errors import Forbidden, InvalidInput, NotFound
from minqing.choices import ALIASES, parse_choice
from minqing.regions.models import Department, Region

from .models import ApiToken, Membership, Profile, Rank, Role

USERNAME_RE = re.compile(r"^[\w.@+-]{1,150}$")
MIN_PASSWORD = 8
LIMITS = {"name": 50, "unit": 100, "phone": 20}
# no 0/O, 1/l/I: a one-time password is read aloud or copied by hand
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _record(actor, action, target, **data):
    from minqing.imports.models import record

    return record(actor, action, target, **data)


def _admin(actor):
    if not actor.is_admin:
        raise Forbidden("只有管理员可以管理人员 / only admins manage staff")


def one_time_password(length=12):
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


def parse_role(value):
    role = parse_choice(Role, value, ALIASES["people.Role"])
    if role is None:
        raise InvalidInput(f"角色无效 / role must be one of {', '.join(Role.values)}", field="role")
    return role


def parse_rank(value):
    if value in (None, ""):
        return ""
    rank = parse_choice(Rank, value, ALIASES["people.Rank"])
    if rank is None:
        raise InvalidInput(f"职级无效 / rank must be one of {', '.join(v for v in Rank.values if v)}", field="rank")
    return rank


def resolve_scope(role, region=None, department=None):
    """(region, department) of a role, by the rules of ``minqing user add``."""
    if isinstance(region, str):
        region = region.strip() or None
    if isinstance(department, str):
        department = department.strip() or None
    if region is not None and not isinstance(region, Region):
        code = region
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise InvalidInput(f"区划不存在 / unknown region {code}", field="region_code")
    if department is not None and not isinstance(department, Department):
        code = department
        department = Department.objects.filter(code=code).first()
        if department is None:
            raise InvalidInput(f"部门不存在 / unknown department {code}", field="department_code")
    if role == Role.HANDLER and department is None:
        raise InvalidInput("承办人须指定部门 / a handler needs a department", field="department_code")
    if role != Role.HANDLER and department is not None:
        raise InvalidInput("部门只用于承办人，其他角色请指定区划 / a department is for handlers; give other roles a region",
                           field="department_code")
    return region, department


def validate_staff(username, name="", phone="", unit="", password=None):
    if not username or not USERNAME_RE.match(username):
        raise InvalidInput("用户名只能含字母、数字和 @.+-_，最长150字 / username: letters, digits and @.+-_ only, "
                           "at most 150", field="username")
    for field, value in (("name", name), ("phone", phone), ("unit", unit)):
        if value and len(value) > LIMITS[field]:
            raise InvalidInput(f"{field} 超过{LIMITS[field]}字 / {field} is longer than {LIMITS[field]}", field=field)
        if value and "\x00" in value:
            raise InvalidInput(f"{field} 含有空字符 / {field} contains a NUL character", field=field)
    if password is not None and password != "" and len(password) < MIN_PASSWORD:
        raise InvalidInput(f"密码至少{MIN_PASSWORD}位 / the password needs at least {MIN_PASSWORD} characters",
                           field="password")


@transaction.atomic
def do_add_staff(actor, *, username, role, region=None, department=None, name="", phone="", unit="", rank="",
                 password=None, one_time=False):
    """Create a person (or give an existing one this role). Returns (user, created, password
    shown once or None): with ``one_time`` a new person gets a one-time password."""
    _admin(actor)
    username = (username or "").strip()
    name, phone, unit = (name or "").strip(), (phone or "").strip(), (unit or "").strip()
    validate_staff(username, name, phone, unit, password)
    role = parse_role(role)
    rank = parse_rank(rank)
    region, department = resolve_scope(role, region, department)
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    shown = None
    if password:
        user.set_password(password)
    elif created and one_time:
        shown = one_time_password()
        user.set_password(shown)
    elif created:
        user.set_unusable_password()
    if role == Role.ADMIN:
        user.is_staff = user.is_superuser = True
    user.save()
    Membership.objects.get_or_create(user=user, role=role, region=region, department=department)
    profile, _ = Profile.objects.get_or_create(user=user)
    for field, value in (("display_name", name), ("rank", rank), ("unit", unit), ("phone", phone)):
        if value:
            setattr(profile, field, value)
    if region and role == Role.CADRE and profile.home_region_id is None:
        profile.home_region = region
    profile.save()
    _record(actor, "staff_added" if created else "role_given", username, role=role,
            region=region.code if region else None, department=department.code if department else None)
    return user, created, shown


def _load_user(user):
    if isinstance(user, get_user_model()):
        return user
    found = get_user_model().objects.filter(pk=user).first() if str(user).isdigit() else None
    if found is None:
        raise NotFound("人员不存在 / no such person")
    return found


@transaction.atomic
def do_give_role(actor, user, *, role, region=None, department=None):
    _admin(actor)
    user = _load_user(user)
    role = parse_role(role)
    region, department = resolve_scope(role, region, department)
    m, created = Membership.objects.get_or_create(user=user, role=role, region=region, department=department)
    if role == Role.ADMIN and not user.is_superuser:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    if created:
        _record(actor, "role_given", user.username, role=role, region=region.code if region else None,
                department=department.code if department else None)
    return m


@transaction.atomic
def do_take_role(actor, membership):
    _admin(actor)
    m = membership if isinstance(membership, Membership) else Membership.objects.select_related("user").filter(
        pk=membership).first()
    if m is None:
        raise NotFound("角色不存在 / no such role")
    user = m.user
    if m.role == Role.ADMIN:
        if actor.user is not None and actor.user.pk == user.pk:
            raise InvalidInput("不能取消自己的管理员角色 / you cannot take your own admin role", field="role")
    _record(actor, "role_taken", user.username, role=m.role, region=m.region.code if m.region_id else None,
            department=m.department.code if m.department_id else None)
    m.delete()
    if m.role == Role.ADMIN and not Membership.objects.filter(user=user, role=Role.ADMIN).exists():
        user.is_staff = user.is_superuser = False
        user.save(update_fields=["is_staff", "is_superuser"])


@transaction.atomic
def do_reset_password(actor, user):
    """A new one-time password for the person, returned to be shown once (only its hash is kept)."""
    _admin(actor)
    user = _load_user(user)
    shown = one_time_password()
    user.set_password(shown)
    user.save(update_fields=["password"])
    _record(actor, "password_reset", user.username)
    return shown


@transaction.atomic
def do_set_active(actor, user, active):
    """Deactivate (no login, API tokens revoked) or reactivate a person."""
    _admin(actor)
    user = _load_user(user)
    if not active and actor.user is not None and actor.user.pk == user.pk:
        raise InvalidInput("不能停用自己 / you cannot deactivate yourself", field="active")
    if user.is_active == bool(active):
        return user
    user.is_active = bool(active)
    user.save(update_fields=["is_active"])
    if not active:
        from django.utils import timezone

        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    _record(actor, "activated" if active else "deactivated", user.username)
    return user
