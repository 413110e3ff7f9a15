"""A file uploaded through the portal: refused safely, validated, loaded as a pending batch.

The upload is copied under a generated name (``upload.csv``) into a fresh temporary folder,
counting bytes against ``max_file_mb``; the name the browser sent is kept only as data
(its last path component, shown and stored as the batch's file name). The declared content
type must fit the extension and the bytes must fit both: an .xlsx is a zip holding
``[Content_Types].xml``, anything else is text. Each form takes the extensions of its
connector: tabular forms .csv, .xlsx and .jsonl; HPC job logs any name, as the
scheduler wrote them (the content must be text); publication lists .ris, .bib, .json
or .txt. Operators may only submit rows of their own facilities; a job
log is submitted for one of them, which is its HPC system, and a publication list for
one facility. A file with any error loads nothing; an accepted one is ``pending``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from zhangjiang.config import Settings
from zhangjiang.errors import IngestError, UnknownDatasetError
from zhangjiang.forms import Form, get_form
from zhangjiang.ingest.load import IngestResult, check_file, ingest_file
from zhangjiang.ingest.problems import Problem, problem
from zhangjiang.ingest.service import connector_for
from zhangjiang.periods import parse_period
from zhangjiang.portal.accounts import Account
from zhangjiang.portal.review import can_see_batch, record_submission, submissions
from zhangjiang.portal.state import AppState
from zhangjiang.store import Store

__all__ = [
    "CONTENT_TYPES",
    "EXTENSIONS",
    "Submitted",
    "display_name",
    "submit_upload",
    "uploadable_forms",
]

#: Accepted extensions and the content types a browser may declare for each.
CONTENT_TYPES: dict[str, set[str]] = {
    ".csv": {
        "text/csv",
        "text/plain",
        "application/csv",
        "application/vnd.ms-excel",
        "application/octet-stream",
        "",
    },
    ".xlsx": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
        "application/octet-stream",
        "",
    },
    ".jsonl": {
        "application/jsonl",
        "application/x-ndjson",
        "application/json",
        "text/plain",
        "application/octet-stream",
        "",
    },
    ".json": {"application/json", "text/plain", "application/octet-stream", ""},
    ".ris": {
        "application/x-research-info-systems",
        "text/plain",
        "application/octet-stream",
        "",
    },
    ".bib": {
        "application/x-bibtex",
        "text/x-bibtex",
        "text/plain",
        "application/octet-stream",
        "",
    },
    ".txt": {"text/plain", "application/octet-stream", ""},
    ".xml": {
        "application/xml",
        "text/xml",
        "text/plain",
        "application/octet-stream",
        "",
    },
    ".log": {"text/plain", "text/x-log", "application/octet-stream", ""},
}
#: The extensions each connector takes; None: any name (a scheduler's log is named
#: as the scheduler names it: ``20240301``, ``lsb.acct.1``, ``sacct.2024-03``), and
#: the content decides.
EXTENSIONS: dict[str, tuple[str, ...] | None] = {
    "tabular": (".csv", ".xlsx", ".jsonl"),
    "hpc-jobs": None,
    # CNKI NoteExpress .net, Refer/EndNote .enw, EndNote .xml, Scopus .csv, WoS .isi.
    "publications": (
        ".ris",
        ".bib",
        ".json",
        ".txt",
        ".net",
        ".enw",
        ".xml",
        ".csv",
        ".isi",
    ),
}
_TEXT_TYPES = {"text/plain", "application/octet-stream", ""}
_SNIFF_BYTES = 64 * 1024
_CHUNK = 1 << 16
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Submitted:
    """What became of an upload: pending (a batch), duplicate or rejected (nothing loaded)."""

    file: str
    dataset: str
    outcome: str
    batch_id: int | None = None
    rows: int = 0
    message_zh: str = ""
    message_en: str = ""
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the outcome as a JSON-ready dict with the validation report."""
        return {
            "ok": self.outcome != "rejected",
            "file": self.file,
            "dataset": self.dataset,
            "outcome": self.outcome,
            "batch_id": self.batch_id,
            "rows": self.rows,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "problems": [p.to_dict() for p in self.problems],
        }


