"""Signed certificates: what signing adds per certificate (PDF/A-3b parts, certificate.json and the
PAdES signature, on a single cut from a bulk chunk) against rendering it in the same run, the size
of a signed single, and the median time of a verification by upload (child process included)."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable

from common import Report, bench_app, median_ms

from formsvc.signing.keys import SigningKey

CHUNK = 50


def bench(report: Report) -> None:
    from bench_verify import issue_certificates

    from formsvc.documents import RenderSettings
    from formsvc.registry import printing, records
    from formsvc.render.compose import single_pages
    from formsvc.signing import signed_pdf, signing_key
    from formsvc.signing.archive import embedded_data
    from formsvc.signing.sign import sign_certificate

    app = bench_app()
    certificates = issue_certificates(app, CHUNK)
    settings = records.RegistrySettings.from_config(app.config)
    seal = printing.seal_from_config(app.config)
    with app.app_context():
        def chunk() -> bytes:
            return printing.render_certificates(certificates, settings, seal,
                                                rendering=RenderSettings.of(app)).content

        render_ms = median_ms(chunk, runs=5, warmup=1) / CHUNK
        singles = list(single_pages(chunk()))
        key = signing_key(app)
        # the same key without its validation data: B-B as before B-LT, the same-run baseline
        plain = dataclasses.replace(key, validation=None)
        embedded = [embedded_data(c, settings) for c in certificates]
        turn = iter(range(10**9))

        def signer(using: SigningKey) -> Callable[[], bytes]:
            def sign() -> bytes:
                index = next(turn) % CHUNK
                return sign_certificate(singles[index], embedded[index], using)
            return sign

        plain_ms = median_ms(signer(plain), runs=50, warmup=5)
        sign_ms = median_ms(signer(key), runs=50, warmup=5)
        plain_kb = sum(len(signer(plain)()) for _ in range(CHUNK)) / CHUNK / 1024
        signed = [signed_pdf(c, settings, s, app) for c, s in zip(certificates, singles, strict=True)]
    report.figure("bulk render per certificate (chunk of 50, same run)", render_ms, "ms")
    report.figure("signing per certificate, B-B (same key without validation data, median)", plain_ms, "ms")
    report.figure("signing per certificate: PDF/A-3b + certificate.json + PAdES B-LT (median)", sign_ms, "ms")
    report.figure("B-LT's DSS update per certificate (median difference)", sign_ms - plain_ms, "ms")
    report.figure("signed single from a chunk, B-B (average)", plain_kb, "KB")
    report.figure("signing ÷ rendering, per certificate", sign_ms / render_ms, "x")
    report.figure("signed single from a chunk, without photo (average)",
                  sum(map(len, signed)) / len(signed) / 1024, "KB", at_most=100)
    client = app.test_client()

    def upload() -> None:
        response = client.post("/api/v1/verify/document", data={"file": (io.BytesIO(signed[0]), "c.pdf")},
                               content_type="multipart/form-data")
        assert response.status_code == 200 and response.get_json()["valid_now"], response.get_json()

    report.figure("verification by upload, one signed certificate (median)", median_ms(upload, runs=10,
                                                                                         warmup=2), "ms")
