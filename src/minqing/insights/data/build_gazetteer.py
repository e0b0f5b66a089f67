"""Build ``gazetteer.tsv.gz`` (the national division table above the village level).

Not run at run time. The source is the division dictionary that ships in the
PyPI package ``jionlp`` (Apache-2.0): ``jionlp/dictionary/china_location.zip``
(province → city → county with their 6-digit codes, and the townships of each
county by name) and ``china_location_change.txt`` (renamed and abolished
divisions). To rebuild::

    pip download --no-deps jionlp && unzip -q jionlp-*.whl 'jionlp/dictionary/china_location*'
    python -m minqing.insights.data.build_gazetteer jionlp/dictionary > gazetteer.tsv  # then gzip -9

Output lines (tab-separated):
    P  code  name  short                 province
    C  code  name  short  parent_code    city (prefecture level)
    X  code  name  short  parent_code    county level
    T  county_code  name                 township level (no national code in the source)
    R  old_name  level  new_code  date   a renamed or abolished division and where it went
"""

import io
import sys
import zipfile
from pathlib import Path


def build(src_dir, out):
    src = Path(src_dir)
    with zipfile.ZipFile(src / "china_location.zip") as z:
        text = z.read(z.namelist()[0]).decode("utf-8")
    stack = {}
    seen = set()
    by_name = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        parts = line.strip("\t").split("\t")
        if depth <= 2:
            name, code, short = (parts + ["", ""])[:3]
            tag = "PCX"[depth]
            parent = stack.get(depth - 1, "")
            stack[depth] = code
            key = (tag, code)
            if key in seen:
                continue
            seen.add(key)
            by_name.setdefault((tag, name), code)
            row = [tag, code, name, short] + ([parent] if depth else [])
            out.write("\t".join(row) + "\n")
        elif depth == 3:
            key = ("T", stack[2], parts[0])
            if key in seen:
                continue
            seen.add(key)
            out.write(f"T\t{stack[2]}\t{parts[0]}\n")
    for line in (src / "china_location_change.txt").read_text("utf-8").splitlines():
        if "=>" not in line:
            continue
        left, right = line.split("=>")
        lf, rf = left.split("\t"), right.split("\t")
        date = lf[0]
        old = [x for x in lf[2:] if x]
        new = [x for x in rf if x]
        # old: prov, prov_short, city, city_short[, county, county_short]; new: prov, city[, county]
        if len(old) >= 6 and len(new) >= 3:
            code = by_name.get(("X", new[2]))
            if code:
                out.write(f"R\t{old[4]}\tcounty\t{code}\t{date}\n")
        elif len(old) >= 4 and len(new) >= 2:
            code = by_name.get(("C", new[1]))
            if code:
                out.write(f"R\t{old[2]}\tcity\t{code}\t{date}\n")


if __name__ == "__main__":
    buf = io.StringIO()
    build(sys.argv[1], buf)
    sys.stdout.write(buf.getvalue())
