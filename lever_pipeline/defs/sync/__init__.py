"""Dagster definitions of the sync domain: Lever assets, their checks and schedules."""
