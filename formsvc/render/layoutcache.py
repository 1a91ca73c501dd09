"""What WeasyPrint recomputes for every line of text and every border of a table, made once.

WeasyPrint (70) lays out each line of text in a Pango layout of its own, twice (to break the line,
then to draw it), and for each one makes a new Pango context and a new font description, and
works out the line's strut (its line height and baseline) from a key it builds as a string of
fourteen style values; resolving a table's collapsed borders, it scores each box's border on each
side once per grid line it lies on. A listing sets a few hundred short lines per page in a handful
of styles: a listing of 32 columns and 5 rows on one A3 sheet had 283 lines and 1,904 border
scores, and these made a seventh of its render time (when WeasyPrint printed the listings, which
Typst now sets: typeset.py; the tables of the other forms, lists of applicants among
them, gain the same way). Here

- a Pango context is made once per font map, direction and language (WeasyPrint sets nothing else
  on a context, and a layout keeps its own font description and attributes);
- a font description once per the seven values it is made of (Pango copies it into each layout);
- a style's strut is kept with the style, once WeasyPrint's own cache has answered for it;
- a document breaks the same text in the same style and width once (split_first_line: a fifth
  of a listing's lines repeat an earlier one, 武汉市 in 城市, the unit in 所在单位), kept with
  the document's layout context and so never beyond it;
- placing a line or block where there are no floats (avoid_collisions) skips the search for the
  floats it would have to avoid;
- a style's border on a side is scored once per table (collapse_table_borders, copied from
  WeasyPrint 70 but for that);
- a box with nothing to paint behind it (a listing's every cell and line) gets no background
  without WeasyPrint's look at images and colors it does not have (layout_box_backgrounds);
- a color is told from currentColor by its type before comparing (get_color: a color compared
  with a string runs tinycss2's Python __eq__), some four thousand times per sheet.

Each is the same computation with the same result: every form prints byte for byte the same PDF
(tests/render/test_layoutcache.py). install() replaces the functions for the WeasyPrint this was
written against only, so that an upgrade falls back to WeasyPrint's own code.

Over 350 lines on purpose: the replacements and the originals they stand in for are one contract
with one WeasyPrint version, installed and removed together; two of them (Layout.setup,
collapse_table_borders) are WeasyPrint's own functions with one change each, kept whole so that
they can be compared with the version they follow.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

import weasyprint
from weasyprint.draw import border as draw_border
from weasyprint.draw import color as draw_color
from weasyprint.draw import text as draw_text
from weasyprint.formatting_structure import build
from weasyprint.layout import background as layout_background
from weasyprint.layout import block as layout_block
from weasyprint.layout import float as layout_float
from weasyprint.layout import inline as layout_inline
from weasyprint.layout import table as layout_table
from weasyprint.layout.percent import resolve_radii_percentages
from weasyprint.layout.table import TRANSPARENT
from weasyprint.text import line_break
from weasyprint.text.constants import LST_TO_ISO, PANGO_DIRECTION
from weasyprint.text.ffi import FROM_UNITS, ffi, gobject, pango, unicode_to_char_p
from weasyprint.text.fonts import font_features, get_font_description

#: the WeasyPrint whose internals this module knows
WEASYPRINT_VERSION = "70."
#: font descriptions kept at most (a form sets a few sizes; fit() a few more): past this the
#: cache starts again
MAX_DESCRIPTIONS = 512

_lock = threading.Lock()
_contexts: dict[tuple[Any, str, str | None], tuple[Any, Any]] = {}
_descriptions: dict[tuple[Any, ...], Any] = {}


def _language(style: Any) -> str | None:
    """The language Layout.setup gives the context: font-language-override, else lang."""
    if style["font_language_override"] != "normal":
        override = style["font_language_override"]
        return LST_TO_ISO.get(override.lower(), override)
    return style["lang"] or None


def _context(font_map: Any, direction: str, language: str | None) -> tuple[Any, Any]:
    """The Pango context and language of Layout.setup, made once for these three."""
    key = (font_map, direction, language)
    found = _contexts.get(key)
    if found is None:
        context = ffi.gc(pango.pango_font_map_create_context(font_map), gobject.g_object_unref)
        pango.pango_context_set_round_glyph_positions(context, False)
        pango.pango_context_set_base_dir(context, PANGO_DIRECTION[direction])
        if language:
            language_p, _ = unicode_to_char_p(language)
            pango_language = pango.pango_language_from_string(language_p)
            pango.pango_context_set_language(context, pango_language)
        else:
            pango_language = pango.pango_language_get_default()
        with _lock:
            found = _contexts.setdefault(key, (context, pango_language))
    return found


def _font_description(style: Any) -> Any:
    """get_font_description's description, made once for the values it reads."""
    key = (style["font_family"], style["font_style"], style["font_stretch"],
           style["font_weight"], style["font_size"], style["font_variant_caps"],
           style["font_variation_settings"])
    found = _descriptions.get(key)
    if found is None:
        found = get_font_description(style)
        with _lock:
            if len(_descriptions) >= MAX_DESCRIPTIONS:
                _descriptions.clear()
            _descriptions[key] = found
    return found


