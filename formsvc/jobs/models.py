"""The tables of bulk jobs: one row per job, one per chunk of certificates it prints."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..registry.models import Timestamp, utcnow

QUEUED, RUNNING, DONE, FAILED, REJECTED = "queued", "running", "done", "failed", "rejected"
STATE_TEXT = {QUEUED: "排队中", RUNNING: "进行中", DONE: "已完成", FAILED: "失败", REJECTED: "已拒绝"}
#: states in which a job still has work to do, and may be resumed after a crash
UNFINISHED = (QUEUED, RUNNING)


class Job(Base):
    """A bulk issue: a checked 采集表 whose rows become certificates and one print PDF."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default=QUEUED, index=True)
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    chunk_count: Mapped[int] = mapped_column(Integer)
    source_name: Mapped[str] = mapped_column(String(200))
    photo_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(100))
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("issuers.id"), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: a process working on the job holds it until then, and renews while it works
    lease_until: Mapped[dt.datetime | None] = mapped_column(Timestamp, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(Timestamp, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(Timestamp, nullable=True)


class JobChunk(Base):
    """A run of consecutive rows, issued in one transaction and printed as one PDF."""

    __tablename__ = "job_chunks"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: where its rows start in the job's rows file, and how many there are
    offset: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    #: its certificates are in the registry (they may be, and not yet printed, when a job fails)
    issued: Mapped[bool] = mapped_column(default=False, server_default=false())
    finished: Mapped[bool] = mapped_column(default=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(Timestamp, nullable=True)
