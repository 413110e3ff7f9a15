"""Problem kinds found while reading or validating a file, declared once, zh and en."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

__all__ = ["PROBLEM_KINDS", "Problem", "ProblemKind", "problem"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class ProblemKind:
    """A declared kind of problem: id, severity, zh/en title and message templates."""

    type: str
    severity: Severity
    title_zh: str
    title_en: str
    template_zh: str
    template_en: str


PROBLEM_KINDS: dict[str, ProblemKind] = {
    k.type: k
    for k in [
        ProblemKind(
            "file-too-large",
            "error",
            "文件过大",
            "File too large",
            "文件大小 {size_mb:.1f} MB 超过上限 {limit_mb:g} MB",
            "file is {size_mb:.1f} MB, above the limit of {limit_mb:g} MB",
        ),
        ProblemKind(
            "zip-bomb",
            "error",
            "压缩包异常",
            "Suspicious archive",
            "xlsx 解压后 {unzipped_mb:.1f} MB（压缩比 {ratio:.0f}），超过上限 {limit_mb:g} MB",
            "xlsx unpacks to {unzipped_mb:.1f} MB (ratio {ratio:.0f}), above the limit of {limit_mb:g} MB",
        ),
        ProblemKind(
            "empty-file",
            "error",
            "空文件",
            "Empty file",
            "文件为空，没有表头也没有数据",
            "the file is empty: no header and no data",
        ),
        ProblemKind(
            "no-data-rows",
            "error",
            "没有数据行",
            "No data rows",
            "只有表头，没有数据行",
            "the file has a header but no data rows",
        ),
        ProblemKind(
            "not-a-table",
            "error",
            "不是表格文件",
            "Not a table",
            "无法作为{format}表格读取：{reason}",
            "cannot be read as a {format} table: {reason}",
        ),
        ProblemKind(
            "encoding-error",
            "error",
            "编码错误",
            "Encoding error",
            "无法按 {encoding} 解码（第{offset}字节）；检测到的编码为 {detected}",
            "cannot be decoded as {encoding} (byte {offset}); detected encoding is {detected}",
        ),
        ProblemKind(
            "sheet-not-found",
            "error",
            "工作表不存在",
            "Sheet not found",
            "没有名为“{sheet}”的工作表；现有：{sheets}",
            "there is no sheet named {sheet!r}; sheets: {sheets}",
        ),
        ProblemKind(
            "header-not-found",
            "error",
            "找不到表头",
            "Header not found",
            "前{rows}行中找不到与报表“{form}”对应的表头",
            "no header row matching form {form!r} in the first {rows} rows",
        ),
        ProblemKind(
            "missing-column",
            "error",
            "缺少列",
            "Missing column",
            "缺少必填列“{label_zh}”",
            "required column {label_en!r} is missing",
        ),
        ProblemKind(
            "unknown-column",
            "warning",
            "未知列",
            "Unknown column",
            "列“{value}”不属于该报表，已忽略",
            "column {value!r} is not part of the form and was ignored",
        ),
        ProblemKind(
            "duplicate-column",
            "error",
            "重复列",
            "Duplicate column",
            "列“{label_zh}”出现了两次",
            "column {label_en!r} appears twice",
        ),
        ProblemKind(
            "blank-row",
            "warning",
            "空行",
            "Blank row",
            "空行，已跳过",
            "blank row, skipped",
        ),
        ProblemKind(
            "required-missing",
            "error",
            "必填项为空",
            "Required value missing",
            "必填项为空",
            "a value is required",
        ),
        ProblemKind(
            "bad-type",
            "error",
            "类型错误",
            "Bad type",
            "“{value}”不是{type_zh}",
            "{value!r} is not {type_en}",
        ),
        ProblemKind(
            "bad-date",
            "error",
            "日期错误",
            "Bad date",
            "“{value}”不是有效日期；可写 2022-09-30、2022/9/30 或 2022年9月30日",
            "{value!r} is not a valid date; write 2022-09-30, 2022/9/30 or 2022年9月30日",
        ),
        ProblemKind(
            "value-not-allowed",
            "error",
            "取值不在允许范围",
            "Value not allowed",
            "“{value}”不在允许的取值中：{allowed}",
            "{value!r} is not one of the allowed values: {allowed}",
        ),
        ProblemKind(
            "below-minimum",
            "error",
            "数值小于下限",
            "Below minimum",
            "{value} 小于下限 {min:g}（如人数、金额不能为负）",
            "{value} is below the minimum {min:g} (counts and amounts cannot be negative)",
        ),
        ProblemKind(
            "duplicate-key",
            "error",
            "主键重复",
            "Duplicate key",
            "主键（{keys}）= {value} 与第{first_row}行重复",
            "key ({keys}) = {value} repeats row {first_row}",
        ),
        ProblemKind(
            "outside-period",
            "error",
            "超出报告期",
            "Outside period",
            "“{value}”不在报告期 {period} 内",
            "{value!r} is outside the period {period}",
        ),
        ProblemKind(
            "formula",
            "warning",
            "公式单元格",
            "Formula cell",
            "单元格含公式 {formula}，已取其缓存值 {value}",
            "cell holds formula {formula}; its cached value {value} was taken",
        ),
        ProblemKind(
            "extra-fields",
            "error",
            "多余的值",
            "Extra fields",
            "本行有 {count} 个值超出表头的 {columns} 列：{extras}；请删除多余的值或补齐表头",
            "the row has {count} value(s) beyond the header's {columns} column(s): "
            "{extras}; remove them or add their columns to the header",
        ),
        ProblemKind(
            "unclosed-quote",
            "error",
            "引号未闭合",
            "Unclosed quote",
            "从此行开始的带引号的值直到文件末尾都没有闭合的引号；请检查该行的双引号",
            "a quoted value starting on this row is never closed before the end of the "
            "file; check the double quotes of this row",
        ),
        ProblemKind(
            "bad-record",
            "error",
            "记录无法解析",
            "Bad record",
            "无法解析的记录：{reason}",
            "record cannot be parsed: {reason}",
        ),
        ProblemKind(
            "wrong-file-type",
            "error",
            "文件类型不符",
            "Wrong file type",
            "{reason_zh}；此报表可上传：{accepted}",
            "{reason_en}; this form takes: {accepted}",
        ),
        ProblemKind(
            "file-unreadable",
            "error",
            "文件无法读取",
            "File cannot be read",
            "{reason_zh}",
            "{reason_en}",
        ),
        ProblemKind(
            "foreign-scope",
            "error",
            "不属于本单位",
            "Not your facility",
            "值 {value} 不是您负责的设施（{allowed}）",
            "{value} is not one of your facilities ({allowed})",
        ),
        # Publication lists: records and loading.
        ProblemKind(
            "missing-title",
            "error",
            "缺少题名",
            "Title missing",
            "缺少题名",
            "title missing",
        ),
        ProblemKind(
            "unparsable-record",
            "error",
            "记录无法解析",
            "Record cannot be parsed",
            "记录无法解析：{reason}",
            "record cannot be parsed: {reason}",
        ),
        ProblemKind(
            "unterminated-record",
            "error",
            "记录不完整",
            "Record not terminated",
            "缺少结束标记 {end_tag}（记录不完整或文件被截断）",
            "no end tag {end_tag} (an incomplete record, or the file was cut short)",
        ),
        ProblemKind(
            "facility-missing",
            "error",
            "未指明设施",
            "Facility missing",
            "未指明论文所依托的设施，请用 --facility 给出设施编号（如 ssrf）",
            "no facility given: name the facility the papers used with --facility (e.g. ssrf)",
        ),
        ProblemKind(
            "unknown-facility",
            "error",
            "设施未登记",
            "Unknown facility",
            "设施“{value}”不在设施登记表中；已登记：{known}",
            "facility {value!r} is not in the facility register; registered: {known}",
        ),
        ProblemKind(
            "unreadable-publications",
            "error",
            "文献文件无法读取",
            "Publication file unreadable",
            "{reason_zh}",
            "{reason_en}",
        ),
        ProblemKind(
            "duplicate-publication",
            "warning",
            "重复论文",
            "Duplicate paper",
            "与第{first}条记录为同一论文（DOI {value}），已合并",
            "same paper as record {first} (DOI {value}); merged",
        ),
        ProblemKind(
            "duplicate-publication-title",
            "warning",
            "重复论文（题名）",
            "Duplicate paper (title)",
            "与第{first}条记录题名、发表年份和第一作者相同（{title}），视为同一论文，已合并",
            "same title, year and first author as record {first} ({title}); merged",
        ),
        ProblemKind(
            "duplicate-publication-loaded",
            "warning",
            "与已导入清单重复",
            "Paper already in another list",
            "与已导入的 {other_file}（批次 {batch}，来源 {source}）第{first}条记录为同一论文"
            "（{by_zh}），只计一次",
            "same paper as record {first} of {other_file} (batch {batch}, source "
            "{source}) already loaded ({by_en}); counted once",
        ),
        ProblemKind(
            "missing-year",
            "warning",
            "缺少发表年份",
            "Year missing",
            "缺少发表年份，不计入任何年度的论文数",
            "no publication year; the paper counts in no year",
        ),
        # HPC job logs.
        ProblemKind(
            "job-record-skipped",
            "warning",
            "作业记录已跳过",
            "Job record skipped",
            "无法解析的作业记录，已跳过：{reason}",
            "job record cannot be parsed and was skipped: {reason}",
        ),
        ProblemKind(
            "empty-job-log",
            "error",
            "作业日志为空",
            "Empty job log",
            "作业日志中没有可导入的作业：{reason_zh}；未建立任何批次",
            "the job log holds no job to load: {reason_en}; no batch was made",
        ),
        ProblemKind(
            "job-extra-field",
            "warning",
            "多出一个字段",
            "One extra field",
            "{count} 行比列数多一个末尾字段（如 Partition），已忽略该字段并导入作业（首见于此行）",
            "{count} line(s) carry one trailing field more than the columns (such as "
            "Partition); the field was ignored and the jobs loaded (first on this line)",
        ),
        ProblemKind(
            "walltime-mismatch",
            "warning",
            "墙钟时间不一致",
            "Wall times disagree",
            "{count} 个作业的 end − start 与 resources_used.walltime 相差超过 1 分钟；"
            "机时按 end − start 计（首见于此行）",
            "{count} job(s) have end − start and resources_used.walltime more than a "
            "minute apart; core-hours use end − start (first on this line)",
        ),
        ProblemKind(
            "job-already-loaded",
            "warning",
            "作业已导入",
            "Job already loaded",
            "{count} 个作业运行（作业号、开始、结束时间相同）已在系统“{system}”的其他批次中，已跳过",
            "{count} job run(s) (same job id, start and end) are already loaded for "
            "system {system!r} from another batch and were skipped",
        ),
        ProblemKind(
            "unmapped-users",
            "warning",
            "用户未对应单位",
            "Users without organisation",
            "{count} 个用户在“超算用户所属单位”中没有对应单位，按作业账户计：{examples}",
            "{count} user(s) have no organisation in hpc-user-organizations and count "
            "under their job account: {examples}",
        ),
    ]
}


@dataclass(frozen=True)
class Problem:
    """One problem, located by file, sheet, row and column, or by record number.

    ``row`` is a line of a table or log; ``record`` the 1-based number of a record in
    a file of records that span several lines (a RIS, BibTeX or JSON publication list).
    """

    kind: ProblemKind
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None
    column_en: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    record: int | None = None

    severity_order: ClassVar[dict[str, int]] = {"error": 0, "warning": 1}

    @property
    def is_error(self) -> bool:
        """Return True when the problem rejects the file."""
        return self.kind.severity == "error"

    @property
    def message_zh(self) -> str:
        """Return the full Chinese message with its location."""
        where = [f"文件 {self.file}"]
        if self.sheet:
            where.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.record is not None:
            where.append(f"第{self.record}条记录")
        if self.column:
            where.append(f"列“{self.column}”")
        return (
            "，".join(where)
            + "："
            + self.kind.template_zh.format(**self._fields())
            + f"（规则：{self.kind.title_zh}）"
        )

    @property
    def message_en(self) -> str:
        """Return the full English message with its location."""
        where = [self.file]
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.record is not None:
            where.append(f"record {self.record}")
        if self.column:
            where.append(f"column {self.column_en or self.column!r}")
        return (
            ", ".join(where)
            + ": "
            + self.kind.template_en.format(**self._fields())
            + f" (rule: {self.kind.type})"
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the problem as a JSON-ready dict."""
        return {
            "type": self.kind.type,
            "severity": self.kind.severity,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "record": self.record,
            "column": self.column,
            "column_en": self.column_en,
            "value": None if self.value is None else str(self.value),
            "rule_zh": self.kind.title_zh,
            "rule_en": self.kind.title_en,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }

    def _fields(self) -> dict[str, Any]:
        return {"value": self.value, **self.params}


def problem(type_: str, file: str, **kwargs: Any) -> Problem:
    """Build a Problem of a declared kind; unknown kinds are a programming error."""
    location = {
        k: kwargs.pop(k)
        for k in ("sheet", "row", "record", "column", "column_en", "value")
        if k in kwargs
    }
    return Problem(PROBLEM_KINDS[type_], file, params=kwargs, **location)
