"""Print: the URL fetcher serves only our own files; unprintable characters are refused."""

from __future__ import annotations

import pytest

from formsvc.render.pdf import RefusedURL, Resources, SafeFetcher


@pytest.fixture
def fetcher(app):
    from formsvc.render.pdf import print_setup

    return SafeFetcher(print_setup(app.config["FONT_DIR"]).fonts)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:6379/",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        "data:text/plain,hello",
        "static:../../../../etc/passwd",
        "static:/../formsvc/__init__.py",
        "static:css/nonexistent.css",
        "font:../../etc/passwd",
        "resource:0",
    ],
)
def test_fetcher_refuses_everything_but_our_own_files(fetcher, url):
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


def test_fetcher_serves_static_files_fonts_and_attached_images(app):
    from formsvc.render.pdf import print_setup

    resources = Resources()
    key = resources.attach(b"\x89PNG...", "image/png")
    fetcher = SafeFetcher(print_setup(app.config["FONT_DIR"]).fonts, resources)
    assert fetcher.fetch("static:css/print.css").read().startswith(b"/*")
    assert fetcher.fetch("font:serif-regular").read()[:4] == b"OTTO"
    assert fetcher.fetch(key).read() == b"\x89PNG..."


def test_a_character_no_font_can_draw_is_a_422_naming_it(client):
    from ..helpers import sample

    data = sample("pledge")
    data["applicants"][1]["name"] = "王\U000f0001"  # private use: no font has it
    response = client.post("/api/v1/forms/pledge/render?format=pdf", json=data)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors[0]["loc"] == ["applicants", 1, "name"]
    assert "U+F0001" in errors[0]["msg"]

    data["applicants"][1]["name"] = "王𪚥"  # U+2A6A5, beyond the installed faces
    response = client.post("/api/v1/forms/pledge/render?format=pdf", json=data)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["msg"].startswith("承诺人中的字符「𪚥」（U+2A6A5）")


def test_rare_characters_the_fonts_have_are_printed(client):
    from ..helpers import flat, pdf_text, sample

    data = sample("pledge")
    data["applicants"][0]["name"] = "龚䶮"
    response = client.post("/api/v1/forms/pledge/render?format=pdf", json=data)
    assert response.status_code == 200
    assert "龚䶮" in flat(pdf_text(response.data)[0])


@pytest.mark.parametrize(("value", "runs"), [
    ("420102199003072315", [("420102199003072315", True)]),
    ("2019-10-01", [("2019-10-01", True)]),
    ("咸职改办〔2019〕15号", [("咸职改办〔2019〕15号", True)]),
    # text with numbers in it keeps its breaks between words, the numbers held together
    ("李䶮 工程师 2019年", [("李䶮 工程师 ", False), ("2019年", True)]),
    ("第1名", [("第1名", False)]),  # one character is no run to hold together
    (None, []),
])
def test_numbers_dates_and_document_numbers_are_whole_runs(value, runs):
    from formsvc.render.templating import no_break_runs, nobreak

    assert no_break_runs(value) == runs
    html = "".join(f'<span class="nb">{text}</span>' if whole else text for text, whole in runs)
    assert nobreak(value) == html


def test_a_no_break_run_is_escaped_in_html():
    from formsvc.render.templating import nobreak

    assert nobreak("<b>2019年</b>") == '&lt;b&gt;<span class="nb">2019年</span>&lt;/b&gt;'


@pytest.mark.parametrize("body, marker", [
    ("<ul><li>甲项</li></ul>", "•"),
    ('<div style="display: list-item; list-style-type: decimal; margin-left: 2em">甲项</div>', "1."),
])
def test_a_list_item_keeps_its_marker(app, body, marker):
    # the user-agent's ::marker rules are left out only where no element can be a list item
    from formsvc.render import pdf

    from ..helpers import pdf_text

    assert pdf._USES_PSEUDO.search(body)
    html = f'<html><body><p class="song">标题</p>{body}</body></html>'
    text = "".join(pdf_text(pdf.render_html(html, pdf.print_setup(app.config["FONT_DIR"]))))
    assert marker in text and "甲项" in text


def test_a_form_is_styled_without_the_pseudo_element_rules(client, monkeypatch):
    from formsvc.render import pdf

    from ..helpers import sample

    kinds = []
    original = pdf.LeanHTML._ua_stylesheets

    def noted(self, forms=False):
        kinds.append(type(self))
        return original(self, forms)

    monkeypatch.setattr(pdf.LeanHTML, "_ua_stylesheets", noted)
    response = client.post("/api/v1/forms/post-quota/render?format=pdf", json=sample("post-quota"))
    assert response.status_code == 200
    assert kinds == [pdf.LeanHTML]
    lean = pdf._lean_ua_stylesheet()
    assert lean is not pdf.UA_STYLESHEET


def test_a_render_raises_the_collectors_threshold_and_puts_it_back(app, monkeypatch):
    import gc

    from formsvc.render import pdf

    seen = []
    original = pdf._escape_font_names

    def noted(document):
        seen.append(gc.get_threshold())
        original(document)

    monkeypatch.setattr(pdf, "_escape_font_names", noted)
    before = gc.get_threshold()
    pdf.render_html("<html><body><p>汇总表</p></body></html>", pdf.print_setup(app.config["FONT_DIR"]))
    assert seen == [(max(before[0], pdf.RENDER_GC_THRESHOLD), *before[1:])]
    assert gc.get_threshold() == before
