"""Broadcasts (issue 6): announcements to families, paced, persisted and crash-safe."""
