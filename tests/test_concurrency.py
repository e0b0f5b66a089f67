"""Two people act on one case at the same moment: exactly one wins, the other
gets Conflict (or IllegalTransition if it started after the winner finished),
and the event log has exactly one new entry. Against a real database file
(SQLite) or server (PostgreSQL), with one connection per thread, through the
actions layer and through two parallel HTTP requests."""

import threading

import httpx
import pytest
from casebuild import register
from django.db import connection

from minqing.cases import actions
from minqing.cases.errors import Conflict, IllegalTransition
from minqing.cases.models import Case, Event

ROUNDS = 4


def race(*calls, timeout=60):
    """Run the calls in threads released at the same instant; return their outcomes.
    Each call is (prepare, act): ``prepare()`` reads before the start signal, ``act(prepared)`` races."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            prepared = call[0]()  # read (in this thread's connection) before the start signal
            barrier.wait()
            call[1](prepared)
            results[i] = "ok"
        except (Conflict, IllegalTransition) as e:
            results[i] = type(e).__name__
        except Exception as e:  # noqa: BLE001 - any other error is a failure of the test
            results[i] = repr(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results


def _assigned(world):
    case = register(world)
    actions.assign(world.actor("disp_zt"), case, department="lk-water")
    return case.pk


@pytest.mark.parametrize("preload", [True, False], ids=["stale-instance", "fresh-read"])
def test_accept_against_return(tworld, preload):
    for _ in range(ROUNDS):
        case_id = _assigned(tworld)
        events = Event.objects.count()

        def loader():
            return Case.objects.get(pk=case_id) if preload else case_id

        outcomes = race(
            (loader, lambda c: actions.accept(tworld.actor("water"), c)),
            (loader, lambda c: actions.return_case(tworld.actor("water"), c, reason="非本部门")),
        )
        assert sorted(outcomes)[1] == "ok" and sorted(outcomes)[0] in ("Conflict", "IllegalTransition"), outcomes
        case = Case.objects.get(pk=case_id)
        assert case.state == ("in_progress" if outcomes[0] == "ok" else "registered")
        assert Event.objects.count() == events + 1
        assert case.events.last().action == ("accept" if outcomes[0] == "ok" else "return")


def test_two_dispatchers_assign_at_once(tworld):
    for _ in range(ROUNDS):
        case_id = register(tworld).pk
        events = Event.objects.count()
        outcomes = race(
            (lambda: Case.objects.get(pk=case_id),
             lambda c: actions.assign(tworld.actor("disp_zt"), c, department="lk-water")),
            (lambda: Case.objects.get(pk=case_id),
             lambda c: actions.assign(tworld.actor("disp_lk"), c, department="lk-roads")),
        )
        assert outcomes.count("ok") == 1, outcomes
        assert set(outcomes) - {"ok"} <= {"Conflict", "IllegalTransition"}, outcomes
        case = Case.objects.get(pk=case_id)
        assert case.lead_department.code == ("lk-water" if outcomes[0] == "ok" else "lk-roads")
        assert case.version == 1 and Event.objects.count() == events + 1


def _post(url, token, body):
    def call(_):
        r = httpx.post(url, json=body, timeout=60, headers={"Authorization": f"Bearer {token}"})
        if r.status_code == 409:
            assert set(r.json()) >= {"code", "message"}
            raise Conflict(r.json()["code"])
        assert r.status_code == 200, r.text
    return (lambda: None, call)


def test_two_parallel_http_accepts(tworld, live_server):
    """Two people of the lead department press 签收 at the same moment."""
    url = live_server.url + "/api/v1/cases/{}/accept"
    for _ in range(ROUNDS):
        case_id = _assigned(tworld)
        events = Event.objects.count()
        outcomes = race(_post(url.format(case_id), tworld.tokens["water"], {}),
                        _post(url.format(case_id), tworld.tokens["water"], {"note": "我来"}))
        assert outcomes.count("ok") == 1 and outcomes.count("Conflict") == 1, outcomes
        assert Event.objects.count() == events + 1
        case = Case.objects.get(pk=case_id)
        assert case.version == 2 and case.state == "in_progress"


def test_two_parallel_http_assigns(tworld, live_server):
    url = live_server.url + "/api/v1/cases/{}/assign"
    for _ in range(ROUNDS):
        case_id = register(tworld).pk
        events = Event.objects.count()
        outcomes = race(_post(url.format(case_id), tworld.tokens["disp_zt"], {"department": "lk-water"}),
                        _post(url.format(case_id), tworld.tokens["disp_lk"], {"department": "lk-roads"}))
        assert outcomes.count("ok") == 1 and outcomes.count("Conflict") == 1, outcomes
        assert Event.objects.count() == events + 1
        case = Case.objects.get(pk=case_id)
        assert case.lead_department.code == ("lk-water" if outcomes[0] == "ok" else "lk-roads")
