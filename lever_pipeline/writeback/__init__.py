"""The write-back domain: feedback drafts under review, the outbox of queued Lever writes, the sender
that delivers them exactly once, and validation against feedback templates."""
