"""Logging in and out, invitations and password resets."""
