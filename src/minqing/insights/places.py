"""Place: find the place a text names and resolve it to the deepest Region it can.

Two sources of names:

- the national division table shipped in ``data/gazetteer.tsv.gz`` (province,
  city, county with their 6-digit codes; townships by name under their county;
  renamed and abolished divisions) — see ``data/build_gazetteer.py``;
- the deployment's own ``Region`` table (every level down to villages,
  communities and grids), with ``Region.aliases`` for former or colloquial names.

Every name found in the (normalised, so simplified) text is a *mention* with
one or more candidate places. Each candidate is a chain of identities from the
province down; a mention *supports* a candidate when one of its own candidates
lies on that chain. The winner has the most support, then reaches deepest into
the deployment's own tree, then is the deepest level. Short forms of places
outside the deployment ("道里" in "楼道里") count only with support. So "渌口区朱亭村" (town omitted)
resolves to the village under 朱亭镇, "株洲县" (renamed 2018) to 渌口区, and a
name shared by two villages is settled by the township or county written with it
(or, when nothing settles it, by their common ancestor).
"""

import gzip
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .normalize import normalize

DATA = Path(__file__).with_name("data") / "gazetteer.tsv.gz"
LEVELS = ["province", "city", "county", "township", "village", "grid"]
LEVEL_RANK = {lv: i for i, lv in enumerate(LEVELS)}
_GAZ_LEVEL = {"P": "province", "C": "city", "X": "county"}
# Short forms that are ordinary words, never taken as a place on their own.
_SHORT_STOP = {"城区", "郊区", "矿区", "新区", "市辖", "开发", "东区", "西区", "南区", "北区", "中区", "高新", "市中",
               "省直辖", "自治"}
_COUNTY_SUFFIXES = ("自治县", "新区", "区", "县", "市", "旗")


@dataclass
class Node:
    ident: str  # a Region code, a national code, or "T:<county>:<name>" for a township known only by name
    name: str
    level: str
    parent: str | None  # ident of the parent node
    region_id: int | None = None  # the deployment's Region, when it has this place
    code: str | None = None  # the code shown to users (None for a township known only by name)


@dataclass
class Index:
    nodes: dict = field(default_factory=dict)  # ident -> Node
    names: dict = field(default_factory=dict)  # name -> list of (ident, alias?)
    lengths: dict = field(default_factory=dict)  # first two chars -> lengths, longest first
    chains: dict = field(default_factory=dict)  # ident -> tuple of idents from the root

    cow: bool = False  # names' lists are shared with the national index: copy before changing

    def add_name(self, name, ident, alias=False, weak=False):
        """``weak``: a short form of a place outside the deployment ("道里" in "楼道里"), taken
        only when another name in the text supports the same place."""
        if len(name) < 2:
            return
        refs = list(self.names.get(name, ())) if self.cow else self.names.setdefault(name, [])
        for i, r in enumerate(refs):
            if r[0] == ident:
                if r[2] and not weak:
                    refs[i] = (ident, alias, False)
                    self.names[name] = refs
                return
        refs.append((ident, alias, weak))
        self.names[name] = refs
        if self.cow and len(name) not in self.lengths.get(name[:2], ()):
            self.lengths[name[:2]] = sorted({*self.lengths.get(name[:2], ()), len(name)}, reverse=True)

    def drop_ref(self, name, ident):
        refs = [r for r in self.names.get(name, ()) if r[0] != ident]
        if refs:
            self.names[name] = refs
        else:
            self.names.pop(name, None)

    def finish(self):
        lengths = {}
        for name in self.names:
            lengths.setdefault(name[:2], set()).add(len(name))
        self.lengths = {k: sorted(v, reverse=True) for k, v in lengths.items()}
        self.chains = {}

    def chain(self, ident):
        got = self.chains.get(ident)
        if got is not None:
            return got
        out, seen, cur = [], set(), ident
        while cur is not None and cur not in seen and cur in self.nodes:
            seen.add(cur)
            out.append(cur)
            cur = self.nodes[cur].parent
        got = tuple(reversed(out))
        self.chains[ident] = got
        return got


def _short_county(name):
    for suf in _COUNTY_SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return None


COMMON_WORD_FREQ = 1000  # a short form this frequent in jieba's dictionary is an ordinary word


def _common_word(word):
    from .text import _jieba

    return _jieba().FREQ.get(word, 0) >= COMMON_WORD_FREQ


