"""Sphinx configuration of the course website (`make site`).

The site is built from the committed, executed notebooks: nothing is executed and nothing is
fetched. Formulas render with a MathJax copy that ships inside a Python package
(django-static-mathjax, the copy the homework feedback uses too) and is copied next to the pages by python -m tools.build_site.
"""

project = "Deep learning from the ground up"
author = "The course authors"
copyright = "the course authors; text CC BY 4.0, code MIT"

extensions = ["myst_nb"]
nb_execution_mode = "off"            # the committed outputs are the lesson
nb_merge_streams = True
nb_ipywidgets_js = {}               # no widget JavaScript from a CDN (widgets need a kernel)
# Figures as files (not inline HTML), so each <img> gets the text alternative stored with it.
nb_mime_priority_overrides = [("html", "image/png", 5)]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]

html_theme = "furo"
html_title = project
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
# furo's "edit this page" and other links point outside: there is nothing to fetch.
html_theme_options = {"top_of_page_buttons": []}

# MathJax 3 from the local copy (relative to _static). The SVG build draws glyphs from data in
# the script itself, so formulas render from file:// too, where browsers refuse web fonts; it
# also keeps a hidden MathML copy for screen readers.
mathjax_path = "mathjax/tex-svg-full.js"
mathjax3_config = {"tex": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]]},
                   "options": {"enableMenu": False}}


def _alt_from_output_metadata():
    """myst-nb copies only width and height from an image output's metadata; the course
    stores each figure's text alternative there too (dlhelpers.plots.show), so pass it on."""
    from myst_nb.core.render import NbElementRenderer

    original = NbElementRenderer.render_image
    if getattr(original, "_course_alt", False):
        return

    def render_image(self, data):
        nodes = original(self, data)
        alt = (data.output_metadata or {}).get(data.mime_type, {}).get("alt")
        if alt and nodes:
            nodes[0]["alt"] = str(alt)
        return nodes

    render_image._course_alt = True
    NbElementRenderer.render_image = render_image


_alt_from_output_metadata()
