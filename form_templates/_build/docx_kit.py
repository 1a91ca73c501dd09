"""What the DOCX template builders share: page set-up, Chinese fonts in 号 sizes, tables.

Each form_templates/<id>/build.py uses these to write its form.docx, so that a template can be
regenerated and reviewed as code. Fonts are named as Word users have them; docxtpl tags such as
``{{ doc.unit }}`` go into runs like any other text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

#: Chinese type sizes (号) in points
ERHAO, XIAOER, SANHAO, XIAOSAN, SIHAO, XIAOSI, WUHAO, XIAOWU = 22, 18, 16, 15, 14, 12, 10.5, 9

# Word on every Windows and WPS machine has 宋体/仿宋/黑体/楷体; the 方正小标宋简体 and 仿宋_GB2312
# of printed notices are often missing, and Word would silently substitute something else
SONG, FANGSONG, HEITI, KAITI = "宋体", "仿宋", "黑体", "楷体"
LATIN_FONT = "Times New Roman"

ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def set_fonts(target: Run | object, east_asia: str, size: float | None = None,
              bold: bool | None = None) -> None:
    """Name the East-Asian and Latin fonts of a run or style, as Word stores them."""
    font = target.font  # type: ignore[attr-defined]
    font.name = LATIN_FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    element = target.element if hasattr(target, "element") else target._element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)


def new_document(*, landscape: bool = False, paper: str = "A4",
                 margins_mm: tuple[float, float, float, float] = (25, 22, 22, 22),
                 attachment: str | None = None) -> WordDocument:
    """A document whose Normal style is 仿宋 三号, on A4 (or A3) with official margins; the
    notice's 附件N (attachment) stands top left in the page header, above the form."""
    document = Document()
    section = document.sections[0]
    width, height = {"A4": (210, 297), "A3": (297, 420)}[paper]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        width, height = height, width
    section.page_width, section.page_height = Mm(width), Mm(height)
    top, right, bottom, left = margins_mm
    section.top_margin, section.right_margin = Mm(top), Mm(right)
    section.bottom_margin, section.left_margin = Mm(bottom), Mm(left)
    normal = document.styles["Normal"]
    set_fonts(normal, FANGSONG, SANHAO)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    if attachment:
        header = section.header.paragraphs[0]
        set_fonts(header.add_run(attachment), HEITI, SANHAO)
    document.core_properties.author = "formsvc"
    document.core_properties.comments = "由 form_templates 中的构建脚本生成，请勿手工修改后提交"
    return document


def paragraph(container: WordDocument | _Cell, parts: Sequence[tuple[str, dict]] | str = "",
              *, align: str = "left", font: str = FANGSONG, size: float = SANHAO,
              bold: bool = False, indent_chars: float = 0, line_pt: float | None = None,
              space_before_pt: float = 0, space_after_pt: float = 0,
              reuse_first: bool = False) -> Paragraph:
    """A paragraph of runs; parts are (text, overrides) with keys font, size, bold, underline."""
    if reuse_first and isinstance(container, _Cell) and not container.paragraphs[0].text:
        para = container.paragraphs[0]
    else:
        para = container.add_paragraph()
    para.alignment = ALIGN[align]
    fmt = para.paragraph_format
    fmt.space_before, fmt.space_after = Pt(space_before_pt), Pt(space_after_pt)
    if indent_chars:
        fmt.first_line_indent = Pt(size * indent_chars)
    if line_pt:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line_pt)
    if isinstance(parts, str):
        parts = [(parts, {})]
    for text, overrides in parts:
        run = para.add_run(text)
        set_fonts(run, overrides.get("font", font), overrides.get("size", size),
                  overrides.get("bold", bold))
        if overrides.get("underline"):
            run.font.underline = True
    return para


def title(document: WordDocument, text: str, *, size: float = ERHAO,
          space_after_pt: float = 16) -> Paragraph:
    """The form's title: 宋体, bold, centred."""
    return paragraph(document, text, align="center", font=SONG, size=size, bold=True,
                     space_after_pt=space_after_pt)


def table(document: WordDocument, rows: int, widths_mm: Sequence[float]) -> Table:
    """A bordered table with fixed column widths, centred on the page."""
    grid = document.add_table(rows=rows, cols=len(widths_mm))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for row in grid.rows:
        for index, cell in enumerate(row.cells):
            cell.width = Mm(widths_mm[index])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for index, column in enumerate(grid.columns):
        column.width = Mm(widths_mm[index])
    return grid


