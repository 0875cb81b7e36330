"""The audit trail: recording changes and the admins' log."""
