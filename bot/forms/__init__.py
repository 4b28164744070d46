"""The form engine: questionnaires declared as data, run by one generic engine.

Pure domain code (no Telegram, no database). See README.md beside this file for how a feature
declares a form, registers it and starts it.
"""
