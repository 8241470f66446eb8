"""Dagster definitions for operations: the Lever health checks and the sensor that evaluates them."""
