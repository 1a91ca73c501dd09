"""Blueprints: the JSON API, the public verification pages, the office and form pages."""
