"""Eligibility: the versioned ruleset file and (in later work) its evaluator."""
