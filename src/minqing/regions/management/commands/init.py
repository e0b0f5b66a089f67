from django.core.management.base import BaseCommand, CommandError

from minqing.progress import terminal
from minqing.regions import divisions
from minqing.regions.actions import InitRefused, do_init_region, plan_init

NAMES = {"province": "省", "city": "市", "county": "县区", "township": "乡镇街道", "village": "村社区",
         "department": "部门"}


def describe(counts):
    return ", ".join(f"{NAMES[k]}/{k} {v:,}" for k, v in counts.items() if v)


class Command(BaseCommand):
    help = ("Build the region tree of a province, prefecture or county from the national division table, "
            "with departments from the template: minqing init --region 430212000000")

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="division code (12 digits, or 2/4/6 digits)")
        parser.add_argument("--no-villages", action="store_true", help="stop at townships and streets")
        parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
        parser.add_argument("--admin", metavar="USERNAME", help="create the first admin (its password is printed once)")

    def handle(self, *args, **o):
        villages = not o["no_villages"]
        try:
            if o["dry_run"]:
                plan = plan_init(o["region"], villages=villages)
            else:
                with terminal("建立辖区 / init", self.stdout) as progress:
                    created = do_init_region(o["region"], villages=villages, admin=o["admin"], progress=progress)
                plan = created.plan
        except divisions.DivisionError as e:
            raise CommandError(str(e)) from None
        except InitRefused as e:
            self.stderr.write("与已有的区划树不一致，未做任何改动 / the database holds a different tree, nothing was changed:")
            raise CommandError("\n".join(e.problems)) from None
        if plan.renamed_from:
            r = plan.renamed_from
            self.stdout.write(f"{r.old_name}({r.old_code}) 已于 {r.year} 年更名为 {r.name}({r.code}) / "
                              f"{r.old_code} was renamed {r.name} ({r.code}) in {r.year}")
        self.stdout.write(f"{plan.name}({plan.code})")
        if o["dry_run"]:
            if plan.problems:
                self.stderr.write("会被拒绝 / would be refused:\n" + "\n".join(plan.problems))
                raise CommandError("dry run: refused")
            self.stdout.write(f"将创建 / would create: {describe(plan.counts()) or '无 / nothing'}")
            self.stdout.write(f"已有 / already there: regions {plan.existing_regions:,}, departments {plan.existing_departments:,}")
            return
        if created.renamed:
            self.stdout.write(f"更名 / renamed: {created.renamed}")
        self.stdout.write(f"已创建 / created: {describe(plan.counts()) or '无 / nothing'}")
        towns = [d.name for d, _parent in plan.regions if d.level == "township"]
        if 0 < len(towns) <= 60:
            self.stdout.write(f"乡镇街道 / townships: {'、'.join(towns)}")
        if created.categories:
            self.stdout.write(f"分类 / categories: {created.categories}")
        self.stdout.write(f"已有 / already there: regions {plan.existing_regions:,}, departments {plan.existing_departments:,}")
        if created.admin:
            if created.password:
                self.stdout.write(f"管理员 / admin: {created.admin}")
                self.stdout.write(f"一次性密码（只显示这一次）/ one-time password (shown once): {created.password}")
            else:
                self.stdout.write(f"管理员已存在，密码未改 / admin {created.admin} exists, password unchanged")
