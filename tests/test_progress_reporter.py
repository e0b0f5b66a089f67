import io

from minqing.progress import NOOP, terminal


def test_not_a_terminal_prints_one_summary_line():
    out = io.StringIO()
    with terminal("导入住户", out) as progress:
        for i in range(0, 1001, 100):
            progress(i, 1000)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("导入住户: 1,000/1,000 in ")


def test_unknown_total_counts_what_was_done():
    out = io.StringIO()
    with terminal("索引", out) as progress:
        progress(5)
        progress(7)
    assert out.getvalue().startswith("索引: 7 in ")


def test_a_terminal_gets_a_bar_with_rate_and_time_left():
    out = io.StringIO()
    with terminal("建立演示数据", out, force_bar=True) as progress:
        progress(50, 100)
        progress(100, 100)
    text = out.getvalue()
    assert "建立演示数据" in text and "100/100" in text


def test_noop_accepts_both_forms():
    NOOP(1)
    NOOP(1, 2)
