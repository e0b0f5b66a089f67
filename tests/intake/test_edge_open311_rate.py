"""Open311 POST's rate limit counts the submissions of the last 60 seconds (a sliding
window): no double burst at a minute boundary."""

import datetime as dt

from django.utils import timezone

from minqing.intake.models import Open311Client, Open311Submission

BODY = {"service_code": "water_supply", "address_string": "朱亭村", "attribute[problem]": "no_water"}


def _post(client, key):
    return client.post("/open311/v2/requests.json", {"api_key": key, **BODY})


def test_no_double_burst_at_a_minute_boundary(client, water_service, o311_key, settings):
    settings.MINQING_OPEN311_RATE_PER_MINUTE = 2
    assert [_post(client, o311_key).status_code for _ in range(2)] == [200, 200]
    # those two were made at the very end of the previous minute (59.5 s ago) ...
    sub = Open311Client.authenticate(o311_key)
    Open311Submission.objects.filter(client=sub).update(created_at=timezone.now() - dt.timedelta(seconds=59.5))
    # ... a fixed per-minute window would let two more through now; the sliding one refuses
    assert _post(client, o311_key).status_code == 429
    # once they are a minute old, there is room again
    Open311Submission.objects.filter(client=sub).update(created_at=timezone.now() - dt.timedelta(seconds=61))
    assert [_post(client, o311_key).status_code for _ in range(3)] == [200, 200, 429]
