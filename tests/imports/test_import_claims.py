"""Several workers at once: a waiting import is claimed by exactly one of them (threads with
their own database connections, released together), and each job is processed once."""

import pytest
from test_concurrency import race

from minqing.imports import actions
from minqing.imports.models import AdminEvent, ImportJob, Status
from minqing.visits.models import Subject

from .helpers import HOUSEHOLD_HEADER, csv_upload, households

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def test_three_workers_claim_one_waiting_import_once(tworld):
    job = actions.do_upload(tworld.actor("admin"), kind="subjects",
                            upload=csv_upload("h.csv", HOUSEHOLD_HEADER, households(bad=False)))
    actions.do_set_mapping(tworld.actor("admin"), job, job.mapping, False)
    claimed = []

    def work(_):
        got = actions.claim_next()
        if got is not None:
            claimed.append(got.pk)
            actions.process(got)

    results = race(*[(lambda: None, work)] * 3)
    assert results == ["ok", "ok", "ok"]
    assert claimed == [job.pk]
    job.refresh_from_db()
    assert job.status == Status.CHECKED and job.bad_rows == []

    actions.do_confirm(tworld.actor("admin"), job)
    claimed.clear()
    assert race(*[(lambda: None, work)] * 3) == ["ok", "ok", "ok"]
    assert claimed == [job.pk]
    assert Subject.objects.count() == 3
    assert AdminEvent.objects.filter(action="import_done").count() == 1
    assert ImportJob.objects.get().status == Status.DONE
