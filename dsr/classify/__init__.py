"""Recognising personal data: which columns hold what, from their names and values."""
