"""Bulk certificate issuing and printing: plan, chunked rendering, local pool, Celery."""
