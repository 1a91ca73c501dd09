"""Every certificate PDF handed out is PDF/A-3b, carries certificate.json and a PAdES signature
by the issuing body's key; the bulk print PDF is unsigned."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from formsvc.signing import keys
from formsvc.signing.sign import FIELD_NAME, SEAL_BOX, outside_event_loop

from ..helpers import blank_template, fill, pdf_text, people, save_artifact
from .conftest import covers, pyhanko_status, trust_of


def embedded_record(pdf: bytes) -> tuple[dict[str, Any], str]:
    """certificate.json read back with pikepdf, and its AFRelationship."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        spec = document.Root.AF[0]
        content = document.attachments["certificate.json"].get_file().read_bytes()
        return json.loads(content), str(spec.AFRelationship)


def test_single_download_is_signed_pdfa3b_with_its_record(signing_app: Flask, signed: bytes,
                                                         issued: dict[str, Any]) -> None:
    save_artifact("signed-certificate.pdf", signed)
    status = pyhanko_status(signed, trust_of(signing_app))
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert covers(status)
    assert "测试/样章" in status.signing_cert.subject.human_friendly
    with pikepdf.open(io.BytesIO(signed)) as document:
        meta = document.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("3", "B")
        assert issued["number"] in meta.get("dc:title")
        assert document.Root.OutputIntents[0].S == "/GTS_PDFA1"
        assert document.pdf_version <= "1.7"  # PDF/A-3 is built on PDF 1.7
        field = document.Root.AcroForm.Fields[0]
        assert (str(field.T), str(field.V.SubFilter)) == (FIELD_NAME, "/ETSI.CAdES.detached")
        # the signature's widget lies over the seal
        assert [round(float(v)) for v in field.Rect] == [round(v) for v in SEAL_BOX]
    record, relationship = embedded_record(signed)
    assert relationship == "/Data"
    assert record["number"] == issued["number"]
    assert record["name"] == issued["name"] and record["title"] == issued["title"]
    assert record["id_number_masked"] != issued["id_number"] and "*" in record["id_number_masked"]
    assert "birth_date" not in record and "photo" not in record
    assert record["verify_url"] == issued["verify_url"]
    assert record["issued_on"] == issued["issued_on"]
    # still the certificate a reader shows
    assert issued["number"] in pdf_text(signed)[0]


def test_a_certificate_is_signed_in_a_thread_whose_event_loop_runs(
        client: FlaskClient, auth: dict[str, str], issued: dict[str, Any], signing_app: Flask) -> None:
    # pyHanko's synchronous API calls asyncio.run: inside a running loop (a browser test in the same
    # process, an async server) that raised, and the download was a 500
    async def download() -> Any:
        return client.get(f"/api/v1/certificates/{issued['number']}/pdf", headers=auth)

    # in a thread of its own: a browser test before this one may have left its loop running here
    response = outside_event_loop(lambda: asyncio.run(download()))
    assert response.status_code == 200
    status = pyhanko_status(response.data, trust_of(signing_app))
    assert status.bottom_line, status.pretty_print_details()


def test_office_reprint_is_signed(signing_app: Flask, issued: dict[str, Any]) -> None:
    from formsvc import db, users

    with signing_app.app_context():
        users.create(db.session(), "clerk", "correct horse battery", admin=True)
    client = signing_app.test_client()
    client.post("/office/login", data={"name": "clerk", "password": "correct horse battery"})
    response = client.get(f"/office/certificates/{issued['number']}/pdf")
    assert response.status_code == 200
    status = pyhanko_status(response.data, trust_of(signing_app))
    assert status.bottom_line, status.pretty_print_details()


def test_each_file_of_a_bulk_zip_is_signed_and_the_print_pdf_is_not(
        signing_app: Flask, client: FlaskClient) -> None:
    from formsvc.jobs import runners

    sheet = fill(blank_template(client, "title-history"), people(3))
    job_id, _ = runners.submit(signing_app, sheet, source_name="s.xlsx", photos=None, actor="t",
                               issuer_id=None, start=False)
    runners.runner_for(signing_app).drive(job_id)
    folder = Path(signing_app.config["OUTPUT_DIR"]) / job_id
    assert "/AcroForm" not in PdfReader(folder / "print.pdf").trailer["/Root"]
    context = trust_of(signing_app)
    with zipfile.ZipFile(folder / "certificates.zip") as archive:
        names = archive.namelist()
        assert len(names) == 3
        for name in names:
            single = archive.read(name)
            status = pyhanko_status(single, context)
            assert status.bottom_line, (name, status.pretty_print_details())
            record, _ = embedded_record(single)
            assert record["number"] in name and record["name"] in name


@pytest.mark.parametrize("revocation", [["--no-revocation-check"], []])
def test_pyhanko_cli_validates_a_signed_certificate_against_the_trial_ca(
        signing_app: Flask, signed: bytes, tmp_path: Path, revocation: list[str]) -> None:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(signed)
    ca = Path(signing_app.instance_path) / keys.TRIAL_DIR / keys.TRIAL_CA
    cli = Path(sys.executable).with_name("pyhanko")
    result = subprocess.run([str(cli), "sign", "validate", "--trust", str(ca), "--trust-replace",
                             *revocation, "--pretty-print", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The signature is judged VALID" in result.stdout, result.stdout
    assert "The signer's certificate is trusted" in result.stdout
    # the B-LT update after the signature, as pyhanko-cli sees it
    assert "All modifications relate to signature maintenance" in result.stdout


#: a product requirement, not a timing: a signed single certificate without photo, so that a
#: 10,000-certificate ZIP stays under 1 GB (issue 11)
SINGLE_LIMIT = 100 * 1024


def test_signed_singles_stay_small_and_whole(signing_app: Flask, client: FlaskClient,
                                             signed: bytes) -> None:
    from formsvc.jobs import runners

    sheet = fill(blank_template(client, "title-history"), people(4))
    job_id, _ = runners.submit(signing_app, sheet, source_name="s.xlsx", photos=None, actor="t",
                               issuer_id=None, start=False)
    runners.runner_for(signing_app).drive(job_id)
    folder = Path(signing_app.config["OUTPUT_DIR"]) / job_id
    with zipfile.ZipFile(folder / "certificates.zip") as archive:
        singles = [archive.read(name) for name in archive.namelist()]
    context = trust_of(signing_app)
    # the download (rendered alone) and each file of a bulk ZIP (cut from its chunk), with the seal
    for single in (signed, *singles):
        assert len(single) <= SINGLE_LIMIT, len(single)
        status = pyhanko_status(single, context)
        assert status.bottom_line and covers(status), status.pretty_print_details()
        with pikepdf.open(io.BytesIO(single)) as document:
            meta = document.open_metadata()
            assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("3", "B")
            assert document.Root.OutputIntents[0].S == "/GTS_PDFA1"
        record, relationship = embedded_record(single)
        assert relationship == "/Data"
        # the text a reader copies out is still the certificate's, after its fonts were cut down
        page = "".join(pdf_text(single)[0].split())
        assert record["number"] in page and record["name"] in page and record["title"] in page
