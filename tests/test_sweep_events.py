"""The sweep writes its overdue events in the database (one INSERT … SELECT): check the
rows are exactly what the event log expects of an ``overdue`` event."""

import datetime as dt

from django.utils import timezone

from minqing.cases import actions
from minqing.cases.models import Event
from minqing.supervision.sweep import sweep


def test_overdue_events_have_the_full_shape(world):
    disp = world.actor("disp_zt")
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    deadline = (ten_days_ago + dt.timedelta(days=2)).date()
    cases = []
    for i in range(3):
        c = actions.register(disp, text=f"朱亭村停水第{i}件", channel="hotline", kind="complaint",
                             region="430212101201", at=ten_days_ago)
        actions.assign(disp, c, department="lk-water", deadline=deadline, at=ten_days_ago)
        cases.append(c)
    actions.accept(world.actor("water"), cases[0], at=ten_days_ago)
    before = timezone.now()
    result = sweep()
    assert result["red"] == 3
    events = {e.case_id: e for e in Event.objects.filter(action="overdue")}
    assert set(events) == {c.pk for c in cases}
    for c in cases:
        e = events[c.pk]
        state = "in_progress" if c.pk == cases[0].pk else "assigned"
        assert (e.from_state, e.to_state) == (state, state)
        assert e.actor_id is None and e.actor_label == "system" and e.public is False
        assert e.note == f"超期（时限 {deadline}）"
        assert e.data == {"deadline": deadline.isoformat()}
        assert before - dt.timedelta(seconds=1) <= e.at <= timezone.now()
    # the event log stays readable in order, and a second sweep adds nothing
    assert sweep()["red"] == 0
    assert Event.objects.filter(action="overdue").count() == 3
