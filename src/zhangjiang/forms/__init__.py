"""Forms (报表): declared datasets, their columns and their Excel templates."""

from zhangjiang.forms.model import Column, Form
from zhangjiang.forms.registry import FORMS, get_form

__all__ = ["FORMS", "Column", "Form", "get_form"]