def uploadable_forms() -> list[str]:
    """Return the forms a browser upload may target: every form of a known connector."""
    from zhangjiang.forms import FORMS

    return [f.name for f in FORMS.values() if f.connector in EXTENSIONS]


def display_name(original: str | None) -> str:
    """Return the name an upload is known by: the last path component, printable, short."""
    text = _UNSAFE.sub("", (original or "").replace("\\", "/"))
    name = PurePosixPath(text).name.strip() or "upload"
    return name[-200:]


def submit_upload(
    store: Store,
    state: AppState,
    settings: Settings,
    user: Account,
    dataset: str,
    stream: BinaryIO,
    original_name: str | None,
    content_type: str,
    *,
    period: str | None = None,
    submitted_for: str = "",
    note: str = "",
) -> Submitted:
    """Save, check and validate an uploaded file; load it as a pending batch if valid."""
    if dataset not in uploadable_forms():
        raise UnknownDatasetError(
            f"报表 {dataset!r} 不能在网页上传 / form {dataset!r} cannot be uploaded here"
        )
    form = get_form(dataset)
    if period:
        period = parse_period(period).label
    name = display_name(original_name)
    out = Submitted(name, dataset, "rejected")
    suffix = PurePosixPath(name.lower()).suffix
    kind = content_type.split(";")[0].strip().lower()
    accepted = EXTENSIONS[form.connector]
    if accepted is not None and suffix not in accepted:
        return _refuse(
            out,
            f"扩展名 {suffix or '（无）'} 不受支持",
            f"extension {suffix or '(none)'} is not accepted",
            accepted,
        )
    if kind not in CONTENT_TYPES.get(suffix, _TEXT_TYPES):
        return _refuse(
            out,
            f"声明的类型 {kind} 与扩展名 {suffix or '（无）'} 不符",
            f"declared type {kind} does not match {suffix or '(no extension)'}",
            accepted,
        )
    facility = submitted_for.strip()
    if form.connector != "tabular" and user.role != "operator" and not facility:
        # A job log needs its system and a publication list its facility.
        out.problems.append(
            problem("required-missing", name, column="设施/系统", column_en="facility")
        )
        return _rejected(out)
    if user.role == "operator":
        if not facility and len(user.facilities) == 1:
            facility = user.facilities[0]
        if facility not in user.facilities:
            out.problems.append(
                problem(
                    "foreign-scope",
                    name,
                    value=facility or "—",
                    allowed=", ".join(user.facilities) or "—",
                )
            )
            return _rejected(out)
    limit = int(settings.max_file_mb * 1024 * 1024)
    folder = Path(tempfile.mkdtemp(prefix="zj-upload-"))
    try:
        # Never the browser's name; a job log's own suffix (".1") is not kept either.
        path = folder / f"upload{suffix if suffix in CONTENT_TYPES else ''}"
        size = _save(stream, path, limit)
        if size > limit:
            out.problems.append(
                problem(
                    "file-too-large",
                    name,
                    size_mb=size / 1048576,
                    limit_mb=settings.max_file_mb,
                )
            )
            return _rejected(out)
        why = _sniff(path, suffix if form.connector == "tabular" else ".txt")
        if why is not None:
            return _refuse(out, *why, accepted)
        as_user = replace(settings, user=user.name)
        if form.connector != "tabular":
            result = _submit_log(
                store, form, path, as_user, name, facility, period, note
            )
            if result.outcome == "rejected":
                out.problems = list(result.problems)
                return _rejected(out)
            return _submitted(store, state, out, result, user, facility)
        checked = check_file(
            form,
            path,
            settings,
            period=parse_period(period) if period else None,
            display_name=name,
        )
        out.problems = list(checked.problems)
        if user.role == "operator" and form.scope_column:
            out.problems += _foreign_rows(form, checked.rows, user, name)
        if any(p.is_error for p in out.problems):
            return _rejected(out)
        result = ingest_file(
            store,
            dataset,
            path,
            as_user,
            period=period,
            note=note,
            status="pending",
            display_name=name,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _submitted(store, state, out, result, user, facility)


def _submit_log(
    store: Store,
    form: Form,
    path: Path,
    settings: Settings,
    name: str,
    facility: str,
    period: str | None,
    note: str,
) -> IngestResult:
    """Load a job log or publication list as a pending batch with its own connector.

    The connector validates as it parses; a file it cannot read at all is rejected
    with its message.
    """
    scope = (
        {"system": facility} if form.connector == "hpc-jobs" else {"facility": facility}
    )
    try:
        return connector_for(form.name)(
            store, form.name, path, settings, status="pending", display_name=name,
            period=period, note=note, **scope,
        )  # fmt: skip
    except IngestError as exc:
        zh, en = exc.zh_en
        result = IngestResult(name, form.name, "rejected")
        result.problems = [problem("file-unreadable", name, reason_zh=zh, reason_en=en)]
        return result


def _may_see(
    store: Store, state: AppState, user: Account, batch_id: int | None
) -> bool:
    """Return whether ``user`` may see batch ``batch_id`` in the portal."""
    rows = store.query("SELECT id, scope FROM batches WHERE id = ?", [batch_id])
    return bool(rows) and can_see_batch(user, rows[0], submissions(state).get(batch_id))


def _submitted(
    store: Store,
    state: AppState,
    out: Submitted,
    result: IngestResult,
    user: Account,
    facility: str,
) -> Submitted:
    """Fill ``out`` from the connector's result and record a pending submission."""
    name, dataset = out.file, out.dataset
    out.outcome, out.batch_id, out.rows = result.outcome, result.batch_id, result.rows
    out.problems = result.problems or out.problems
    if result.outcome == "duplicate" and not _may_see(store, state, user, out.batch_id):
        out.batch_id = None  # the same file came from someone else: do not show whose
    if result.outcome == "pending" and result.batch_id is not None:
        record_submission(state, result.batch_id, dataset, facility, user.name, name)
        out.message_zh = f"{name} 校验通过，已提交为批次 {result.batch_id}（{result.rows} 行），待统计人员审核"
        out.message_en = f"{name} is valid and was submitted as batch {result.batch_id} ({result.rows} rows), pending review"
    elif result.outcome == "duplicate":
        out.message_zh = f"{name} 与已提交的文件相同，未作改动"
        out.message_en = (
            f"{name} is identical to a file already submitted; nothing changed"
        )
    else:
        out.message_zh, out.message_en = result.message_zh, result.message_en
    return out


def _save(stream: BinaryIO, path: Path, limit: int) -> int:
    # Stop one chunk past the limit: the size is then known to be too large.
    size = 0
    with path.open("xb") as fh:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                break
            fh.write(chunk)
    return size


def _sniff(path: Path, suffix: str) -> tuple[str, str] | None:
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if suffix == ".xlsx":
        if not head.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(path):
            return "内容不是 xlsx（zip）文件", "the content is not an xlsx (zip) file"
        with zipfile.ZipFile(path) as archive:
            if "[Content_Types].xml" not in archive.namelist():
                return "内容不是 xlsx 工作簿", "the content is not an xlsx workbook"
        return None
    if b"\x00" in head or head.startswith(b"PK\x03\x04"):
        return "内容不是文本文件", "the content is not a text file"
    return None


def _foreign_rows(
    form: Form, rows: list[dict[str, Any]], user: Account, name: str
) -> list[Problem]:
    column = next(c for c in form.columns if c.name == form.scope_column)
    allowed = ", ".join(user.facilities) or "—"
    return [
        problem(
            "foreign-scope",
            name,
            row=r["_row"],
            column=column.zh,
            column_en=column.en,
            value=r[column.name],
            allowed=allowed,
        )
        for r in rows
        if r.get(column.name) is not None and str(r[column.name]) not in user.facilities
    ]


def _refuse(
    out: Submitted, reason_zh: str, reason_en: str, accepted: tuple[str, ...] | None
) -> Submitted:
    names = "、".join(accepted) if accepted else "文本文件 text files"
    out.problems.append(
        problem(
            "wrong-file-type",
            out.file,
            reason_zh=reason_zh,
            reason_en=reason_en,
            accepted=names,
        )
    )
    return _rejected(out)


def _rejected(out: Submitted) -> Submitted:
    errors = sum(p.is_error for p in out.problems)
    out.outcome = "rejected"
    out.message_zh = f"{out.file} 有 {errors} 个错误，未加载任何数据"
    out.message_en = f"{out.file} has {errors} error(s); nothing was loaded"
    return out