def _setup(self: Any, style: Any) -> None:
    """Layout.setup with the context and the font description made once."""
    self.style = style
    self.first_line_direction = 0
    context, self.language = _context(
        style.font_config.font_map, style["direction"], _language(style))
    assert not isinstance(style["font_family"], str), "font_family should be a list"
    font_description = _font_description(style)
    self.layout = ffi.gc(pango.pango_layout_new(context), gobject.g_object_unref)
    pango.pango_layout_set_auto_dir(self.layout, False)
    pango.pango_layout_set_font_description(self.layout, font_description)

    if style["text_decoration_line"] != "none":
        metrics = ffi.gc(
            pango.pango_context_get_metrics(context, font_description, self.language),
            pango.pango_font_metrics_unref)
        self.ascent = FROM_UNITS * pango.pango_font_metrics_get_ascent(metrics)
        self.underline_position = FROM_UNITS * (
            pango.pango_font_metrics_get_underline_position(metrics))
        self.strikethrough_position = FROM_UNITS * (
            pango.pango_font_metrics_get_strikethrough_position(metrics))
        self.underline_thickness = FROM_UNITS * (
            pango.pango_font_metrics_get_underline_thickness(metrics))
        self.strikethrough_thickness = FROM_UNITS * (
            pango.pango_font_metrics_get_strikethrough_thickness(metrics))
    else:
        self.ascent = None
        self.underline_position = None
        self.strikethrough_position = None

    features = font_features(
        style["font_kerning"], style["font_variant_ligatures"],
        style["font_variant_position"], style["font_variant_caps"],
        style["font_variant_numeric"], style["font_variant_alternates"],
        style["font_variant_east_asian"], style["font_feature_settings"])
    if features:
        features = ",".join(f"{key} {value}" for key, value in features.items()).encode()
        attr = style.font_config.font_features.setdefault(
            features, pango.pango_attr_font_features_new(features))
        attr_list = pango.pango_attr_list_new()
        pango.pango_attr_list_insert(attr_list, attr)
        pango.pango_layout_set_attributes(self.layout, attr_list)


#: where a style keeps its strut (a computed style's font values are final once read)
_STRUT = "_formsvc_strut"


def _strut(style: Any) -> tuple[float, float]:
    """strut(style), kept with the style after the first answer."""
    found = style.__dict__.get(_STRUT)
    if found is None:
        found = style.__dict__[_STRUT] = _original_strut(style)
    return found


#: where a layout context keeps the lines it has broken: one document's, as the context is
_LINES = "_formsvc_lines"


