"""The seed becomes an account: deterministic synthetic Lever data.

`world.generate` draws the account-level objects (account.py) and the opportunities
(opportunities.py) in one pass of `random.Random(seed)`; an opportunity's sub-resources
(children.py) come later, on demand, from a seed of their own, so asking twice gives the
same bytes. Every generator draws in a fixed order: reordering draws, or the vocabularies
in vocab.py, changes every seed's data.
"""
