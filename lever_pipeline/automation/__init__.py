"""Advancement rules: evaluating interview feedback, acting through the outbox, Slack, backtests."""
