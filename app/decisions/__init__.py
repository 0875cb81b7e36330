"""Decisions (Beschlüsse): recorded on agenda items, numbered at approval, found in the decision register."""
