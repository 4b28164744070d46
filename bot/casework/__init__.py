"""Casework: caseworkers, review, notifications, reminders and exports (issue 5)."""
