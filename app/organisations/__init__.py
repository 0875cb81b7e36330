"""Organisations: who sends people to the bodies."""
