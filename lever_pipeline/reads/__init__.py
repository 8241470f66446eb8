"""Queries behind the read API: candidates and feedback templates as the warehouse holds them."""
