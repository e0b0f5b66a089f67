"""A reporter's phone number as one key, for finding a caller's earlier cases.

Numbers are stored as the reporter or operator typed them ("138-0013-8000",
"+86 138 0013 8000"); ``PhoneKey`` is the same number with separators and a
leading +86 removed, computed by the database, and ``cases.Case`` has an index on
exactly that expression (``case_phone_key``), so a lookup by ``phone_key(number)``
seeks the index on SQLite and PostgreSQL alike. The expression is written with
literals (no bound parameters) so that the query's text matches the index's.
"""

import re

from django.db.models import CharField, F, Func

from .errors import InvalidInput

MAX_PHONE_INPUT = 40
_SEPARATORS = re.compile(r"[\s\-().·]")


class PhoneKey(Func):
    """REPLACE(REPLACE(REPLACE(phone, '-', ''), ' ', ''), '+86', ''): the stored number's key.
    ``actions.PHONE_RE`` lets only digits, '-', ' ' and a leading '+' into a stored number."""

    template = "REPLACE(REPLACE(REPLACE(%(expressions)s, '-', ''), ' ', ''), '+86', '')"
    arity = 1
    output_field = CharField()


def phone_key_expression():
    return PhoneKey(F("reporter_phone"))


def normalize_phone(value, field="phone"):
    """The key of a number as a person types it: separators ((), -, spaces, dots) dropped,
    a country code +86 / 0086 / 86 before a mobile number dropped; InvalidInput when what is
    left is not 5–20 digits."""
    raw = (value or "").strip()
    if len(raw) > MAX_PHONE_INPUT:
        raise InvalidInput(f"电话号码过长 / {field} is too long", field=field)
    s = _SEPARATORS.sub("", raw).translate(str.maketrans("０１２３４５６７８９＋", "0123456789+"))
    if s.startswith("+86"):
        s = s[3:]
    elif s.startswith("0086"):
        s = s[4:]
    elif len(s) == 13 and s.startswith("861"):
        s = s[2:]
    if not re.fullmatch(r"[0-9]{5,20}", s):
        raise InvalidInput(f"电话号码格式不正确 / {field} is not a phone number", field=field)
    return s


def cases_by_phone(qs, number, field="phone"):
    """The cases of ``qs`` whose reporter phone is ``number`` (any spelling), newest first."""
    key = normalize_phone(number, field)
    return qs.alias(phone_key=phone_key_expression()).filter(phone_key=key).order_by("-registered_at", "-id")
