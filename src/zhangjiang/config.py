"""Declared settings: defaults < zhangjiang.toml < ZHANGJIANG_* environment < CLI flags."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from zhangjiang.errors import ConfigError

__all__ = ["SETTINGS_HELP", "Settings", "load_settings"]

SETTINGS_HELP: dict[str, str] = {
    "db": "DuckDB database file / 数据库文件",
    "max_file_mb": "Largest file accepted for ingest, in MB / 可接收的最大文件（MB）",
    "max_unzipped_mb": "Largest uncompressed size of an .xlsx, in MB / xlsx 解压后的最大大小（MB）",
    "timezone": "Time zone of job accounting logs / 作业日志时区",
    "user": "Name recorded as loaded_by / 记录为加载人的名称",
    "public_downloads": "Let anyone download the original files of released batches whose "
    "form has no personal columns (off by default; files with personal data stay staff-only) "
    "/ 允许任何人下载已发布批次中不含个人信息列的原始文件（默认关闭；含个人信息的文件仅限工作人员）",
    "trusted_proxies": "Comma-separated addresses of reverse proxies whose X-Forwarded-For "
    "is believed (default none: the peer address is the client) / 可信反向代理地址，逗号分隔；"
    "仅采信这些地址发来的 X-Forwarded-For（默认不采信）",
    "secure_cookies": "Always mark the session cookie Secure (it is also Secure when "
    "X-Forwarded-Proto is https) / 会话 Cookie 始终带 Secure 标记",
    "session_hours": "Hours a portal sign-in lasts / 门户登录的有效时长（小时）",
    "login_attempts": "Failed sign-ins per account and address before throttling / "
    "同一账户与地址在限流前允许的登录失败次数",
    "login_window_minutes": "Window in which failed sign-ins are counted, in minutes / "
    "统计登录失败次数的时间窗口（分钟）",
}


@dataclass(frozen=True)
class Settings:
    """Runtime settings of one Zhangjiang process."""

    db: Path = Path("zhangjiang.duckdb")
    max_file_mb: float = 50.0
    max_unzipped_mb: float = 200.0
    timezone: str = "UTC"
    user: str = ""
    public_downloads: bool = False
    trusted_proxies: str = ""
    secure_cookies: bool = False
    session_hours: float = 12.0
    login_attempts: int = 5
    login_window_minutes: float = 15.0

    @property
    def proxies(self) -> frozenset[str]:
        """Return the addresses of the trusted reverse proxies (``trusted_proxies``)."""
        return frozenset(
            a.strip() for a in self.trusted_proxies.split(",") if a.strip()
        )


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Load settings from defaults, ``zhangjiang.toml``, the environment and overrides."""
    values: dict[str, Any] = {}
    path = config_file or Path("zhangjiang.toml")
    if path.exists():
        with path.open("rb") as fh:
            values.update(tomllib.load(fh))
    for field in fields(Settings):
        env = os.environ.get(f"ZHANGJIANG_{field.name.upper()}")
        if env is not None:
            values[field.name] = env
    values.update({k: v for k, v in overrides.items() if v is not None})
    if not values.get("user"):
        values["user"] = os.environ.get("USER", "") or "unknown"
    settings = Settings()
    try:
        typed = {
            f.name: _coerce(f.name, values[f.name], f.type)
            for f in fields(Settings)
            if f.name in values
        }
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"配置无效 / invalid setting: {exc}") from exc
    unknown = set(values) - {f.name for f in fields(Settings)}
    if unknown:
        raise ConfigError(
            f"未知配置项 / unknown settings: {', '.join(sorted(unknown))}"
        )
    return replace(settings, **typed)


def _coerce(name: str, value: Any, annotation: Any) -> Any:
    if name == "db":
        return Path(value)
    if name in ("public_downloads", "secure_cookies"):
        return _boolean(name, value)
    if name == "login_attempts":
        number = int(value)
        if number <= 0:
            raise ValueError(f"{name} must be positive (got {value!r})")
        return number
    if name in (
        "max_file_mb",
        "max_unzipped_mb",
        "session_hours",
        "login_window_minutes",
    ):
        number = float(value)
        if number <= 0:
            raise ValueError(f"{name} must be positive (got {value!r})")
        return number
    return str(value)


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false (got {value!r})")
