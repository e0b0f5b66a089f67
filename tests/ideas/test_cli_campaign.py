"""`minqing campaign`: the list, the figures, the digest files and the poster written to a file."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from minqing.ideas import actions

from .helpers import campaign, submit

pytestmark = pytest.mark.django_db


def test_cli_figures_digest_and_poster(world, tmp_path):
    import openpyxl
    import pypdfium2
    from docx import Document

    c = campaign(world)
    a = submit(world, c, text="建议修建老年食堂，电话13812345678")
    actions.do_adopt(world.actor("admin"), a, topic="养老服务")
    out = io.StringIO()
    call_command("campaign", stdout=out)
    assert c.slug in out.getvalue()
    out = io.StringIO()
    call_command("campaign", c.slug, stdout=out)
    f = json.loads(out.getvalue())
    assert f["submissions"] == 1 and f["adopted"] == 1
    call_command("campaign", c.slug, "--digest", "docx", "--out", str(tmp_path / "d.docx"), stderr=io.StringIO())
    text = "\n".join(p.text for p in Document(str(tmp_path / "d.docx")).paragraphs)
    assert "养老服务" in text and "13812345678" not in text
    call_command("campaign", c.slug, "--digest", "xlsx", "--out", str(tmp_path / "d.xlsx"), stderr=io.StringIO())
    wb = openpyxl.load_workbook(tmp_path / "d.xlsx")
    assert wb["采纳建议"].cell(2, 2).value == "养老服务"
    call_command("campaign", c.slug, "--poster", "--base-url", "https://mq.example.cn", "--out",
                 str(tmp_path / "p.pdf"), stderr=io.StringIO())
    pdf = pypdfium2.PdfDocument(str(tmp_path / "p.pdf"))
    assert "https://mq.example.cn/report/?campaign=" + c.slug in pdf[0].get_textpage().get_text_range()
    pdf.close()
    with pytest.raises(CommandError):
        call_command("campaign", "nope")
    with pytest.raises(CommandError):
        call_command("campaign", c.slug, "--poster")
