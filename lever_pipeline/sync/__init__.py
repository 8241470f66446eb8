"""The sync domain: Lever streams into warehouse tables, the per-opportunity fan-out, targeted refreshes,
deletes and the feedback-template cache. Imports `lever/` and `warehouse/`, never Dagster."""
