"""The webhook domain: raw events stored once, their queue, claims by refresh runs, and retention."""
