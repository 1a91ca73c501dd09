"""A process that issues certificates from several threads at once (for the concurrency tests)."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.orm import sessionmaker

from formsvc.db import make_engine
from formsvc.registry import issuing
from formsvc.registry.records import RegistrySettings
from formsvc.registry.scope import WHOLE_REGISTRY

from ..helpers import request_for

SETTINGS = RegistrySettings(prefix="HB", issuing_body="湖北省职称改革工作领导小组办公室",
                            public_url="https://zc.example.gov.cn")


def issue_all(url: str, serials: list[int], threads: int, seed: int, start: Any) -> dict[int, str]:
    """Every thread issues every one of serials, each in its own shuffled order; start is a barrier
    that lets all processes begin together. Returns serial → number, checking that all threads
    of this process got the same number for the same record."""
    engine = make_engine(url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    requests = {serial: request_for(serial) for serial in serials}

    def work(worker: int) -> dict[int, str]:
        order = list(serials)
        random.Random(seed * 100 + worker).shuffle(order)
        got = {}
        with sessions() as session:
            for serial in order:
                issued = issuing.issue(session, requests[serial], scope=WHOLE_REGISTRY,
                                       actor=f"worker-{seed}-{worker}", settings=SETTINGS)
                got[serial] = issued.certificate.number
        return got

    start.wait()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(work, range(threads)))
    engine.dispose()
    for other in results[1:]:
        assert other == results[0], "threads of one process saw different numbers for a record"
    return results[0]
