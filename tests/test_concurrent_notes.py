"""Actions that change no state — progress notes, the reports of summoned departments,
joint-meeting minutes, supervision orders — succeed side by side: eight at once on one
case make eight events, each with its version step. Transitions stay compare-and-set:
of two at once one wins, and a note never lets a transition win twice. Against a real
SQLite file or PostgreSQL server (one connection per thread), through the actions layer
and through parallel HTTP requests."""


import httpx
import pytest
from casebuild import register
from test_concurrency import race

from minqing.cases import actions
from minqing.cases.errors import Conflict
from minqing.cases.models import Case, Event, Summons

N = 8


def _in_progress(world, co=("lk-housing",)):
    case = register(world)
    actions.assign(world.actor("disp_zt"), case, department="lk-water", co_departments=list(co))
    actions.accept(world.actor("water"), case)
    return case.pk


def _stale(case_id):
    return lambda: Case.objects.get(pk=case_id)  # every thread holds the same version


def _counts(case_id, action):
    return Event.objects.filter(case_id=case_id, action=action).count()


@pytest.mark.parametrize("action", ["progress", "meet", "supervise"])
def test_eight_notes_at_once_are_all_accepted(tworld, action):
    case_id = _in_progress(tworld)
    before = Case.objects.get(pk=case_id)
    who, kwargs = {
        "progress": ("water", lambda i: {"note": f"第{i}次进展：已到现场"}),
        "meet": ("water", lambda i: {"minutes": f"第{i}次会办纪要", "departments": ["lk-roads"]}),
        "supervise": ("sup_lk", lambda i: {"note": f"第{i}次督办"}),
    }[action]
    fn = actions.ACTIONS[action]
    outcomes = race(*[(_stale(case_id), lambda c, i=i: fn(tworld.actor(who), c, **kwargs(i))) for i in range(N)], timeout=120)
    assert outcomes == ["ok"] * N, outcomes
    after = Case.objects.get(pk=case_id)
    assert _counts(case_id, action) == N
    assert after.state == before.state == "in_progress"
    assert after.version == before.version + N  # each event one version step, none lost
    notes = sorted(Event.objects.filter(case_id=case_id, action=action).values_list("note", flat=True))
    assert len(set(notes)) == N


def test_summoned_departments_report_at_once(tworld):
    case_id = _in_progress(tworld, co=())
    actions.whistle(tworld.actor("disp_zt"), Case.objects.get(pk=case_id), departments=["lk-roads", "lk-housing"])
    calls = [
        (_stale(case_id), lambda c: actions.report(tworld.actor("roads"), c, text="交通局已到场")),
        (_stale(case_id), lambda c: actions.report(tworld.actor("housing"), c, text="住建局已到场")),
        # the same department twice at the same moment: one report counts
        (_stale(case_id), lambda c: actions.report(tworld.actor("housing"), c, text="住建局再次报到")),
    ]
    outcomes = race(*calls, timeout=120)
    assert outcomes[0] == "ok", outcomes
    assert sorted(outcomes[1:]) == ["IllegalTransition", "ok"], outcomes
    assert _counts(case_id, "report") == 2
    assert not Summons.objects.filter(case_id=case_id, reported_at__isnull=True).exists()


def test_a_transition_among_notes_still_has_one_winner(tworld):
    """Two handles and six notes at once: at most one handle wins; every event written
    belongs to a call that succeeded; a note after the handle is refused, not recorded."""
    for _ in range(3):
        case_id = _in_progress(tworld)
        before = Case.objects.get(pk=case_id)
        events = Event.objects.filter(case_id=case_id).count()
        handle = lambda c: actions.handle(tworld.actor("water"), c, result="已修复", disposition="solved")  # noqa: E731
        note = lambda c: actions.progress(tworld.actor("housing"), c, note="协办进展")  # noqa: E731
        outcomes = race(*[(_stale(case_id), handle)] * 2, *[(_stale(case_id), note)] * 6, timeout=120)
        assert set(outcomes) <= {"ok", "Conflict", "IllegalTransition"}, outcomes
        handles, notes = outcomes[:2], outcomes[2:]
        assert handles.count("ok") <= 1, outcomes
        after = Case.objects.get(pk=case_id)
        assert _counts(case_id, "handle") == handles.count("ok")
        assert _counts(case_id, "progress") == notes.count("ok")
        assert Event.objects.filter(case_id=case_id).count() == events + outcomes.count("ok")
        assert after.version == before.version + outcomes.count("ok")
        assert after.state == ("handled" if "ok" in handles else "in_progress")


def test_eight_parallel_http_progress_notes(tworld, live_server):
    case_id = _in_progress(tworld)
    url = f"{live_server.url}/api/v1/cases/{case_id}/progress"
    token = tworld.tokens["water"]

    def post(i):
        def call(_):
            r = httpx.post(url, json={"note": f"现场第{i}次进展"}, timeout=120,
                           headers={"Authorization": f"Bearer {token}"})
            if r.status_code == 409:
                raise Conflict(r.json()["code"])
            assert r.status_code == 200, r.text
        return (lambda: None, call)

    outcomes = race(*[post(i) for i in range(N)], timeout=120)
    assert outcomes == ["ok"] * N, outcomes
    assert _counts(case_id, "progress") == N
