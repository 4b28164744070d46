"""Privacy (issue 8): a family's copy of its data (/mydata) and erasure (/deleteme)."""
