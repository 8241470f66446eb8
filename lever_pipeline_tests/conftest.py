"""Shared fixtures: a real PostgreSQL database and a real sandbox over HTTP."""

pytest_plugins = ["lever_pipeline_tests.fixtures_warehouse", "lever_pipeline_tests.fixtures_sandbox"]