def _short_township(name):
    for suf in ("街道办事处", "街道", "镇", "乡"):
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return None


@lru_cache(maxsize=1)
def gazetteer():
    """The national table: (nodes, names, renamed) as plain data, loaded once."""
    nodes, townships, renamed = {}, [], []
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        for line in fh:
            p = line.rstrip("\n").split("\t")
            tag = p[0]
            if tag in _GAZ_LEVEL:
                code, name, short = p[1], p[2], p[3]
                parent = p[4] if len(p) > 4 and p[4] else None
                if parent == code:
                    parent = None
                if code in nodes:  # a municipality's city level repeats its province's code
                    continue
                nodes[code] = (name, short, _GAZ_LEVEL[tag], parent)
            elif tag == "T":
                townships.append((p[1], p[2]))
            elif tag == "R":
                renamed.append((p[1], p[2], p[3]))
    return nodes, townships, renamed


@lru_cache(maxsize=1)
def _national():
    """The national table as an Index (built once per process; ``_build`` overlays the deployment)."""
    gnodes, townships, renamed = gazetteer()
    idx = Index()
    for code, (name, short, level, parent) in gnodes.items():
        idx.nodes[code] = Node(code, name, level, parent, None, code)
        idx.add_name(name, code)
        if short and short != name and short not in _SHORT_STOP and len(short) >= 2:
            idx.add_name(short, code, weak=level != "province")
    for county, name in townships:
        if county not in idx.nodes:
            continue
        ident = f"T:{county}:{name}"
        idx.nodes[ident] = Node(ident, name, "township", county, None, None)
        # a two-character township name far away ("社区", "东城", "苗圃") is an ordinary word: support needed
        idx.add_name(name, ident, weak=len(name) <= 2)
    for old, level, new_code in renamed:
        if new_code in idx.nodes and old not in ("城区", "郊区", "矿区"):
            idx.add_name(old, new_code, alias=True)
            short = _short_county(old) if level == "county" else None
            if short and short not in _SHORT_STOP and short not in idx.names:
                idx.add_name(short, new_code, alias=True, weak=True)
    return idx


def _build(regions):
    """The national index overlaid with the deployment's regions (``regions``: dicts with
    id, code, name, level, parent_id, aliases). The national index is not modified."""
    base = _national()
    if not base.lengths:
        base.finish()
    idx = Index(nodes=dict(base.nodes), names=dict(base.names), lengths=dict(base.lengths))
    idx.cow = True
    by_id = {r["id"]: r for r in regions}
    for r in regions:
        code = r["code"]
        parent = by_id.get(r["parent_id"])
        parent_ident = parent["code"] if parent else None
        name = normalize(r["name"])
        node = idx.nodes.get(code)
        if node is not None:
            # a national place the deployment has: it is now the deployment's region
            idx.nodes[code] = Node(code, node.name, node.level, parent_ident or node.parent, r["id"], code)
            for short in (_short_county(name),):
                if short and short in idx.names:
                    idx.add_name(short, code)  # no longer weak
        else:
            idx.nodes[code] = Node(code, name, r["level"], parent_ident, r["id"], code)
        if r["level"] == "township" and parent_ident:
            # the national township of that name under that county is this region
            twin = f"T:{parent_ident}:{name}"
            if twin in idx.nodes:
                idx.drop_ref(name, twin)
        idx.add_name(name, code)
        if r["level"] in ("county", "city"):
            short = _short_county(name)
            if short and short not in _SHORT_STOP:
                idx.add_name(short, code)
        elif r["level"] == "township":
            short = _short_township(name)
            if short and short not in _SHORT_STOP:
                # "建设" of 建设街道 is mostly the word 建设 ("农田建设"): alone it needs support
                idx.add_name(short, code, alias=True, weak=_common_word(short))
        for alias in r.get("aliases") or []:
            alias = normalize(str(alias))
            idx.add_name(alias, code, alias=True)
            if r["level"] in ("county", "city"):
                short = _short_county(alias)
                if short and short not in _SHORT_STOP:
                    idx.add_name(short, code, alias=True)
    idx.chains = {}
    return idx


# ---- the deployment index, rebuilt when the Region table changes ----------------

_lock = threading.Lock()
_state = {"index": None, "stamp": None, "checked": 0.0}
CHECK_EVERY = 30.0  # seconds between cheap "has the region table changed?" checks


