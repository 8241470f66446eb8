"""Read-outs of the dbt marts for people (the demo's headline figures)."""
