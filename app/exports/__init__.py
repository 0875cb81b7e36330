"""Approved minutes as printable HTML and PDF, complete (members) or public."""
