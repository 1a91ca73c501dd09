"""What WeasyPrint recomputes for every line of text, made once.

WeasyPrint (70) lays out each line of text in a Pango layout of its own, twice (to break the line,
then to draw it), and for each one makes a new Pango context and a new font description, and
works out the line's strut (its line height and baseline) from a key it builds as a string of
fourteen style values. A listing sets a few hundred short lines per page in a handful of styles:
crossover-summary's one A3 sheet, 32 columns × 5 rows, has 283 lines, and these made a tenth of
its render time. Here

- a Pango context is made once per font map, direction and language (WeasyPrint sets nothing else
  on a context, and a layout keeps its own font description and attributes);
- a font description once per the seven values it is made of (Pango copies it into each layout);
- a style's strut is kept with the style, once WeasyPrint's own cache has answered for it;
- placing a line or block where there are no floats (avoid_collisions) skips the search for the
  floats it would have to avoid.

Each is the same computation with the same result: every form prints byte for byte the same PDF
(tests/render/test_textcache.py). install() replaces the functions for the WeasyPrint this was
written against only, so that an upgrade falls back to WeasyPrint's own code.
"""

from __future__ import annotations

import threading
from typing import Any

import weasyprint
from weasyprint.layout import block as layout_block
from weasyprint.layout import float as layout_float
from weasyprint.layout import inline as layout_inline
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


_original_setup = line_break.Layout.setup
_original_strut = line_break.strut
_original_avoid_collisions = layout_float.avoid_collisions

#: (module, name, replacement): avoid_collisions and strut are imported by name where used
_PATCHES: tuple[tuple[Any, str, Any], ...] = (
    (line_break.Layout, "setup", _setup),
    (line_break, "strut", _strut),
    (layout_inline, "strut", _strut),
    (layout_float, "avoid_collisions", _avoid_collisions),
    (layout_inline, "avoid_collisions", _avoid_collisions),
    (layout_block, "avoid_collisions", _avoid_collisions),
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
