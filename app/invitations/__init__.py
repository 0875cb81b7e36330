"""Invitations to meetings, answers through signed links, update and cancellation mails, reminders."""
