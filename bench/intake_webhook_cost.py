"""What the webhook outbox costs registration (issue 6): registrations per second through
``actions.register`` with the outbox receiver off, on without subscribers (the default
deployment: nothing written) and on with a subscriber (one outbox INSERT per event).

    .venv/bin/python bench/intake_webhook_cost.py [--n 2000]
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from common import arg_int, row, save, setup_django  # noqa: E402


def main():
    n = arg_int("n", 2000)
    setup_django("sqlite", "intake_webhook_cost")
    from minqing.cases import actions
    from minqing.cases.signals import event_recorded
    from minqing.intake.webhooks import on_event
    from minqing.people.scoping import Actor
    from minqing.regions.models import Region

    prov = Region.objects.create(code="439900", name="某省", level="province")
    town = Region.objects.create(code="43990100", name="某镇", level="township", parent=prov)
    actor = Actor.system("bench")

    def register(k):
        for i in range(k):
            actions.register(actor, text=f"第{i}件：路灯不亮", channel="hotline", kind="complaint", region=town)

    register(200)  # warm up
    from django.utils import timezone

    from minqing.intake import webhooks
    from minqing.intake.models import WebhookSubscriber

    def timed(label):
        t = time.perf_counter()
        register(n)
        rate = n / (time.perf_counter() - t)
        rates[label] = max(rates.get(label, 0), rate)

    # the configurations take turns, three rounds, best of each: other load on the machine
    # then hits them alike
    rates = {}
    sub = None
    for _ in range(3):
        event_recorded.disconnect(dispatch_uid="intake.webhook_outbox")
        timed("receiver off")
        event_recorded.connect(on_event, dispatch_uid="intake.webhook_outbox")
        if sub is not None:
            sub.delete()
        webhooks.forget_subscriber_cache()
        timed("no subscriber")
        sub = WebhookSubscriber.objects.create(name="bench", url="http://127.0.0.1:8149/", created_at=timezone.now())
        webhooks.forget_subscriber_cache()
        timed("one subscriber")
    rates["receiver off again"] = rates["receiver off"]
    base = max(rates["receiver off"], rates["receiver off again"])
    save("intake_webhook_cost", [
        row("webhooks", "sqlite", "register/s, receiver on, no subscriber", rates["no subscriber"], "/s",
            baseline=base, baseline_label="receiver off"),
        row("webhooks", "sqlite", "register/s, receiver on, a subscriber", rates["one subscriber"], "/s",
            baseline=base, baseline_label="receiver off", note="one outbox INSERT per event"),
    ])


if __name__ == "__main__":
    main()
