"""Convert the report's Word document to PDF with LibreOffice headless (``soffice``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from zhangjiang.errors import MissingToolError, ZhangjiangError

__all__ = ["INSTALL_HINT", "docx_to_pdf", "find_soffice"]

#: What to install when LibreOffice is absent (Debian/Ubuntu package names).
INSTALL_HINT = (
    "未找到 LibreOffice（soffice），无法生成 PDF；请安装：apt-get install libreoffice-writer-nogui"
    "（或 libreoffice-writer），也可改用 --format docx / "
    "LibreOffice (soffice) was not found, so no PDF can be made; install it with "
    "apt-get install libreoffice-writer-nogui (or libreoffice-writer), or use --format docx"
)
_TIMEOUT = 300


def find_soffice() -> str | None:
    """Return the path of LibreOffice's ``soffice`` (``ZHANGJIANG_SOFFICE`` first), or None."""
    configured = os.environ.get("ZHANGJIANG_SOFFICE")
    if configured:
        return configured if Path(configured).is_file() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(document: bytes) -> bytes:
    """Return the PDF of a Word document, converted by ``soffice --headless``.

    A private LibreOffice profile is used, so that a conversion runs while a desktop
    LibreOffice is open and leaves the user's settings alone.

    Raises
    ------
    MissingToolError
        When LibreOffice is not installed (the message names the package).
    ZhangjiangError
        When the conversion fails.
    """
    soffice = find_soffice()
    if soffice is None:
        raise MissingToolError(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="zhangjiang-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "report.docx"
        source.write_bytes(document)
        command = [
            soffice,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise ZhangjiangError(
                f"LibreOffice 转换超时（{_TIMEOUT} 秒）/ "
                f"LibreOffice did not finish within {_TIMEOUT} s"
            ) from exc
        target = folder / "report.pdf"
        if done.returncode != 0 or not target.is_file():
            detail = (done.stderr or done.stdout).strip()[-300:]
            raise ZhangjiangError(
                f"LibreOffice 未能把报告转换为 PDF（退出码 {done.returncode}）/ "
                f"LibreOffice failed to convert the report to PDF "
                f"(exit {done.returncode}): {detail}"
            )
        return target.read_bytes()