def _split_first_line(text: str, style: Any, context: Any, max_width: Any,
                      justification_spacing: float, is_line_start: bool = True,
                      minimum: bool = False) -> tuple[Any, ...]:
    """split_first_line, once per document for the same text in the same style and width (a
    listing's 所在单位 or 省份 column, say): the line's Pango layout is given back deactivated,
    a copy each time, as WeasyPrint's own is."""
    if context is None:
        return _original_split_first_line(
            text, style, context, max_width, justification_spacing, is_line_start, minimum)
    lines = context.__dict__.setdefault(_LINES, {})
    key = (text, id(style), max_width, justification_spacing, is_line_start, minimum)
    found = lines.get(key)
    if found is None:
        result = _original_split_first_line(
            text, style, context, max_width, justification_spacing, is_line_start, minimum)
        # the style is kept with the line, so that no other style takes its id while it is kept
        lines[key] = (style, result)
        return result
    layout, *metrics = found[1]
    return (copy.copy(layout), *metrics)


def _avoid_collisions(context: Any, box: Any, containing_block: Any,
                      outer: bool = True) -> tuple[float, float, float]:
    """avoid_collisions where no float has been placed: WeasyPrint's answer for no shapes,
    without looking for them; with floats, or right to left, WeasyPrint's own."""
    if context.excluded_shapes or containing_block.style["direction"] != "ltr":
        return _original_avoid_collisions(context, box, containing_block, outer)
    position_y = box.position_y if outer else box.border_box_y()
    if box.border_height() == 0 and box.is_floated():
        return 0, position_y, containing_block.width
    left = containing_block.content_box_x()
    right = left + containing_block.width
    if not outer:
        left += box.margin_left
        right -= box.margin_right
        return left - box.margin_left, position_y - box.margin_top, right - left
    return left, position_y, right - left


#: background-image: none, as WeasyPrint computes it
_NO_IMAGES = (("none", None),)


def _layout_box_backgrounds(page: Any, box: Any, get_image_from_uri: Any,
                            layout_children: bool = True, style: Any = None) -> None:
    """layout_box_backgrounds, for a box with nothing to paint behind it (no background color,
    image, shadow, border or mask image: a listing's every cell and line) only what WeasyPrint
    does for one, its corners' radii resolved and no background; any other box WeasyPrint's."""
    box_style = box.style if style is None else style
    if (box is page or box_style["background_image"] != _NO_IMAGES
            or box_style["visibility"] == "hidden" or box_style["box_shadow"]
            or box_style["border_image_source"][0] != "none"
            or box_style["mask_border_source"][0] != "none"
            or get_color(box_style, "background_color").alpha != 0):
        _original_layout_box_backgrounds(page, box, get_image_from_uri, layout_children, style)
        return
    resolve_radii_percentages(box)
    if layout_children:
        for child in box.all_children():
            _layout_box_backgrounds(page, child, get_image_from_uri)
    box.background = None


def get_color(style: Any, key: str) -> Any:
    """WeasyPrint's get_color: the color, or the style's color for currentColor."""
    value = style[key]
    if isinstance(value, str) and value == "currentcolor":
        return style["color"]
    return value


