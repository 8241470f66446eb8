"""How each write changes the store: one function per change, shared by the /v1 write
routes and the seeded mutations, so both bump `updatedAt`, show in reads at once and emit
the same webhook events. Input is already validated by the caller.
"""
