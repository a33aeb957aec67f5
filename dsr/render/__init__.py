"""Turning results into documents: Jinja2 templates and owner-only file writers."""
