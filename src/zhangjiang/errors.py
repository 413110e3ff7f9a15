"""Exception classes: one base, a few subclasses named for the failure."""

from typing import Any


class ZhangjiangError(Exception):
    """Base class of every Zhangjiang error; its message reads "中文 / English"."""

    @property
    def zh_en(self) -> tuple[str, str]:
        """Return the Chinese and the English half of the message."""
        zh, _, en = str(self).partition(" / ")
        return zh, en or zh


class ConfigError(ZhangjiangError):
    """A setting has an invalid value."""


class StoreError(ZhangjiangError):
    """The store cannot be opened or written."""


class StoreBusyError(StoreError):
    """Another process holds the database file."""


class UnknownDatasetError(ZhangjiangError):
    """No form (dataset) is declared under that name."""


class IngestError(ZhangjiangError):
    """A file could not be ingested."""


class InputLimitError(IngestError):
    """A file nests deeper or holds more than a parser's declared limit allows."""


class FileProblemError(IngestError):
    """A whole file is refused for declared problems, kept in ``problems``."""

    def __init__(self, message: str, problems: list[Any]) -> None:
        super().__init__(message)
        self.problems = problems


class UnknownIndicatorError(ZhangjiangError):
    """No indicator is declared under that id."""


class PeriodError(ZhangjiangError):
    """A period is malformed."""


class PhraseError(ZhangjiangError):
    """Text is not a quantitative phrase."""


class AccountError(ZhangjiangError):
    """An account cannot be created or changed as asked."""


class ReviewError(ZhangjiangError):
    """A batch cannot be approved or rejected in its current state."""


class ReleaseError(ZhangjiangError):
    """A period's indicators cannot be released as asked."""


class MissingToolError(ZhangjiangError):
    """An external program the command needs is not installed."""
