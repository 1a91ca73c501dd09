"""The accessibility and CSP smoke check every page gets: labels, contrast, keyboard, no inline code."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: the checks that run in the page; contrast is WCAG 2 AA (4.5:1, large text 3:1)
CHECKS = (Path(__file__).with_name("a11y.js")).read_text(encoding="utf-8")


def run(page: Any, check: str) -> Any:
    # page.evaluate runs through the DevTools protocol, which the page's CSP does not restrict
    return page.evaluate(f"({CHECKS}).{check}()")


def check_no_inline_code(page: Any, response: Any) -> None:
    """No inline script or handler the CSP would block; the strict CSP header is sent."""
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy, policy
    html = response.text()
    assert " style=" not in html, "inline style attribute in the served HTML"
    found = run(page, 'inlineCode')
    assert found["lang"] == "zh-CN"
    assert found["inlineScripts"] == 0, found
    assert found["handlers"] == [], found
    assert found["javascriptUrls"] == 0, found


def check_labels(page: Any) -> None:
    unlabelled = run(page, 'unlabelled')
    assert unlabelled == [], f"inputs without a label: {unlabelled}"


def check_contrast(page: Any) -> int:
    result = run(page, 'contrast')
    assert result["checked"] > 0, "no text found to check"
    assert result["failures"] == [], "\n".join(result["failures"])
    return int(result["checked"])


def tab_through(page: Any, wanted: Sequence[str], limit: int = 80) -> list[dict[str, Any]]:
    """Press Tab until every text in wanted has had the focus; each focused element shows it."""
    # the next Tab starts from the top of the page, whatever was clicked before
    page.evaluate("""() => {
      document.body.tabIndex = -1;
      document.body.focus();
      document.body.removeAttribute('tabindex');
    }""")
    missing = list(wanted)
    seen: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = run(page, 'focused')
        if focused is None:
            continue
        seen.append(focused)
        assert focused["visible"], f"focus not visible on {focused}; missing {missing}; seen {seen}"
        missing = [text for text in missing if text not in focused["text"]]
        if not missing:
            return seen
    raise AssertionError(f"Tab never reached {missing}; reached {[f['text'] for f in seen]}")


def check_page(page: Any, response: Any, *, keyboard: Sequence[str] = ()) -> None:
    """The whole smoke check, then: the browser reported no error (CSP violations included)."""
    check_no_inline_code(page, response)
    check_labels(page)
    check_contrast(page)
    if keyboard:
        tab_through(page, keyboard)
    problems = page.formsvc_log.problems()
    assert problems == [], problems
