"""minqing open311 key add NAME | key revoke NAME | key list
   minqing open311 jurisdiction add CODE [--contact C] | jurisdiction remove CODE | jurisdiction list
   minqing open311 webhook add NAME URL [--actions a,b] | webhook list | webhook resume NAME
"""

from django.core.management.base import BaseCommand, CommandError

from minqing.intake.models import Jurisdiction, Open311Client, WebhookSubscriber
from minqing.regions.models import Region


class Command(BaseCommand):
    help = "Open311 API keys, jurisdictions and webhook subscribers."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        key = sub.add_parser("key", help="API keys of Open311 clients")
        key.add_argument("op", choices=["add", "revoke", "rotate", "list"])
        key.add_argument("name", nargs="?")
        key.add_argument("--note", default="")
        jur = sub.add_parser("jurisdiction", help="regions served as jurisdictions")
        jur.add_argument("op", choices=["add", "remove", "list"])
        jur.add_argument("code", nargs="?")
        jur.add_argument("--contact", default="")
        jur.add_argument("--key-service", default="")
        hook = sub.add_parser("webhook", help="webhook subscribers")
        hook.add_argument("op", choices=["add", "list", "resume", "pause", "remove"])
        hook.add_argument("name", nargs="?")
        hook.add_argument("url", nargs="?")
        hook.add_argument("--actions", default="", help="comma-separated actions; empty = all")

    def handle(self, *args, **o):
        getattr(self, "_" + o["what"])(o)

    def _need(self, o, field):
        if not o.get(field):
            raise CommandError(f"{field} 必填 / {field} is required")
        return o[field]

    def _key(self, o):
        op = o["op"]
        if op == "list":
            for c in Open311Client.objects.order_by("name"):
                state = "revoked " + c.revoked_at.isoformat() if c.revoked_at else "active"
                self.stdout.write(f"{c.name}\t{c.prefix}…\t{state}")
            return
        name = self._need(o, "name")
        if op == "add":
            if Open311Client.objects.filter(name=name).exists():
                raise CommandError(f"客户端已存在 / client exists: {name} (use rotate)")
            _, raw = Open311Client.issue(name, note=o["note"])
            self.stdout.write(f"Open311 客户端 {name} 的密钥（只显示一次）/ API key for {name} (shown once):")
            self.stdout.write(raw)
            return
        client = Open311Client.objects.filter(name=name).first()
        if client is None:
            raise CommandError(f"客户端不存在 / no such client: {name}")
        if op == "revoke":
            client.revoke()
            self.stdout.write(f"已吊销 / revoked: {name}")
        elif op == "rotate":
            raw = client.rotate()
            self.stdout.write(f"新密钥 / new API key for {name}:")
            self.stdout.write(raw)

    def _jurisdiction(self, o):
        if o["op"] == "list":
            for j in Jurisdiction.objects.select_related("region").order_by("region__code"):
                self.stdout.write(f"{j.region.code}\t{j.region.name}")
            return
        code = self._need(o, "code")
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise CommandError(f"区划不存在 / unknown region: {code}")
        if o["op"] == "add":
            Jurisdiction.objects.update_or_create(
                region=region, defaults={"contact": o["contact"], "key_service": o["key_service"]}
            )
            self.stdout.write(f"jurisdiction_id={region.code}")
        else:
            Jurisdiction.objects.filter(region=region).delete()
            self.stdout.write(f"removed {region.code}")

    def _webhook(self, o):
        op = o["op"]
        if op == "list":
            for s in WebhookSubscriber.objects.order_by("name"):
                state = "active" if s.active else f"paused ({s.paused_reason})"
                self.stdout.write(f"{s.name}\t{s.url}\t{state}\tfailures={s.consecutive_failures}")
            return
        name = self._need(o, "name")
        if op == "add":
            url = self._need(o, "url")
            acts = [a.strip() for a in o["actions"].split(",") if a.strip()]
            s = WebhookSubscriber.objects.create(name=name, url=url, actions=acts)
            self.stdout.write(f"签名密钥 / signing secret for {name}:")
            self.stdout.write(s.secret)
            return
        s = WebhookSubscriber.objects.filter(name=name).first()
        if s is None:
            raise CommandError(f"订阅不存在 / no such subscriber: {name}")
        if op == "resume":
            from minqing.intake.webhooks import resume

            resume(s)
            self.stdout.write(f"resumed {name}")
        elif op == "pause":
            from minqing.intake.webhooks import pause

            pause(s, "paused by hand")
            self.stdout.write(f"paused {name}")
        else:
            s.delete()
            self.stdout.write(f"removed {name}")
