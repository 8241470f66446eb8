"""Dagster definitions of the write-back domain: the sending jobs and their sensors."""
