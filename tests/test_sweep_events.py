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


def test_the_sweep_rewrites_no_case_row_and_a_closed_case_keeps_the_colour_it_left_with(world):
    """The sweep claims (case, deadline, level) in AlertMark and leaves the case rows alone;
    an open case's colour is live; leaving the open states stores the colour of that day."""
    from minqing.cases.models import Case
    from minqing.supervision.models import AlertMark

    disp = world.actor("disp_zt")
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    c = actions.register(disp, text="朱亭村路灯坏了", channel="hotline", kind="complaint",
                         region="430212101201", at=ten_days_ago)
    actions.assign(disp, c, department="lk-water", deadline=(ten_days_ago + dt.timedelta(days=2)).date(),
                   at=ten_days_ago)
    version = Case.objects.get(pk=c.pk).version
    assert sweep()["red"] == 1
    row = Case.objects.get(pk=c.pk)
    assert (row.version, row.alert_level) == (version, "green")  # untouched by the sweep
    assert list(AlertMark.objects.filter(case_id=c.pk).values_list("deadline", "level")) == [(row.deadline, "red")]
    water = world.actor("water")
    actions.accept(water, row)
    actions.handle(water, Case.objects.get(pk=c.pk), result="已修复", disposition="solved")
    assert Case.objects.get(pk=c.pk).alert_level == "red"  # it left the open states overdue
