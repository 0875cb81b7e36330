"""Date polls (Terminumfragen): proposed dates, answers per invitee, and closing a poll into a meeting."""
