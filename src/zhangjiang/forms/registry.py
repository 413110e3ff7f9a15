"""The registry of forms, loaded from the declarations in ``definitions/*.toml``."""

from __future__ import annotations

import tomllib
from importlib import resources

from zhangjiang.errors import UnknownDatasetError
from zhangjiang.forms.model import Form
from zhangjiang.suggest import unknown_name

__all__ = ["FORMS", "files_for_staff_only", "get_form", "register_form"]

FORMS: dict[str, Form] = {}


def register_form(form: Form) -> Form:
    """Add a form to the registry (built-ins register the same way an add-on would)."""
    if form.name in FORMS:
        raise ValueError(f"form {form.name} is declared twice")
    FORMS[form.name] = form
    return form


def get_form(name: str) -> Form:
    """Return the form called ``name`` or raise UnknownDatasetError naming the known ones."""
    try:
        return FORMS[name]
    except KeyError:
        raise UnknownDatasetError(
            unknown_name("报表（数据集）", "dataset", name, FORMS)
        ) from None


def files_for_staff_only(dataset: str) -> bool:
    """Return True when the original files of ``dataset`` are never offered to the public.

    Files of a form with personal columns, or of a form no longer declared, are staff-only.
    """
    form = FORMS.get(dataset)
    return form is None or bool(form.personal_columns)


def _load_builtin() -> None:
    folder = resources.files("zhangjiang.forms") / "definitions"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            for spec in data.get("form", []):
                register_form(Form.model_validate(spec))


_load_builtin()
