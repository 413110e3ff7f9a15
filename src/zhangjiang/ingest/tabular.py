"""Read CSV, XLSX and JSON-lines files into raw rows, detecting the text encoding."""

from __future__ import annotations

import codecs
import csv
import io
import json
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhangjiang.ingest.problems import Problem, problem

__all__ = ["FileRejected", "RawTable", "decode_text", "read_table"]

_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}


class FileRejected(Exception):
    """A whole file failed; carries the problem that says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message_en)
        self.problem = problem


@dataclass
class RawTable:
    """The cells of one sheet: rows with their 1-based source row numbers."""

    file: str
    sheet: str | None
    rows: list[tuple[int, list[Any]]]
    date1904: bool = False
    encoding: str | None = None
    problems: list[Problem] = field(default_factory=list)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)


def read_table(
    path: Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    max_file_mb: float = 50.0,
    max_unzipped_mb: float = 200.0,
    display_name: str | None = None,
) -> RawTable:
    """Read ``path`` as a table; raise FileRejected when the file as a whole is unusable."""
    name = display_name or path.name
    size = path.stat().st_size
    if size > max_file_mb * 1024 * 1024:
        raise FileRejected(
            problem(
                "file-too-large", name, size_mb=size / 1048576, limit_mb=max_file_mb
            )
        )
    if size == 0:
        raise FileRejected(problem("empty-file", name))
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, name, sheet, max_unzipped_mb)
    data = path.read_bytes()
    text, used = decode_text(data, name, encoding)
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return _read_jsonl(text, name, used)
    return _read_csv(text, name, used)


def decode_text(data: bytes, name: str, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes as text: BOM, then UTF-8, then the detected (GB18030-family) encoding."""
    if declared:
        try:
            return codecs.decode(data, declared), declared
        except LookupError:
            raise FileRejected(
                problem(
                    "encoding-error", name, encoding=declared, offset=0, detected="?"
                )
            ) from None
        except UnicodeDecodeError as exc:
            detected = _detect(data) or "unknown"
            raise FileRejected(
                problem(
                    "encoding-error",
                    name,
                    encoding=declared,
                    offset=exc.start,
                    detected=detected,
                )
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        return _decode_marked(data[3:], "utf-8", name), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_marked(data, "utf-16", name), "utf-16"
    if b"\x00" in data[:8192]:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
        raise FileRejected(
            problem(
                "not-a-table", name, format="CSV", reason="二进制内容 / binary content"
            )
        )
    if data.startswith(b"\x84\x31\x95\x33"):  # GB18030 byte order mark
        return data[4:].decode("gb18030"), "gb18030"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc.start
    detected = _detect(data)
    if detected is None:
        raise FileRejected(
            problem(
                "encoding-error",
                name,
                encoding="utf-8",
                offset=utf8_error,
                detected="unknown",
            )
        )
    codec = "gb18030" if detected in _GB_FAMILY else detected
    try:
        text = data.decode(codec)
    except (UnicodeDecodeError, LookupError) as exc:
        raise FileRejected(
            problem(
                "encoding-error",
                name,
                encoding=codec,
                offset=getattr(exc, "start", 0),
                detected=detected,
            )
        ) from None
    if _looks_binary(text):
        raise FileRejected(
            problem(
                "not-a-table", name, format="CSV", reason="二进制内容 / binary content"
            )
        )
    return text, codec


def _detect(data: bytes) -> str | None:
    # GB18030 first: it is what Excel saves Chinese CSV as, and charset-normalizer
    # may name a single-byte code page for short GB texts.
    try:
        data.decode("gb18030")
        gb_ok = True
    except UnicodeDecodeError:
        gb_ok = False
    from charset_normalizer import from_bytes  # only files that do not decode as UTF-8

    best = from_bytes(data[:200_000]).best()
    guess = _codec_name(best.encoding) if best else None
    if gb_ok and (
        guess is None or guess in _GB_FAMILY or _has_cjk(data.decode("gb18030"))
    ):
        return "gb18030"
    return guess


def _decode_marked(data: bytes, codec: str, name: str) -> str:
    # A byte order mark names the encoding: bytes that do not follow it are an error.
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise FileRejected(
            problem(
                "encoding-error",
                name,
                encoding=codec,
                offset=exc.start,
                detected=f"{codec} (BOM)",
            )
        ) from None


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    # Excel's "Unicode text" and some exporters write UTF-16 without a byte order mark:
    # take it when one byte order decodes to mostly readable text (random bytes do not).
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        sample = text[:5000]
        readable = sum(
            1
            for ch in sample
            if ch in "\r\n\t"
            or (" " <= ch <= "~")
            or "\u3000" <= ch <= "\u9fff"
            or "\uff00" <= ch <= "\uffef"
        )
        if sample and readable >= 0.95 * len(sample):
            return text, codec
    return None


def _codec_name(name: str) -> str | None:
    # charset-normalizer names codecs as "utf_16_be"; Python's own name is "utf-16-be".
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _has_cjk(text: str) -> bool:
    cjk = sum(1 for ch in text[:5000] if "\u4e00" <= ch <= "\u9fff")
    return cjk >= 2


def _looks_binary(text: str) -> bool:
    sample = text[:5000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    return controls > len(sample) * 0.05


def _read_csv(text: str, name: str, encoding: str) -> RawTable:
    sample = text[:20000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    rows: list[tuple[int, list[Any]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for record in reader:
            rows.append((reader.line_num - _extra_lines(record), list(record)))
    except csv.Error as exc:
        raise FileRejected(
            problem("not-a-table", name, format="CSV", reason=str(exc))
        ) from None
    opened = _unclosed_quote(text, rows, dialect)
    if opened is not None:
        raise FileRejected(problem("unclosed-quote", name, row=opened))
    return RawTable(name, None, rows, encoding=encoding)


def _unclosed_quote(
    text: str, rows: list[tuple[int, list[Any]]], dialect: Any
) -> int | None:
    """Return the row where a quoted value opens and never closes, else None.

    csv.reader (not strict) reads such a value to the end of the file: the last record
    then spans several lines and the file holds an odd number of quote characters.
    """
    quote = getattr(dialect, "quotechar", '"') or '"'
    if not rows or text.count(quote) % 2 == 0:
        return None
    if not any(isinstance(c, str) and "\n" in c for c in rows[-1][1]):
        return None
    if len(rows) == 1:
        return 1
    number, cells = rows[-2]  # the record before ends on the line before it opens
    return number + _extra_lines(cells) + 1


def _extra_lines(record: list[str]) -> int:
    # csv.reader's line_num is the last physical line of a record; report its first.
    return sum(cell.count("\n") for cell in record)


def _read_jsonl(text: str, name: str, encoding: str) -> RawTable:
    rows: list[tuple[int, list[Any]]] = []
    keys: list[str] = []
    records: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FileRejected(
                problem(
                    "not-a-table",
                    name,
                    format="JSON lines",
                    reason=f"第{number}行 / line {number}: {exc.msg}",
                )
            ) from None
        if not isinstance(obj, dict):
            raise FileRejected(
                problem(
                    "not-a-table",
                    name,
                    format="JSON lines",
                    reason=f"第{number}行不是对象 / line {number} is not an object",
                )
            )
        for key in obj:
            if key not in keys:
                keys.append(key)
        records.append((number, obj))
    rows.append((0, list(keys)))
    rows.extend((number, [obj.get(k) for k in keys]) for number, obj in records)
    return RawTable(name, None, rows, encoding=encoding)


def _read_xlsx(
    path: Path, name: str, sheet: str | None, max_unzipped_mb: float
) -> RawTable:
    try:
        with zipfile.ZipFile(path) as zf:
            unzipped = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile as exc:
        raise FileRejected(
            problem("not-a-table", name, format="XLSX", reason=str(exc))
        ) from None
    packed = max(path.stat().st_size, 1)
    if unzipped > max_unzipped_mb * 1048576 or (
        unzipped > 10 * 1048576 and unzipped / packed > 200
    ):
        raise FileRejected(
            problem(
                "zip-bomb",
                name,
                unzipped_mb=unzipped / 1048576,
                ratio=unzipped / packed,
                limit_mb=max_unzipped_mb,
            )
        )
    import openpyxl  # lazily: Excel support is the heaviest reader

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it drops; they do not affect values.
            warnings.simplefilter("ignore", UserWarning)
            wb_values = openpyxl.load_workbook(path, data_only=True)
            wb_formulas = openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many unrelated types for a broken file
        raise FileRejected(
            problem(
                "not-a-table",
                name,
                format="XLSX",
                reason=f"{type(exc).__name__}: {exc}",
            )
        ) from None
    if sheet is None:
        ws = wb_values.worksheets[0]
    elif sheet in wb_values.sheetnames:
        ws = wb_values[sheet]
    else:
        raise FileRejected(
            problem(
                "sheet-not-found",
                name,
                sheet=sheet,
                sheets="、".join(wb_values.sheetnames),
            )
        )
    ws_f = wb_formulas[ws.title]
    merged_fill: dict[tuple[int, int], Any] = {}
    for rng in ws.merged_cells.ranges:
        top = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merged_fill[(r, c)] = top
    rows: list[tuple[int, list[Any]]] = []
    formulas: dict[tuple[int, int], str] = {}
    for r_idx, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = list(row)
        for c_idx in range(len(cells)):
            if (r_idx, c_idx + 1) in merged_fill and cells[c_idx] is None:
                cells[c_idx] = merged_fill[(r_idx, c_idx + 1)]
        rows.append((r_idx, cells))
    for row in ws_f.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                formulas[(cell.row, cell.column)] = cell.value
    return RawTable(
        name,
        ws.title,
        rows,
        date1904=bool(wb_values.epoch.year == 1904),
        formulas=formulas,
    )