def _stamp():
    from django.db.models import Count, Max

    from minqing.regions.models import Region

    agg = Region.objects.aggregate(n=Count("id"), m=Max("id"))
    return (agg["n"], agg["m"], _state.get("dirty", 0))


def invalidate(**kwargs):
    _state["dirty"] = _state.get("dirty", 0) + 1
    _state["checked"] = 0.0


def index():
    now = time.monotonic()
    idx = _state["index"]
    if idx is not None and now - _state["checked"] < CHECK_EVERY:
        return idx
    stamp = _stamp()
    _state["checked"] = now
    if idx is not None and stamp == _state["stamp"]:
        return idx
    with _lock:
        from minqing.regions.models import Region

        regions = list(Region.objects.values("id", "code", "name", "level", "parent_id", "aliases"))
        _state["index"] = _build(regions)
        _state["stamp"] = stamp
        return _state["index"]


# ---- finding and resolving -------------------------------------------------------


def mentions(text, idx=None):
    """[(word, start, [(ident, alias)])] for every name in a normalised text, longest first, left to right."""
    idx = idx or index()
    out, i, n = [], 0, len(text)
    names, lengths = idx.names, idx.lengths
    while i < n - 1:
        found = None
        for length in lengths.get(text[i : i + 2], ()):
            if i + length <= n:
                word = text[i : i + length]
                refs = names.get(word)
                if refs:
                    found = (word, i, refs)
                    break
        if found:
            out.append(found)
            i += len(found[0])
        else:
            i += 1
    return out


def _lca(chains):
    common = []
    for items in zip(*chains):
        if all(x == items[0] for x in items):
            common.append(items[0])
        else:
            break
    return common[-1] if common else None


def resolve(text, idx=None, normalized=False):
    """The place a text names: {code, name, level, words, region_id, chain} or None.

    ``chain`` lists {level, code, name} from the province down; ``region_id`` is the
    deepest Region of the deployment on that chain (None when the deployment has none).
    """
    idx = idx or index()
    norm = text if normalized else normalize(text)
    found = mentions(norm, idx)
    if not found:
        return None
    cands = {}
    for _word, _start, refs in found:
        for ident, alias, _weak in refs:
            cands.setdefault(ident, alias)
    best, best_key, best_words = [], None, None
    for ident, alias in cands.items():
        chain = idx.chain(ident)
        on_chain = set(chain)
        words, strong = [], 0
        for w, _s, refs in found:
            if w in words:  # a name written twice is still one name: it supports a place once
                continue
            hit = [r for r in refs if r[0] in on_chain]
            if hit:
                words.append(w)
                strong += any(not r[2] for r in hit)
        if not strong and len(words) < 2:
            continue
        node = idx.nodes[ident]
        key = (
            len(words),
            max((i for i, c in enumerate(chain) if idx.nodes[c].region_id is not None), default=-1),
            LEVEL_RANK.get(node.level, 0),
            not alias,
        )
        if best_key is None or key > best_key:
            best, best_key, best_words = [ident], key, words
        elif key == best_key:
            best.append(ident)
    if not best:
        return None
    if len(best) == 1:
        ident = best[0]
    else:
        ident = _lca([idx.chain(b) for b in best])
        if ident is None:
            return None
    return describe(ident, idx, best_words)


def describe(ident, idx, words=()):
    chain = idx.chain(ident)
    nodes = [idx.nodes[c] for c in chain]
    node = idx.nodes[ident]
    region_id, region_code = None, None
    for n in nodes:
        if n.region_id is not None:
            region_id, region_code = n.region_id, n.code
    return {
        "code": node.code,
        "name": node.name,
        "level": node.level,
        "words": list(dict.fromkeys(words)),
        "region_id": region_id,
        "region_code": region_code,
        "chain": [{"level": n.level, "code": n.code, "name": n.name} for n in nodes],
    }


def code_at(place, level):
    """The code of the place's ancestor-or-self at ``level`` (None if the chain has none there)."""
    if not place:
        return None
    for item in place["chain"]:
        if item["level"] == level:
            return item["code"] or f"{item['name']}"
    return None


def connect_signals():
    from django.db.models.signals import post_delete, post_save

    from minqing.regions.models import Region

    post_save.connect(invalidate, sender=Region, dispatch_uid="insights_places_region_saved")
    post_delete.connect(invalidate, sender=Region, dispatch_uid="insights_places_region_deleted")
