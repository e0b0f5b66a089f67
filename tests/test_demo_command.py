"""`minqing demo`: the command, and its refusals (each test builds its own small demo)."""

from io import StringIO

import pytest
from django.core.management import call_command

from minqing.cases.models import Case
from minqing.demo import build
from minqing.demo.build import DemoError
from minqing.people.models import ApiToken, hash_token
from minqing.regions.models import Region


def test_refuses_a_database_with_other_regions(db):
    Region.objects.create(code="110000", name="北京市", level="province")
    with pytest.raises(DemoError):
        build(20)
    assert Case.objects.count() == 0


def test_command_builds_without_serving(db):
    out = StringIO()
    call_command("demo", "--no-serve", "--size", "30", stdout=out)
    text = out.getvalue()
    assert "demo12345" in text
    token = text.split("API token")[1].split(":", 1)[1].split()[0]
    assert ApiToken.objects.filter(key_hash=hash_token(token)).exists()
    assert Case.objects.exclude(channel="patrol").exclude(kind="wish").count() == 30  # beside: patrol hazards, wishes
    before = Case.objects.count()
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "nothing added" in out.getvalue()
    assert Case.objects.count() == before
