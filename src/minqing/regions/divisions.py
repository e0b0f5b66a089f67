"""The national division table shipped with minqing (``data/divisions.tsv.xz``, built by
``scripts/build_divisions.py`` from the 2023 statistical division codes) and the small table of
renamed divisions (``data/renamed.tsv``). Read only; the database is changed by ``actions``.

Codes are 12 digits: ``PPCCXXTTTVVV`` (province, prefecture, county, township, village). A
shorter code (2, 4, 6 or 9 digits) is padded with zeros."""

from __future__ import annotations

import lzma
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


class Level:  # the values of ``models.Level`` (this module reads no models)
    PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE = "province", "city", "county", "township", "village"

DATA = Path(__file__).resolve().parent / "data"
TABLE = DATA / "divisions.tsv.xz"
RENAMED = DATA / "renamed.tsv"

# digits that name each level's own part of the code
PREFIX = {Level.PROVINCE: 2, Level.CITY: 4, Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}
CODE_RE = re.compile(r"^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$")


class DivisionError(ValueError):
    """A code that is not a division of the table (or not a code at all)."""


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX[self.level]]


@dataclass(frozen=True)
class Renamed:
    old_code: str
    old_name: str
    code: str
    name: str
    year: str


def level_of(code: str) -> str:
    if code.endswith("0000000000"):
        return Level.PROVINCE
    if code.endswith("00000000"):
        return Level.CITY
    if code.endswith("000000"):
        return Level.COUNTY
    if code.endswith("000"):
        return Level.TOWNSHIP
    return Level.VILLAGE


def normalize(code) -> str:
    """A division code as 12 digits; 2, 4, 6 or 9 digits are padded."""
    text = str(code or "").strip()
    if not CODE_RE.match(text):
        raise DivisionError(f"区划代码应为 2、4、6、9 或 12 位数字 / a division code is 2, 4, 6, 9 or 12 digits: {text[:40]!r}")
    return text.ljust(12, "0")


def _lines():
    with lzma.open(TABLE, "rt", encoding="utf-8") as f:
        for line in f:
            code, _, name = line.rstrip("\n").partition("\t")
            yield code, name


@lru_cache(maxsize=1)
def upper() -> dict[str, Division]:
    """Provinces, prefectures and counties (about 3,300 rows), for choosing one."""
    out = {}
    with lzma.open(TABLE, "rt", encoding="utf-8") as f:
        for line in f:
            if line[6:12] == "000000":
                code, _, name = line.rstrip("\n").partition("\t")
                out[code] = Division(code, name, level_of(code))
    return out


@lru_cache(maxsize=1)
def renamed() -> dict[str, Renamed]:
    out = {}
    for line in RENAMED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            old_code, old_name, code, name, year = line.split("\t")
            out[old_code] = Renamed(old_code, old_name, code, name, year)
    return out


def former_names(code: str) -> list[str]:
    return [r.old_name for r in renamed().values() if r.code == code]


def resolve(code) -> tuple[Division, Renamed | None]:
    """The division of a code (a former code leads to the current one, with the rename)."""
    code = normalize(code)
    rename = renamed().get(code)
    if rename is not None:
        code = rename.code
    found = upper().get(code)
    if found is None:
        if level_of(code) in (Level.TOWNSHIP, Level.VILLAGE):
            raise DivisionError(f"只能按省、市或县区建立 / choose a province, prefecture or county, not {code}")
        raise DivisionError(f"区划表中没有 {code} / no division {code} in the national table")
    return found, rename


def children(code: str | None) -> list[Division]:
    """The provinces (``None``), a province's prefectures or a prefecture's counties."""
    if code is None:
        return [d for d in upper().values() if d.level == Level.PROVINCE]
    parent = upper().get(code)
    if parent is None or parent.level == Level.COUNTY:
        return []
    want = Level.CITY if parent.level == Level.PROVINCE else Level.COUNTY
    return [d for d in upper().values() if d.level == want and d.code.startswith(parent.prefix)]


def ancestors(division: Division) -> list[Division]:
    """Province, prefecture above a division (top first), as the table has them."""
    table = upper()
    out = []
    for level in (Level.PROVINCE, Level.CITY):
        if PREFIX[level] < PREFIX[division.level]:
            code = division.code[: PREFIX[level]].ljust(12, "0")
            if code in table:
                out.append(table[code])
    return out


def subtree(division: Division, villages: bool = True) -> list[Division]:
    """Everything below a division (townships, and villages unless told not), by code."""
    return list(_subtree(division, villages))


@lru_cache(maxsize=8)
def _subtree(division: Division, villages: bool) -> tuple[Division, ...]:
    prefix = division.prefix
    out = []
    for code, name in _lines():  # sorted by code: the subtree is one run of lines
        if code[: len(prefix)] > prefix:
            break
        if code.startswith(prefix) and code != division.code:
            level = level_of(code)
            if level == Level.VILLAGE and not villages:
                continue
            out.append(Division(code, name, level))
    return tuple(out)


def parent_code(d: Division, known) -> str | None:
    """The code of a division's parent: the nearest shorter prefix that is a division
    (东莞市's townships hang right under the prefecture)."""
    order = [Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP]
    for level in reversed(order[: order.index(d.level) if d.level in order else len(order)]):
        code = d.code[: PREFIX[level]].ljust(12, "0")
        if code != d.code and code in known:
            return code
    return None
