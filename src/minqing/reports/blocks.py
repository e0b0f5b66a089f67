"""What a report section is made of, for the three renderers (docx, pdf, xlsx).

A value in a table is kept raw (an int, a rate as a fraction, None): each renderer formats
it (a rate as "85.3%" on paper, as a number with a percent format in the XLSX), so the XLSX
holds exactly the figures ``/api/v1/stats`` answers."""

from dataclasses import dataclass, field


@dataclass
class Paragraph:
    text: str


@dataclass
class Rate:
    """A rate (a fraction 0..1, or None) in a table cell."""

    value: float | None


@dataclass
class Change:
    """环比/同比: the change from ``base`` to ``now``; for rates in percentage points."""

    now: float | int | None
    base: float | int | None
    rate: bool = False

    @property
    def value(self):
        if self.now is None or self.base is None:
            return None
        if self.rate:
            return round(self.now - self.base, 4)
        if not self.base:
            return None
        return round((self.now - self.base) / self.base, 4)


@dataclass
class Table:
    title: str
    headers: list
    rows: list  # lists of str / int / float / Rate / Change / None
    key: str = ""  # the sheet's name in the XLSX (and the tests' handle)


@dataclass
class Chart:
    title: str
    png: bytes


@dataclass
class Sub:
    """（一）（二）…: a subsection with its own blocks."""

    title: str
    blocks: list = field(default_factory=list)


@dataclass
class SectionOut:
    key: str
    title: str
    blocks: list


def fmt(value):
    """A cell as printed on paper."""
    if isinstance(value, Rate):
        return "—" if value.value is None else f"{value.value * 100:.1f}%"
    if isinstance(value, Change):
        v = value.value
        if v is None:
            return "—"
        if value.rate:
            pts = v * 100
            return "持平" if abs(pts) < 0.05 else f"{'↑' if pts > 0 else '↓'}{abs(pts):.1f}个百分点"
        return "持平" if v == 0 else f"{'↑' if v > 0 else '↓'}{abs(v) * 100:.1f}%"
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def trend_words(change):
    """"同比下降32.4%" style words for a count change (None: no base)."""
    v = change.value
    if v is None:
        return None
    if change.rate:
        pts = abs(v) * 100
        return "持平" if pts < 0.05 else f"{'上升' if v > 0 else '下降'}{pts:.1f}个百分点"
    return "持平" if v == 0 else f"{'增长' if v > 0 else '下降'}{abs(v) * 100:.1f}%"
