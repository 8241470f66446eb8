"""Lever's v1 API: one HTTP core (auth, shared rate limit, retries, paging, typed errors)
and one module per API area. Imports nothing from Dagster or the warehouse."""
