"""Repository functions: they take a session, never commit, and know nothing of Telegram."""