def row_height(table_: Table, row: int, height_mm: float, *, exact: bool = False) -> None:
    from docx.enum.table import WD_ROW_HEIGHT_RULE

    table_.rows[row].height = Mm(height_mm)
    table_.rows[row].height_rule = WD_ROW_HEIGHT_RULE.EXACTLY if exact else WD_ROW_HEIGHT_RULE.AT_LEAST


def cell_text(cell: _Cell, text: str | Sequence[tuple[str, dict]], **options) -> Paragraph:
    """Put text in a cell's first paragraph (centred by default)."""
    options.setdefault("align", "center")
    options.setdefault("size", XIAOSI)
    return paragraph(cell, text, reuse_first=True, **options)


def merge(table_: Table, top: int, left: int, bottom: int, right: int) -> _Cell:
    return table_.cell(top, left).merge(table_.cell(bottom, right))


def cell_top(cell: _Cell) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP


def cell_bottom(cell: _Cell) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM


#: Word 2010's second copy of the styles, which python-docx's blank document carries (438 KB)
#: and Word writes again from styles.xml
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
_STYLE_REFERENCES = ("w:pStyle", "w:rStyle", "w:tblStyle", "w:numStyleLink", "w:styleLink")


def _used_styles(document: WordDocument) -> set[str]:
    """The style ids the body, headers, footers and list numbering name, the defaults, and every
    style these are based on, linked to or followed by."""
    styles = document.styles.element
    by_id = {style.get(qn("w:styleId")): style for style in styles.iterchildren(qn("w:style"))}
    parts = [document.element]
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header,
                     section.first_page_footer, section.even_page_header, section.even_page_footer):
            if not part.is_linked_to_previous:
                parts.append(part._element)
    with contextlib.suppress(NotImplementedError):  # the list styles numbering.xml links to
        parts.append(document.part.numbering_part.element)
    wanted = {style_id for style_id, style in by_id.items() if style.get(qn("w:default")) == "1"}
    for element in parts:
        for name in _STYLE_REFERENCES:
            wanted.update(found.get(qn("w:val")) for found in element.iter(qn(name)))
    todo = list(wanted)
    while todo:
        style = by_id.get(todo.pop())
        if style is None:
            continue
        for name in ("w:basedOn", "w:link", "w:next"):
            for found in style.iterchildren(qn(name)):
                if found.get(qn("w:val")) not in wanted:
                    wanted.add(found.get(qn("w:val")))
                    todo.append(found.get(qn("w:val")))
    return wanted


def save(document: WordDocument, path: Path) -> None:
    """The template as it is filled and printed, without what python-docx's blank document adds
    that the form never uses: its 160 unused styles (styles.xml from 350 KB to about 10) and
    stylesWithEffects.xml. Every render opens, fills and writes the whole package again, so
    these were most of a Word render's time."""
    used = _used_styles(document)
    styles = document.styles.element
    for style in list(styles.iterchildren(qn("w:style"))):
        if style.get(qn("w:styleId")) not in used:
            styles.remove(style)
    part = document.part
    for rel_id, rel in list(part.rels.items()):
        if rel.reltype == STYLES_WITH_EFFECTS:
            part.drop_rel(rel_id)
    document.save(str(path))


def boxed(cell: _Cell, expression: str, **options) -> None:
    """A box whose text may continue on a 附页 (formsvc/boxes.py Boxed): its paragraphs,
    then, only when it continues, the line saying where."""
    cell_text(cell, "{{ " + expression + ".text|paragraphs }}", **options)
    plain = {k: v for k, v in options.items() if k not in ("align", "indent_chars")}
    paragraph(cell, "{%p if " + expression + ".continued %}", **plain)
    paragraph(cell, "{{ " + expression + ".continued }}", align="right", **plain)
    paragraph(cell, "{%p endif %}", **plain)


def annexes(document: WordDocument, *, size: float = XIAOSI) -> None:
    """The 附页 of a filled form at its end, each on a new page: 附页N, the box's label and
    （续）, then the text the box could not hold (formsvc/boxes.py Annex)."""
    paragraph(document, "{%p for annex in doc.annexes %}", size=size)
    name = paragraph(document, "{{ annex.name }}", font=HEITI, size=SIHAO, space_after_pt=8)
    name.paragraph_format.page_break_before = True
    title(document, "{{ annex.heading }}", size=XIAOER, space_after_pt=12)
    paragraph(document, "{{ annex.paragraphs|join('\\n')|paragraphs }}", align="justify",
              size=size, line_pt=size * 1.6)
    paragraph(document, "{%p endfor %}", size=size)
