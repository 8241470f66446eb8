"""Dagster definitions of the webhook domain: the sensor and the jobs it drives."""