def _collapse_table_borders(table: Any, grid_width: int, grid_height: int) -> Any:
    """WeasyPrint 70's collapse_table_borders (layout/table.py), each style's border on each side
    scored once instead of once per grid line it lies on; the rest as WeasyPrint wrote it."""
    if not (grid_width and grid_height):
        # Don’t bother with empty tables.
        return [], []

    styles = reversed([
        'hidden', 'double', 'solid', 'dashed', 'dotted', 'ridge', 'outset',
        'groove', 'inset', 'none'])
    style_scores = {style: score for score, style in enumerate(styles)}
    style_map = {'inset': 'ridge', 'outset': 'groove'}
    weak_null_border = ((0, 0, style_scores['none']), ('none', 0, TRANSPARENT))

    # Borders are always stored left to right, top to bottom.
    vertical_borders = [
        [weak_null_border] * (grid_width + 1) for _ in range(grid_height)]
    horizontal_borders = [
        [weak_null_border] * grid_width for _ in range(grid_height + 1)]

    # Each style's border on each side, scored once: a listing's thousands of calls here come from a
    # handful of styles, its rows, row groups and columns mostly with no border at all.
    scored = {}

    def set_one_border(border_grid, box_style, side, grid_x, grid_y):
        key = (id(box_style), side)
        border = scored.get(key)
        if border is None:
            style = box_style[f'border_{side}_style']
            width = box_style[f'border_{side}_width']
            color = get_color(box_style, f'border_{side}_color')

            # See https://www.w3.org/TR/CSS21/tables.html#border-conflict-resolution.
            score = ((1 if style == 'hidden' else 0), width, style_scores[style])

            style = style_map.get(style, style)
            border = scored[key] = (score, (style, width, color))
        # Strict < so that the earlier call wins in case of a tie.
        if border_grid[grid_y][grid_x][0] < border[0]:
            border_grid[grid_y][grid_x] = border

    def set_borders(box, x, y, w, h):
        style = box.style

        # x and y are logical (possibly rtl), but borders are graphical (always ltr).
        if table.style['direction'] == 'ltr':
            for yy in range(y, y + h):
                set_one_border(vertical_borders, style, 'left', x, yy)
                set_one_border(vertical_borders, style, 'right', x + w, yy)
            for xx in range(x, x + w):
                set_one_border(horizontal_borders, style, 'top', xx, y)
                set_one_border(horizontal_borders, style, 'bottom', xx, y + h)
        else:
            for yy in range(y, y + h):
                set_one_border(vertical_borders, style, 'left', -1 - w - x, yy)
                set_one_border(vertical_borders, style, 'right', -1 - x, yy)
            for xx in range(-1 - x, -1 - x - w, -1):
                set_one_border(horizontal_borders, style, 'top', xx, y)
                set_one_border(horizontal_borders, style, 'bottom', xx, y + h)

    # Set cell borders. The order is important here:
    # "A style set on a cell wins over one on a row, which wins over a
    #  row group, column, column group and, lastly, table"
    # See https://www.w3.org/TR/CSS21/tables.html#border-conflict-resolution.
    strong_null_border = ((1, 0, style_scores['hidden']), ('hidden', 0, TRANSPARENT))
    grid_y = 0
    for row_group in table.children:
        for row in row_group.children:
            for cell in row.children:
                # Force null border inside of a cell with rowspan or colspan.
                grid_x, colspan, rowspan = cell.grid_x, cell.colspan, cell.rowspan
                if table.style['direction'] == 'ltr':
                    vertical_x_range = range(grid_x + 1, grid_x + colspan)
                    horizontal_x_range = range(grid_x, grid_x + colspan)
                else:
                    vertical_x_range = range(-2 - grid_x, -1 - grid_x - colspan, -1)
                    horizontal_x_range = range(-1 - grid_x, -1 - grid_x - colspan, -1)
                for xx in vertical_x_range:
                    for yy in range(grid_y, grid_y + rowspan):
                        vertical_borders[yy][xx] = strong_null_border
                for xx in horizontal_x_range:
                    for yy in range(grid_y + 1, grid_y + rowspan):
                        horizontal_borders[yy][xx] = strong_null_border
                # Set cell border.
                set_borders(cell, grid_x, grid_y, colspan, rowspan)
            grid_y += 1

    # Set row borders.
    grid_y = 0
    for row_group in table.children:
        for row in row_group.children:
            set_borders(row, 0, grid_y, grid_width, 1)
            grid_y += 1

    # Set row group borders.
    grid_y = 0
    for row_group in table.children:
        rowspan = len(row_group.children)
        set_borders(row_group, 0, grid_y, grid_width, rowspan)
        grid_y += rowspan

    # Set column borders.
    for column_group in table.column_groups:
        for column in column_group.children:
            set_borders(column, column.grid_x, 0, 1, grid_height)

    # Set column group group borders.
    for column_group in table.column_groups:
        set_borders(
            column_group, column_group.grid_x, 0, column_group.span, grid_height)

    # Set table borders.
    set_borders(table, 0, 0, grid_width, grid_height)

    # Now that all conflicts are resolved, set transparent borders of the
    # correct widths on each box. The actual border grid will be painted
    # separately.
    def set_border_used_width(box, side, twice_width):
        prop = f'border_{side}_width'
        setattr(box, prop, twice_width / 2)

    def remove_borders(box):
        set_border_used_width(box, 'top', 0)
        set_border_used_width(box, 'right', 0)
        set_border_used_width(box, 'bottom', 0)
        set_border_used_width(box, 'left', 0)

    def max_vertical_width(x, y1, y2):
        return max(grid_row[x][1][1] for grid_row in vertical_borders[y1:y2])

    def max_horizontal_width(x1, y, x2):
        return max(width for _, (_, width, _) in horizontal_borders[y][x1:x2])

    grid_y = 0
    for row_group in table.children:
        remove_borders(row_group)
        for row in row_group.children:
            remove_borders(row)
            for cell in row.children:
                x, y = cell.grid_x, grid_y
                colspan, rowspan = cell.colspan, cell.rowspan
                if table.style['direction'] == 'ltr':
                    top = max_horizontal_width(x, y, x + colspan)
                    bottom = max_horizontal_width(x, y + rowspan, x + colspan)
                    left = max_vertical_width(x, y, y + rowspan)
                    right = max_vertical_width(x + colspan, y, y + rowspan)
                else:
                    top = max_horizontal_width(-colspan - x, y, -x or None)
                    bottom = max_horizontal_width(-colspan - x, y + rowspan, -x or None)
                    left = max_vertical_width(-1 - colspan - x, y, y + rowspan)
                    right = max_vertical_width(-1 - x, y, y + rowspan)
                set_border_used_width(cell, 'top', top)
                set_border_used_width(cell, 'bottom', bottom)
                set_border_used_width(cell, 'left', left)
                set_border_used_width(cell, 'right', right)
            grid_y += 1

    for column_group in table.column_groups:
        remove_borders(column_group)
        for column in column_group.children:
            remove_borders(column)

    set_border_used_width(table, 'top', max_horizontal_width(0, 0, grid_width))
    set_border_used_width(
        table, 'bottom', max_horizontal_width(0, grid_height, grid_width))
    # "UAs must compute an initial left and right border width for the table
    #  by examining the first and last cells in the first row of the table."
    # https://www.w3.org/TR/CSS21/tables.html#collapsing-borders
    # ... so h=1, not grid_height:
    set_border_used_width(table, 'left', max_vertical_width(0, 0, 1))
    set_border_used_width(table, 'right', max_vertical_width(grid_width, 0, 1))

    return vertical_borders, horizontal_borders


