"""统一社会信用代码 (GB 32100-2015): 18 characters, the last one a check character.

Characters are drawn from 0-9 and the capital letters without I, O, Z, S, V
(31 in all).  The check character is 31 - (Σ value(c_i)·w_i mod 31) over the
first 17 characters with weights 3^(i) mod 31; a result of 31 is written 0.
Positions 3–8 are the registering authority's division code (digits only).
"""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


class CreditCodeError(ValueError):
    pass


def check_char(first17):
    total = sum(VALUES[c] * w for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code):
    return (code or "").strip().upper().replace(" ", "")


def validate(code):
    """Return the normalised code, or raise CreditCodeError with a bilingual reason."""
    code = normalize(code)
    if len(code) != 18:
        raise CreditCodeError(f"应为18位，实为{len(code)}位 / must be 18 characters, got {len(code)}")
    bad = sorted({c for c in code if c not in VALUES})
    if bad:
        raise CreditCodeError(f"含非法字符 {''.join(bad)} / invalid characters: {''.join(bad)}")
    if not code[2:8].isdigit():
        raise CreditCodeError("第3-8位应为行政区划码数字 / positions 3-8 must be a division code (digits)")
    expected = check_char(code[:17])
    if code[17] != expected:
        raise CreditCodeError(f"校验位错误，应为 {expected} / wrong check character, expected {expected}")
    return code


def is_valid(code):
    try:
        validate(code)
        return True
    except CreditCodeError:
        return False


def make(first17):
    """Complete 17 characters with their check character (for tests and generated data)."""
    first17 = normalize(first17)
    return first17 + check_char(first17)
