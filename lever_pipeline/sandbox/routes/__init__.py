"""HTTP handlers: Lever's /v1 reads and writes, and the sandbox's own control plane."""
