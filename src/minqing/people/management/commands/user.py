from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from minqing.choices import ALIASES, choice_type
from minqing.people.models import ApiToken, Membership, Profile, Rank, Role
from minqing.regions.models import Department, Region


class Command(BaseCommand):
    help = "Manage users: minqing user add USERNAME --role ROLE [--region CODE] [--department CODE] [--token]"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        add = sub.add_parser("add", help="create a user (or add a role to an existing one)")
        add.add_argument("username")
        add.add_argument("--role", required=True, type=choice_type(Role, ALIASES["people.Role"]),
                         help="operator|dispatcher|handler|supervisor|leader|return_visitor|cadre|surveyor|admin or 接诉员、调度员、干部…")
        add.add_argument("--region", help="region code (dispatcher, operator, leader, supervisor, return_visitor, cadre, surveyor)")
        add.add_argument("--department", help="department code (handler)")
        add.add_argument("--password", help="password for the web login")
        add.add_argument("--name", help="display name")
        add.add_argument("--rank", type=choice_type(Rank, ALIASES["people.Rank"]),
                         help="cadre rank: staff|section|division|bureau or 科员、科级、处级、厅级")
        add.add_argument("--unit", help="cadre's unit")
        add.add_argument("--phone")
        add.add_argument("--token", action="store_true", help="print a new API token on the last line")
        tok = sub.add_parser("token", help="issue an API token for an existing user")
        tok.add_argument("username")

    def handle(self, *args, **o):
        User = get_user_model()
        if o["sub"] == "token":
            user = User.objects.filter(username=o["username"]).first()
            if user is None:
                raise CommandError(f"no such user: {o['username']}")
            _, raw = ApiToken.issue(user, "cli")
            self.stdout.write(raw)
            return
        role = o["role"]
        region = department = None
        if o["region"]:
            region = Region.objects.filter(code=o["region"]).first()
            if region is None:
                raise CommandError(f"unknown region: {o['region']}")
        if o["department"]:
            department = Department.objects.filter(code=o["department"]).first()
            if department is None:
                raise CommandError(f"unknown department: {o['department']}")
        if role == Role.HANDLER and department is None:
            raise CommandError("a handler needs --department")
        if role != Role.HANDLER and department is not None:
            raise CommandError("--department is for handlers; use --region for other roles")
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=o["username"])
            if o["password"]:
                user.set_password(o["password"])
            elif created:
                user.set_unusable_password()
            if role == Role.ADMIN:
                user.is_staff = user.is_superuser = True
            user.save()
            Membership.objects.get_or_create(user=user, role=role, region=region, department=department)
            profile, _ = Profile.objects.get_or_create(user=user)
            for field in ("name", "rank", "unit", "phone"):
                if o[field]:
                    setattr(profile, "display_name" if field == "name" else field, o[field])
            if region and role == Role.CADRE and profile.home_region_id is None:
                profile.home_region = region
            profile.save()
        self.stdout.write(f"{'created' if created else 'updated'} user {user.username} ({role})")
        if o["token"]:
            _, raw = ApiToken.issue(user, "cli")
            self.stdout.write(raw)
