"""Zhangjiang: governed indicators and reports for a comprehensive national science center."""

__version__ = "0.1.0"
__all__ = ["__version__"]
