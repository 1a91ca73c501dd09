"""The smoke checks themselves catch what they look for: each fails on a page made to break it."""

from __future__ import annotations

import pytest

from .a11y import check_contrast, check_labels, run, tab_through

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html lang="zh-CN"><head><style>
  body { background: #fff; color: #1f2328; } .faint { color: #aaaaaa; }
  .quiet:focus { outline: none; } button.dim { opacity: .5; color: #bbb; }
</style></head><body>
  <p>正文</p><label for="a">单位</label><input id="a">
  {extra}
</body></html>"""


@pytest.mark.parametrize(("extra", "check", "complaint"), [
    ('<p class="faint">浅灰色的字</p>', check_contrast, "浅灰色的字"),
    ('<input id="b">', check_labels, 'id="b"'),
    ('<a class="quiet" href="#x">看不见焦点</a>', lambda page: tab_through(page, ["看不见焦点"]),
     "focus not visible"),
    ('<button>不存在的按钮</button>', lambda page: tab_through(page, ["另一个按钮"], limit=6),
     "never reached"),
])
def test_each_check_fails_on_a_page_that_breaks_it(page, extra, check, complaint):
    page.set_content(PAGE.replace("{extra}", extra))
    with pytest.raises(AssertionError, match=complaint):
        check(page)


def test_the_checks_pass_a_page_that_keeps_the_rules(page):
    page.set_content(PAGE.replace("{extra}", '<button class="dim" disabled>不可用</button>'))
    assert check_contrast(page) >= 2  # a disabled control is exempt (WCAG 1.4.3)
    check_labels(page)
    tab_through(page, ["单位"])


def test_inline_code_is_found(page):
    page.set_content('<html lang="zh-CN"><body><script>1</script><p onclick="x()">点</p>'
                     '<a href="javascript:void 0">链接</a></body></html>')
    found = run(page, "inlineCode")
    assert found == {"lang": "zh-CN", "inlineScripts": 1, "handlers": ["P onclick"], "javascriptUrls": 1}
