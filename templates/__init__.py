"""Jinja2 templates shipped with dsr, found through importlib.resources wherever installed."""
