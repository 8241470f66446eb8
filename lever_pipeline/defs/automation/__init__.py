"""Dagster definitions for advancement rules."""
