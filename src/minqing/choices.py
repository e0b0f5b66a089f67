"""A choice given by its stored value or by its label: ``--rank 科级`` as well as ``--rank section``.

``parse_choice(TextChoices, text, aliases)`` answers the stored value or None; ``choice_type`` wraps it
for argparse (an unknown word is a usage error listing the accepted ones).  Labels are compared in
Chinese and in English (case-insensitive), so a choice is accepted in the words the pages show."""

import argparse

from django.utils import translation

# everyday words people use besides the labels
ALIASES = {
    "visits.Method": {"上门": "door", "入户": "door", "走访": "door", "电话回访": "phone", "打电话": "phone",
                      "微信联系": "wechat", "夜话": "meeting", "屋场会": "meeting", "会议": "meeting",
                      "座谈": "meeting", "座谈会": "meeting", "院落会": "meeting"},
    "visits.Pairing.Role": {"结对": "paired", "帮扶": "paired", "管家": "steward", "联系": "contact"},
    "visits.SubjectKind": {"农户": "household", "居民户": "household", "家庭": "household", "住户": "household",
                           "单位": "enterprise", "公司": "enterprise", "企": "enterprise"},
    "people.Role": {"干部": "cadre", "网格员": "cadre", "调度": "dispatcher", "承办": "handler", "督办": "supervisor",
                    "回访": "return_visitor", "接诉": "operator", "话务员": "operator", "坐席": "operator",
                    "测评": "surveyor", "群众评议": "surveyor"},
    "people.Rank": {"科员级": "staff", "科级干部": "section", "处级干部": "division", "厅级干部": "bureau",
                    "正科": "section", "副科": "section", "正处": "division", "副处": "division"},
}


def _labels(choices):
    out = {}
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            for value, label in choices.choices:
                out.setdefault(str(label).strip().lower(), value)
    return out


def parse_choice(choices, text, aliases=None):
    """The stored value for ``text`` (a value, a label in Chinese or English, or an alias), or None."""
    if text is None:
        return None
    t = str(text).strip()
    if t in choices.values:
        return t
    low = t.lower()
    for value in choices.values:
        if value and value.lower() == low:
            return value
    if aliases and t in aliases:
        return aliases[t]
    return _labels(choices).get(low) if low else None


def accepted(choices, aliases=None, blank=False):
    """The words a choice accepts, for messages: "door (入户走访), phone (电话), …"."""
    with translation.override("zh-hans"):
        return ", ".join(f"{v} ({label})" for v, label in choices.choices if v or blank)


def choice_type(choices, aliases=None, blank=False):
    """An argparse ``type=`` accepting a value or its label."""

    def convert(text):
        value = parse_choice(choices, text, aliases)
        if value is None or (value == "" and not blank):
            raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {accepted(choices, aliases, blank)})")
        return value

    convert.__name__ = choices.__name__
    return convert
