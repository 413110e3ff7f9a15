"""Write a form's Excel template: two header rows, drop-down lists and a notes sheet."""

from __future__ import annotations

from pathlib import Path

from zhangjiang.forms.model import Form

__all__ = ["write_template"]

_TYPE_HINTS = {
    "string": ("文本", "text"),
    "integer": ("整数", "integer"),
    "decimal": ("数值", "number"),
    "date": ("日期 2022-09-30", "date 2022-09-30"),
    "month": ("月份 2022-09", "month 2022-09"),
    "year": ("年份 2022", "year 2022"),
    "boolean": ("是/否", "yes/no"),
    "timestamp": ("时间 2022-09-30 08:00", "date-time 2022-09-30 08:00"),
}


def write_template(form: Form, path: Path, rows: int = 500) -> Path:
    """Write the Excel template of ``form`` to ``path`` and return the path."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "数据 Data"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for idx, col in enumerate(form.columns, start=1):
        zh = f"{col.zh}（{col.unit}）" if col.unit else col.zh
        en = f"{col.en} ({col.unit})" if col.unit else col.en
        top, second = ws.cell(1, idx, zh), ws.cell(2, idx, en)
        for cell in (top, second):
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        hint_zh, hint_en = _TYPE_HINTS[col.type]
        need = "必填" if col.required else "选填"
        top.comment = Comment(
            f"{need}；{hint_zh}。{col.help_zh}\n{hint_en}. {col.help_en}", "Zhangjiang"
        )
        ws.column_dimensions[get_column_letter(idx)].width = max(12, len(zh) * 2 + 2)
        if col.allowed:
            listing = ",".join(col.allowed)
            dv = DataValidation(
                type="list", formula1=f'"{listing}"', allow_blank=not col.required
            )
            dv.error = f"请从下拉列表中选择 / choose from the list: {listing}"
            dv.errorTitle = "取值不在允许范围 / Value not allowed"
            dv.showErrorMessage = True
            ws.add_data_validation(dv)
            letter = get_column_letter(idx)
            dv.add(f"{letter}3:{letter}{rows + 2}")
    ws.freeze_panes = "A3"
    notes = wb.create_sheet("填表说明 Notes")
    notes.append([f"{form.zh} / {form.en}"])
    notes["A1"].font = Font(bold=True, size=14)
    notes.append([f"报表代码 / form: {form.name}"])
    notes.append([form.description_zh])
    notes.append([form.description_en])
    notes.append([])
    notes.append(["示例模板，请从第3行开始填写数据 / Fill in data from row 3."])
    for zh, en in zip(form.notes_zh, form.notes_en, strict=False):
        notes.append([f"• {zh}"])
        notes.append([f"  {en}"])
    notes.append([])
    notes.append(
        [
            "列 Column",
            "中文名",
            "English",
            "类型 Type",
            "必填 Required",
            "允许值 Allowed",
            "单位 Unit",
            "说明 Help",
        ]
    )
    for cell in notes[notes.max_row]:
        cell.font = bold
    for col in form.columns:
        hint_zh, hint_en = _TYPE_HINTS[col.type]
        notes.append(
            [
                col.name,
                col.zh,
                col.en,
                f"{hint_zh} / {hint_en}",
                "是 yes" if col.required else "否 no",
                "、".join(col.allowed),
                col.unit,
                f"{col.help_zh} {col.help_en}".strip(),
            ]
        )
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 20
    notes.column_dimensions["C"].width = 24
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
