"""Calendars: iCalendar (RFC 5545) for mails, downloads and feeds."""
