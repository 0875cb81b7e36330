"""Meetings and standalone events: scheduling, status, pages."""
