"""The demo's import page is not empty: the admin's household import of one village, done
through the page's own steps (upload, mapping, check, confirm, the worker's run), with one
row rejected (a wrong village code) to download, fix and upload again."""

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from minqing.tabular import csv_bytes


def build_import_example(village, admin_username="admin"):
    from minqing.imports import actions
    from minqing.people.scoping import Actor

    actor = Actor.for_user(get_user_model().objects.get(username=admin_username))
    header = ["编号", "类型", "户主姓名", "村代码", "地址"]
    names = ["周建国", "周桂英", "谭志强", "谭秀兰", "易德胜"]
    rows = [[f"IMP-{village.code}-{i:02d}", "农户", name, village.code, f"{village.name}{i}组"]
            for i, name in enumerate(names, 1)]
    rows[3][3] = village.code[:-1] + "X"  # a typo the check finds
    upload = SimpleUploadedFile(f"{village.name}住户.csv", csv_bytes(header, rows), content_type="text/csv")
    job = actions.do_upload(actor, kind="subjects", upload=upload, skip_bad=True)
    job = actions.do_set_mapping(actor, job, job.mapping, True)
    job = actions.process(actions.claim_next())
    actions.do_confirm(actor, job)
    return actions.process(actions.claim_next())
