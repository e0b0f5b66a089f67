import csv
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile


def csv_upload(name, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return SimpleUploadedFile(name, buf.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_bytes(rows):
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


HOUSEHOLD_HEADER = ["编号", "类型", "户主姓名", "村代码", "地址"]


def households(bad=True):
    rows = [["H1", "household", "张一", "430212101201", "三组1号"],
            ["H2", "household", "张二", "430212101201", "三组2号"],
            ["H3", "household", "张三", "999999999999" if bad else "430212101201", "三组3号"]]
    return rows
