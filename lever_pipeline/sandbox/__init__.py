"""The Lever sandbox: a local, deterministic, honest imitation of Lever's v1 API.

Start it with `lever-pipeline sandbox`, or in-process with
`lever_pipeline.sandbox.server.run_sandbox_in_thread(SandboxConfig(...))`. The contract it
follows is the project's lever-api REFERENCE.md; choices on unconfirmed behaviour are noted
in the docstring of the module that makes them (routes/*.py, errors.py, webhooks.py,
generate/).
"""
