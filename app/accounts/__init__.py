"""Accounts: invitations, profiles and their administration."""
