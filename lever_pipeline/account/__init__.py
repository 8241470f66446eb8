"""Which Lever account this deployment talks to.

The one place that decides the API key and base URL (with no `LEVER_API_KEY`, the bundled
sandbox's public key), and the one factory for the Lever client, which always draws on
the rate-limit bucket every process using that key shares.
"""
