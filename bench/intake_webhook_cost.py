"""What the webhook outbox costs registration (issue 6): registrations per second through
``actions.register`` with the outbox receiver connected (as deployed) and disconnected.

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
    rates = {}
    for label, connected in (("with outbox", True), ("without outbox", False), ("with outbox again", True)):
        if connected:
            event_recorded.connect(on_event, dispatch_uid="intake.webhook_outbox")
        else:
            event_recorded.disconnect(dispatch_uid="intake.webhook_outbox")
        t = time.perf_counter()
        register(n)
        rates[label] = n / (time.perf_counter() - t)
    with_ = max(rates["with outbox"], rates["with outbox again"])
    save("intake_webhook_cost", [
        row("webhooks", "sqlite", "register/s with the outbox receiver", with_, "/s",
            baseline=rates["without outbox"], baseline_label="without it"),
    ])


if __name__ == "__main__":
    main()
