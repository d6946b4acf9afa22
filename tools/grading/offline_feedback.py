"""Feedback a student can read offline, and what the student's kernel needs for it.

nbgrader's feedback template calls nbconvert's ``mathjax()`` macro without arguments, so it
always loads MathJax 2 from a CDN (``HTMLExporter.mathjax_url`` is ignored there): offline,
formulas stay raw ``$...$``. And release_feedback ships single ``.html`` files through the
exchange, so a MathJax folder next to the feedback would not reach the student. Hence:

* :class:`FeedbackExporter` (``GenerateFeedback.exporter_class``) renders the course's
  ``dl_feedback`` template (``templates/dl_feedback``, extending nbgrader's ``feedback``):
  MathJax 3 configured in the head, the whole ``tex-svg-full.js`` (from the PyPI package
  ``django-static-mathjax``, SVG output: no font files to fetch) inlined at the end, and CSS
  that wraps long output lines. About 2.3 MB per feedback file.
* :class:`OfflineMathJax` puts that script into the resources the template prints.
* :func:`configure_feedback` sets all of it (and :class:`markscheme.StripMarkScheme`) on an
  nbgrader config; ``assignments/nbgrader_config.py`` calls it, so ``make grade``, the
  ``nbgrader generate_feedback`` command and formgrader's "generate feedback" all use it.

Kernel side: the figures a student's notebook draws reach the graded notebook (formgrader,
feedback) only with matplotlib's inline backend, not ``Agg``; and matplotlib's first import
runs ``fc-list``, which prints ``Fontconfig error: Cannot load default config file`` into
the first cell's output when the sandbox hides ``/etc/fonts``. Both are set where the
sandbox is defined: ``tools/grading/sandbox.py``, ``kernel_env`` and ``readonly_paths``.
"""

from __future__ import annotations

import re
from pathlib import Path

from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool
from traitlets.config import Config

from .markscheme import StripMarkScheme

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "dl_feedback"


def mathjax_script() -> Path:
    """MathJax 3's single-file TeX-to-SVG bundle from the installed django-static-mathjax."""
    try:
        import mathjax
    except ImportError:
        raise RuntimeError("MathJax for offline feedback is missing: pip install "
                           "django-static-mathjax==3.2.2.1 (it is in pyproject.toml)") from None
    path = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / "tex-svg-full.js"
    if not path.is_file():
        raise RuntimeError(f"expected MathJax's tex-svg-full.js at {path}; the installed "
                           "django-static-mathjax has another layout")
    return path


class OfflineMathJax(Preprocessor):
    """Put MathJax's script text into ``resources["dl_mathjax_js"]`` for the template."""

    enabled = Bool(True)  # nbconvert registers preprocessor classes disabled

    def preprocess(self, nb, resources):
        text = mathjax_script().read_text(encoding="utf-8")
        resources["dl_mathjax_js"] = text.replace("</script", "<\\/script")
        return nb, resources


def nbgrader_templates() -> Path:
    import nbgrader

    return Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"


#: What nbconvert's HTMLExporter writes into an image that has no alternative text.
DEFAULT_ALT = "No description has been provided for this image"
# skipped whole: comments and elements whose content is text, never tags (the inlined
# MathJax); one left open runs to the end of the page, as a browser reads it
_NOT_TAGS = r"<!--.*?(?:-->|\Z)|<(script|style|textarea|title)\b.*?(?:</\1\b[^>]*>|\Z)"
# any start tag with its attributes, quoted values read whole (a ">" in a value is not the
# tag's end, and an "<img" inside another tag's value is part of that tag)
_TAG = r"<(?P<name>[A-Za-z][^\s/>]*)(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)"
_SCAN = re.compile(f"{_NOT_TAGS}|{_TAG}", re.IGNORECASE | re.DOTALL)
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_HAS_ALT = re.compile(r"(?:^|[\s/])alt(?:\s*=|[\s/]|$)", re.IGNORECASE)
# unquoted, with spaces as character references: no quote, "<" or ">" in it
_ALT_ATTRIBUTE = "alt=" + DEFAULT_ALT.replace(" ", "&#32;") + " "


def add_missing_alt(html: str) -> str:
    """Give every ``<img>`` tag without an ``alt`` attribute :data:`DEFAULT_ALT`.

    What HTMLExporter does with BeautifulSoup, done by one scan over the tags: comments and
    the text of ``<script>``, ``<style>``, ``<textarea>`` and ``<title>`` elements (the
    inlined MathJax) are left alone, and an ``<img`` inside another tag is not a tag.
    """
    def fix(match: re.Match) -> str:
        name, attrs = match.group("name"), match.group("attrs")
        if name is None or name.lower() != "img" or _HAS_ALT.search(_QUOTED.sub('""', attrs)):
            return match.group(0)
        return f"<{name} {_ALT_ATTRIBUTE}{attrs}"

    return _SCAN.sub(fix, html)


class FeedbackExporter(HTMLExporter):
    """nbgrader's HTML exporter for feedback, on the course's ``dl_feedback`` template.

    A subclass, so that its settings do not reach formgrader's own ``HTMLExporter``. Its page
    is HTMLExporter's, without HTMLExporter's last pass: parsing the whole page with
    BeautifulSoup to add alternative text to images and ``tabindex`` to JupyterLab-template
    cells. A feedback page inlines 2 MB of MathJax, and that pass took 0.3 s of every
    homework-1 submission (profiled); :func:`add_missing_alt` does the first part in one
    scan, and the classic template this one extends has no JupyterLab cells for the second
    (``tests/test_offline_feedback.py`` checks the two pages are the same page).
    """

    def from_notebook_node(self, nb: NotebookNode, resources: dict | None = None,
                           **kw) -> tuple[str, dict]:
        info = nb.metadata.get("language_info", {})
        lexer = info.get("pygments_lexer", info.get("name"))
        # HTMLExporter's two filters, then TemplateExporter's rendering
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return add_missing_alt(html), resources


def configure_feedback(c: Config) -> Config:
    """Make ``GenerateFeedback`` write offline-readable feedback without mark schemes."""
    c.GenerateFeedback.exporter_class = FeedbackExporter
    c.FeedbackExporter.template_name = TEMPLATE_NAME
    c.FeedbackExporter.extra_template_basedirs = [str(TEMPLATES), str(nbgrader_templates())]
    # what nbgrader sets on HTMLExporter (bootstrap's CSS, inlined), plus its templates folder
    # itself so that ours can extend 'feedback/index.html.j2'
    bootstrap = (nbgrader_templates().parent / "static" / "node_modules" / "bootstrap" / "dist"
                 / "css")
    c.FeedbackExporter.extra_template_paths = [str(bootstrap), str(nbgrader_templates())]
    from nbgrader.converters import GenerateFeedback

    # formgrader's grading page: our formgrade/mathjax.html.j2 first (MathJax 3 from this
    # server, see formgrader_guard), nbgrader's formgrade template for everything else
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), str(nbgrader_templates())]
    current = list(c.GenerateFeedback.get("preprocessors",
                                          GenerateFeedback.preprocessors.default_value))
    extra = [StripMarkScheme, OfflineMathJax]
    # the mark scheme goes first: SanitizeNotebook drops the cell metadata that marks it
    c.GenerateFeedback.preprocessors = ([StripMarkScheme]
                                        + [p for p in current if p not in extra]
                                        + [OfflineMathJax])
    return c