_original_setup = line_break.Layout.setup
_original_strut = line_break.strut
_original_avoid_collisions = layout_float.avoid_collisions
_original_split_first_line = line_break.split_first_line
_original_layout_box_backgrounds = layout_background.layout_box_backgrounds

#: (module, name, replacement): each is imported by name where used
_PATCHES: tuple[tuple[Any, str, Any], ...] = (
    (line_break.Layout, "setup", _setup),
    (line_break, "strut", _strut),
    (layout_inline, "strut", _strut),
    (layout_inline, "split_first_line", _split_first_line),
    (layout_float, "avoid_collisions", _avoid_collisions),
    (layout_inline, "avoid_collisions", _avoid_collisions),
    (layout_block, "avoid_collisions", _avoid_collisions),
    (layout_background, "layout_box_backgrounds", _layout_box_backgrounds),
    (draw_color, "get_color", get_color),
    (draw_border, "get_color", get_color),
    (draw_text, "get_color", get_color),
    (layout_table, "collapse_table_borders", _collapse_table_borders),
    (build, "collapse_table_borders", _collapse_table_borders),
)
_ORIGINALS = tuple((owner, name, getattr(owner, name)) for owner, name, _ in _PATCHES)


def install() -> bool:
    """Use the kept contexts, descriptions and struts from now on; False (WeasyPrint's own code
    kept) for a WeasyPrint this module does not know."""
    if not weasyprint.__version__.startswith(WEASYPRINT_VERSION):
        return False
    for owner, name, replacement in _PATCHES:
        setattr(owner, name, replacement)
    return True


def uninstall() -> None:
    """WeasyPrint's own code again (for tests comparing the two)."""
    for owner, name, original in _ORIGINALS:
        setattr(owner, name, original)
