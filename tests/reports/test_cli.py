"""minqing report: the file of the asked format, the period containing today by default, clear errors."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from minqing.reports import periods


def test_report_command_writes_the_file(rworld, tmp_path):
    import docx
    import openpyxl

    out = tmp_path / "m.docx"
    buf = io.StringIO()
    call_command("report", "--period", "month", "--region", "430212", "--date", rworld.month.start.isoformat(),
                 "--out", str(out), stdout=buf)
    d = docx.Document(str(out))
    assert d.paragraphs[0].text == "渌口区民情工作月报"
    assert d.paragraphs[1].text == f"（{rworld.month.label}）"
    assert "渌口区民情工作月报" in buf.getvalue()
    out = tmp_path / "now.bin"
    call_command("report", "--period", "week", "--region", "430200", "--format", "xlsx", "--out", str(out),
                 stdout=io.StringIO())
    wb = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    assert wb["报告"]["A2"].value == f"（{periods.window('week', timezone.localdate()).label}）"


@pytest.mark.parametrize("args, message", [
    (["--period", "month", "--region", "999", "--out", "x.pdf"], "unknown region"),
    (["--period", "month", "--region", "430200", "--date", "2026-02-30", "--out", "x.pdf"], "--date"),
    (["--period", "month", "--region", "430200", "--out", "x.odt"], "--format"),
])
def test_report_command_errors(rworld, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("report", *args, stdout=io.StringIO())
