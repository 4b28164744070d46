"""Eligibility: the versioned ruleset, its evaluator and the check (see README.md here)."""
