"""Charts for the reports: matplotlib (Agg, no display) with a CJK font from the system
(Debian's fonts-noto-cjk, installed by scripts/install.sh; WenQuanYi as a fallback)."""

import io
import threading
from functools import lru_cache

_lock = threading.Lock()  # pyplot keeps global state: one chart at a time per process

CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


@lru_cache(maxsize=1)
def cjk_font():
    """The family name of an installed CJK font registered with matplotlib, or None."""
    import os

    from matplotlib import font_manager

    candidates = [p for p in CJK_FONT_FILES if os.path.exists(p)]
    if not candidates:
        for f in font_manager.findSystemFonts():
            low = f.lower()
            if "cjk" in low or "wqy" in low or "droidsansfallback" in low:
                candidates.append(f)
    for path in candidates:
        try:
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
        except Exception:  # noqa: BLE001, S112 - an unreadable font file: try the next
            continue
    return None


def bar_chart(title, labels, series, *, percent=False, horizontal=True):
    """A grouped bar chart as PNG bytes. ``series``: [(name, [values…])]."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    with _lock:
        font = cjk_font()
        rc = {"font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"], "axes.unicode_minus": False}
        with matplotlib.rc_context(rc):
            n = max(1, len(labels))
            height = max(2.4, 0.2 * n * max(1, len(series)) + 1.0) if horizontal else 3.4
            fig = Figure(figsize=(7.0, min(height, 6.5)), dpi=110)
            ax = fig.add_subplot(1, 1, 1)
            width = 0.8 / max(1, len(series))
            colors = ["#c0392b", "#7f8c8d", "#2c7fb8", "#27ae60"]
            for i, (name, values) in enumerate(series):
                vals = [(v or 0) * (100 if percent else 1) for v in values]
                pos = [j + (i - (len(series) - 1) / 2) * width for j in range(len(labels))]
                if horizontal:
                    ax.barh(pos, vals, height=width, label=name, color=colors[i % len(colors)])
                else:
                    ax.bar(pos, vals, width=width, label=name, color=colors[i % len(colors)])
            if horizontal:
                ax.set_yticks(range(len(labels)), labels)
                ax.invert_yaxis()
                if percent:
                    ax.set_xlabel("%")
            else:
                ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
                if percent:
                    ax.set_ylabel("%")
            ax.set_title(title)
            if len(series) > 1:
                ax.legend(fontsize=8)
            ax.spines[["top", "right"]].set_visible(False)
            fig.tight_layout()
            buf = io.BytesIO()
            fig.savefig(buf, format="png")
            return buf.getvalue()
