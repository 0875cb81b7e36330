"""Bodies (Gremien), their memberships and parity."""
