"""Celery tasks of the evidence app: each calls one service."""

from __future__ import annotations

from celery import shared_task

from .sweeper import evidence_orphans_sweep


@shared_task(name="evidence.sweep_orphans", acks_late=True, soft_time_limit=1800, time_limit=1900)
def evidence_orphans_sweep_task() -> int:
    """Daily (beat): delete stored evidence bytes without a row, past the grace period."""
    return len(evidence_orphans_sweep().removed)
