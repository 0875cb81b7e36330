"""Attachments: files on meetings and agenda items, checked by content and served behind the visibility checks."""
