"""Tracking codes: "MQ" and ten characters of the unambiguous alphabet, every position uniform."""

import re
from collections import Counter

from minqing.cases.actions import TRACKING_ALPHABET, new_tracking_code


def test_format_and_spread():
    codes = [new_tracking_code() for _ in range(6400)]
    assert all(re.fullmatch(f"MQ[{TRACKING_ALPHABET}]{{10}}", c) for c in codes)
    assert len(set(codes)) == len(codes)
    for pos in (2, 6, 11):  # each position uses the whole alphabet, roughly evenly (200 expected each)
        seen = Counter(c[pos] for c in codes)
        assert set(seen) == set(TRACKING_ALPHABET)
        assert max(seen.values()) < 320 and min(seen.values()) > 100
