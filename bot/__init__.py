"""Telegram assistant for Kyrgyzstan's social contract program."""
