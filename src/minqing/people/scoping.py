"""Who may see and act on what.

An ``Actor`` is what the actions layer and the views need to know about the
person acting: their roles with scopes. Visibility is one queryset filter per
actor (``visible_cases``); who sees personal data masked is decided here too
(``Actor.can_see_contact``, ``text_masker``), the masking itself is ``masking.py``.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from .masking import mask_name, mask_phone, mask_text  # noqa: F401  (the one masking rule, re-exported)
from .models import Membership, Role

# operators (接诉员: hotline seats, letters and visits windows) talk to callers: full contact data
FULL_CONTACT_ROLES = {Role.DISPATCHER, Role.OPERATOR, Role.RETURN_VISITOR}
REGION_ROLES = {Role.DISPATCHER, Role.OPERATOR, Role.LEADER, Role.SUPERVISOR, Role.RETURN_VISITOR, Role.CADRE}


@dataclass
class Actor:
    user: object = None
    label: str = ""
    memberships: list = field(default_factory=list)
    kind: str = "user"  # user | system | public

    @classmethod
    def for_user(cls, user):
        if user is None or not user.is_authenticated:
            return cls.public()
        ms = list(Membership.objects.filter(user=user).select_related("region", "department__region"))
        return cls(user=user, label=user.get_username(), memberships=ms)

    @classmethod
    def system(cls, label="system"):
        return cls(label=label, kind="system")

    @classmethod
    def public(cls, label="public"):
        return cls(label=label, kind="public")

    # ---- roles ----------------------------------------------------------
    @property
    def is_admin(self):
        return self.kind == "system" or (self.user is not None and self.user.is_superuser) or any(
            m.role == Role.ADMIN for m in self.memberships
        )

    def roles(self):
        return {m.role for m in self.memberships}

    def has_role(self, role):
        return self.is_admin or role in self.roles()

    def regions_for(self, *roles):
        return [m.region for m in self.memberships if m.role in roles and m.region_id]

    def departments(self):
        return [m.department for m in self.memberships if m.role == Role.HANDLER and m.department_id]

    def department_ids(self):
        return {m.department_id for m in self.memberships if m.role == Role.HANDLER and m.department_id}

    def covers_region(self, region, *roles):
        """True when one of the actor's memberships with these roles covers the region
        (a membership of such a role without a region covers everything)."""
        if self.is_admin:
            return True
        for m in self.memberships:
            if m.role in roles:
                if m.region_id is None and m.role != Role.HANDLER:
                    return True
                if region is not None and m.region_id and region.path.startswith(m.region.path):
                    return True
        return False

    def is_lead_handler(self, case):
        return case.lead_department_id is not None and case.lead_department_id in self.department_ids()

    def may_search_numbers(self):
        """Whether a search by a number (phone, ID) is allowed: only roles that see contact data
        in full by their role (dispatchers, operators, return visitors, admins)."""
        return self.kind == "system" or self.is_admin or bool(self.roles() & FULL_CONTACT_ROLES)

    def can_see_contact(self, case):
        """Name and phone in full only for those who must call the reporter."""
        if self.kind == "system":
            return True
        if self.is_lead_handler(case):
            return True
        return self.covers_region(case.region or case.owner_region, *FULL_CONTACT_ROLES)


def region_scope(actor, field="region_path"):
    """A filter on ``field`` (a region path) for the actor's region-scoped roles, or
    None when one of those roles has no region and so covers everything."""
    cond = Q(pk__in=[])
    for m in actor.memberships:
        if m.role in REGION_ROLES:
            if m.region_id is None:
                return None
            cond |= Q(**{f"{field}__startswith": m.region.path})
    return cond


def visible_cases(actor, qs):
    """Filter a Case queryset down to what the actor may see."""
    if actor.is_admin:
        return qs
    cond = Q(pk__in=[])
    for m in actor.memberships:
        if m.role == Role.HANDLER and m.department_id:
            cond |= (
                Q(lead_department_id=m.department_id)
                | Q(co_departments__id=m.department_id)
                | Q(summons__department_id=m.department_id)
            )
        elif m.role in REGION_ROLES:
            if m.region_id:
                cond |= Q(region_path__startswith=m.region.path)
            else:
                return qs
    if actor.user is not None:
        cond |= Q(created_by=actor.user)
    surveyor = actor.user is not None and any(m.role == Role.SURVEYOR for m in actor.memberships)
    if surveyor:
        # 测评员: only the sampled cases they are calling now (claimed, not yet answered)
        cond |= Q(survey_items__caller=actor.user, survey_items__response__isnull=True)
    if not actor.memberships and actor.user is None:
        return qs.none()
    needs_distinct = surveyor or any(m.role == Role.HANDLER for m in actor.memberships)
    qs = qs.filter(cond)
    return qs.distinct() if needs_distinct else qs


def text_masker(actor, case):
    """The function that shows a case's free texts (text, address, answers, notes) to
    this actor: as written for those who may see the contact data, else ``mask_text``."""
    if actor is not None and actor.can_see_contact(case):
        return _as_written
    return mask_text


def _as_written(text):
    return text or ""
