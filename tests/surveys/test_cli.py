"""minqing survey plan | results | list."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from minqing.surveys.actions import do_record_response
from minqing.surveys.models import Survey

from .conftest import today


def run(*args):
    out = StringIO()
    call_command("survey", *args, stdout=out)
    return out.getvalue()


def test_plan_results_list(sworld):
    frm = (today() - dt.timedelta(days=30)).isoformat()
    out = run("plan", "--region", "430212", "--from", frm, "--to", today().isoformat(), "--per-department", "2",
              "--seed", "42")
    s = Survey.objects.get()
    assert f"#{s.pk}" in out and "4 件" in out and "seed 42" in out
    again = run("plan", "--region", "430212", "--from", frm, "--to", today().isoformat(), "--per-department", "2",
                "--seed", "42", "--as", "sup_lk")
    s2 = Survey.objects.exclude(pk=s.pk).get()
    assert "seed 42" in again
    assert list(s.items.values_list("case_id", flat=True)) == list(s2.items.values_list("case_id", flat=True))
    item = s.items.first()
    do_record_response(sworld.actor("surv_lk"), s, item.case_id, score=7, satisfied=True)
    table = run("results", str(s.pk))
    assert "合计 overall" in table and "100.0%" in table
    res = json.loads(run("results", str(s.pk), "--json"))
    assert res["overall"]["reached"] == 1 and res["overall"]["sampled"] == 4
    assert f"#{s2.pk}" in run("list")
    with pytest.raises(CommandError):
        run("plan", "--region", "430212", "--from", frm, "--to", today().isoformat(), "--as", "water")
    with pytest.raises(CommandError):
        run("plan", "--region", "430212", "--from", frm, "--to", today().isoformat(), "--per-department", "0")
    with pytest.raises(CommandError):
        run("results", "999999")
