"""The store: one facade over the embedded database and the file archive."""

from zhangjiang.store.duckdb import Store, open_store

__all__ = ["Store", "open_store"]
