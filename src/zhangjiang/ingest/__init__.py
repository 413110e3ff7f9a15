"""Connectors: read source files, validate them against their form, load batches."""
