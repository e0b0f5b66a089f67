"""The one masking rule for personal data in every output.

``mask_name`` and ``mask_phone`` mask the reporter's own fields; ``mask_text``
masks personal data written inside free text (case text, address, answers,
notes): mobile numbers (with +86, spaces, dashes), landlines (with an area code,
or 7–8 digits after 电话/座机/…), 18-digit ID-card numbers (check character X
too), bank-card numbers (16–19 digits, grouped by four or not), e-mail addresses
and a name written after a marker (姓名、联系人、户主、报告人、反映人 …).

Left as written, on purpose (see ``tests/test_masking.py``): dates
(2026-11-03, 20261103), amounts, house numbers (12号楼502室), short service
numbers (12345, 110), tracking codes (MQ…), 12-digit division codes and other
digit runs shorter than a phone number or longer than a card number.

Who sees what unmasked is decided in ``minqing.people.scoping``
(``Actor.can_see_contact``, ``text_masker``); every output calls this module.
"""

import re

__all__ = ["mask_name", "mask_phone", "mask_text", "mask_email", "digits_only"]

# a digit run must not be glued to letters or digits (tracking codes MQ…, model numbers)
_B = r"(?<![0-9A-Za-z])"
_SEP = r"[ \-\u00a0\u3000]"  # what people put between digit groups

EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])([A-Za-z0-9._%+\-]{1,64})@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24})(?![A-Za-z0-9])")
# 18-digit ID cards (17 digits + digit or X), 6-8-4 grouped ones, bank cards of 16–19 digits
LONG_NUMBER = re.compile(
    r"(?=\d)" + _B + r"(?:\d{17}[Xx]|\d{16,19}|\d{6}" + _SEP + r"\d{8}" + _SEP + r"\d{3}[\dXx]"
    r"|\d{4}(?:" + _SEP + r"\d{4}){3}(?:" + _SEP + r"?\d{1,3})?)" + r"(?![0-9A-Za-z])"
)
MOBILE = re.compile(
    r"(?=[+0(（81])" + _B + r"((?:\+|00)?86" + _SEP + r"?|\(\+?86\)" + _SEP + r"?|（\+?86）" + _SEP + r"?)?"
    r"(1" + _SEP + r"?[3-9](?:" + _SEP + r"?\d){9})" + r"(?!\d)"
)
# landline with its area code: 0731-22334455, (0731)2233 4455, 010 2234 5678, 07312233445
LANDLINE = re.compile(
    r"(?=[(（0])" + _B + r"(\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3})(" + _SEP + r"?)"
    r"([2-9]\d{2,3}" + _SEP + r"?\d{4})" + r"(?!\d)"
)
# a local number of 7–8 digits right after a phone word: 电话：22334455, 座机 2233-4455
PHONE_WORD = r"(?:电话|座机|固话|手机|联系方式|联系电话|号码|tel|Tel|TEL|phone|Phone)"
LOCAL_NUMBER = re.compile(
    r"(" + PHONE_WORD + r"[\s:：]*(?:是|为)?[\s:：]*)"
    r"([2-9]\d{2,3}" + _SEP + r"?\d{4})" + r"(?!\d)"
)
# a name after a marker: 联系人：王小明 → 联系人：王**
NAME_MARKERS = ("姓名", "联系人", "户主", "报告人", "反映人", "来电人", "投诉人", "举报人", "求助人",
                "当事人", "申请人", "承租人")
NAME = re.compile(
    r"(" + "|".join(sorted(NAME_MARKERS, key=len, reverse=True)) + r")"
    r"([ \t\u3000]*[:：]?[ \t\u3000]*(?:是|为|叫)?[ \t\u3000]*)"
    r"([\u3400-\u9fff][\u3400-\u9fff·•]{1,5})"
)
# where a name written after a marker ends (the words that usually follow it)
_NAME_STOPS = ("电话", "手机", "座机", "联系", "反映", "来电", "投诉", "举报", "称", "说", "表示", "家住", "住在",
               "现住", "住", "家", "先生", "女士", "同志", "老师", "师傅", "大爷", "大妈", "阿姨", "的", "在", "于",
               "和", "与", "及", "等", "要求", "希望", "请求", "身份", "年龄", "性别", "今年", "因", "对", "向",
               "是", "为", "已", "也", "都", "不", "没", "未", "又", "还", "就", "到", "去", "来", "被", "把", "从",
               "了", "岁")
_NOT_A_NAME = ("本人", "自己", "匿名", "未知", "不详", "不愿", "没有", "无", "同上", "某某")


def digits_only(value):
    return re.sub(r"\D", "", value or "")


def mask_name(name):
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone):
    """A phone field: the first three and the last four digits stay (138****8000);
    a short one keeps less, so that at least four digits are always hidden."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) >= 7:
        keep = len(phone) - 4
        head = min(3, keep // 2)
        tail = keep - head
        return phone[:head] + "****" + (phone[-tail:] if tail else "")
    return "*" * len(phone)


def mask_email(local, domain):
    return local[:1] + "***@" + domain


def _long_number(m):
    s = m.group(0)
    d = re.sub(r"[^0-9Xx]", "", s)
    if len(d) == 18 and (d[-1] in "Xx" or _looks_like_id(d)):
        return d[:6] + "*" * 8 + d[-4:]
    return d[:4] + "*" * (len(d) - 8) + d[-4:]


def _looks_like_id(d):
    return d[6:8] in ("18", "19", "20") and "01" <= d[10:12] <= "12"


def _mobile(m):
    prefix = m.group(1) or ""
    d = digits_only(m.group(2))
    return prefix + d[:3] + "****" + d[-4:]


def _local(number):
    d = digits_only(number)
    return "****" + d[4:]


def _landline(m):
    return m.group(1) + m.group(2) + _local(m.group(3))


def _local_number(m):
    return m.group(1) + _local(m.group(2))


def _name(m):
    name = m.group(3)
    if name.startswith(_NAME_STOPS) or name.startswith(_NOT_A_NAME):
        return m.group(0)
    cut = min(len(name), 4)  # 2–3 characters, 4 with a compound surname
    for stop in _NAME_STOPS:
        i = name.find(stop, 1 if len(stop) > 1 else 2)
        if 0 < i < cut:
            cut = i
    name, rest = name[:cut], name[cut:]
    if len(name) < 2:
        return m.group(0)
    return m.group(1) + m.group(2) + mask_name(name) + rest


_DIGIT = re.compile(r"\d")
# full-width digits and signs (typed with a Chinese input method) are read as ASCII ones
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－＠", "0123456789+-@")
_HAS_FULL_WIDTH = re.compile("[０-９＋－＠]")
_NAME_HINTS = ("人", "姓名", "户主")


def mask_text(text):
    """Personal data inside free text, masked (see the module's docstring)."""
    if not text:
        return text or ""
    if _HAS_FULL_WIDTH.search(text):
        text = text.translate(_FULL_WIDTH)
    if "@" in text:
        text = EMAIL.sub(lambda m: mask_email(m.group(1), m.group(2)), text)
    if len(_DIGIT.findall(text)) >= 7:  # every number masked here has at least seven digits
        text = LONG_NUMBER.sub(_long_number, text)
        text = MOBILE.sub(_mobile, text)
        text = LANDLINE.sub(_landline, text)
        text = LOCAL_NUMBER.sub(_local_number, text)
    if any(h in text for h in _NAME_HINTS):
        text = NAME.sub(_name, text)
    return text
