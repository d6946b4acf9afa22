"""Student-authored content made inert before anyone looks at it.

A student's markdown and every output of the student's kernel end up in the autograded
notebook (which formgrader renders inside the instructor's logged-in JupyterLab) and in the
feedback HTML. nbconvert does not make them safe: measured on nbgrader 0.9.6, a script in an
answer's HTML output ran in the instructor's session when the submission was opened. So
before the autograded notebook is written and again before feedback is generated,
:func:`sanitize_notebook` applies a strict allow-list:

* outputs keep only ``text/plain``, ``image/png`` and ``image/jpeg`` (checked to be base64),
  plus ``text/html`` and ``text/markdown`` cleaned by bleach with :data:`ALLOWED_TAGS` and no
  attributes at all; everything else (JavaScript, SVG, widget views and state, LaTeX, PDF,
  any unknown or vendor MIME type) is dropped and replaced by a one-line note;
* output metadata is reduced to numeric image sizes; notebook-level widget state is removed;
* markdown cells: raw HTML is cleaned the same way; link and image targets with a scheme or
  ``//`` (javascript:, data:, http:...) are replaced by ``#removed`` so that nothing is
  fetched; attachments are removed;
* stream and error text is kept as text (nbconvert and JupyterLab escape it) but bounded.
"""

from __future__ import annotations

import base64
import binascii
import html
import re

import bleach
from nbgrader.preprocessors import NbGraderPreprocessor

#: Tags allowed in student HTML and markdown: formatting only, no attributes.
ALLOWED_TAGS = frozenset({"b", "i", "em", "strong", "code", "pre", "sub", "sup", "br", "p",
                          "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
                          "blockquote", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "span",
                          "div", "kbd", "samp", "var", "del", "ins", "small"})
SAFE_MIME = ("text/plain", "image/png", "image/jpeg", "text/html", "text/markdown")
MAX_TEXT = 200_000
_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")
# ](target) of a markdown link or image, and [ref]: target definitions
_LINK_TARGET = re.compile(r"(\]\(\s*<?)([^)\s>]*)")
# (a definition may sit inside a blockquote or a list item: "> [r]: javascript:...")
_REF_DEF = re.compile(r"^((?:[ \t]*(?:>|[-*+]|\d{1,9}[.)]))*[ \t]*\[[^\]]+\]:\s*<?)(\S+)",
                      re.MULTILINE)
_CELL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_UNSAFE_TARGET = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*:|//|\\\\)")


def clean_html(text: str) -> str:
    """HTML with only :data:`ALLOWED_TAGS`, no attributes, comments and scripts escaped."""
    return bleach.clean(str(text)[:MAX_TEXT], tags=ALLOWED_TAGS, attributes={}, protocols=[],
                        strip=False, strip_comments=True)


_ESCAPED_PUNCT = re.compile(r"\\([!-/:-@\[-`{-~])")
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")


def _as_browser_reads(target: str) -> str:
    """A link destination as the browser gets it: markdown decodes backslash escapes and
    entity references (``javascript&#58;...``, ``java\\:script``), and URL parsing drops
    tabs, newlines and control characters (``java&Tab;script:``)."""
    return _URL_IGNORED.sub("", html.unescape(_ESCAPED_PUNCT.sub(r"\1", target)))


def _neutral_target(match: re.Match) -> str:
    target = match.group(2)
    unsafe = _UNSAFE_TARGET.match(target) or _UNSAFE_TARGET.match(_as_browser_reads(target))
    return match.group(1) + ("#removed" if unsafe else target)


def clean_markdown(text: str) -> str:
    """Markdown whose HTML is cleaned and whose links and images fetch nothing.

    Text without anything a browser reads as a tag (``<`` then a letter, ``/``, ``!`` or
    ``?``) is left as it is, so ``$a < b$`` keeps rendering.
    """
    text = _LINK_TARGET.sub(_neutral_target, str(text)[:MAX_TEXT])
    text = _REF_DEF.sub(_neutral_target, text)
    text = clean_html(text) if _TAG_START.search(text) else text
    if _renders_unsafe(text):  # a form the rewrites above missed: show it as plain text
        text = "".join("\\" + c if c in "[]()<>!&\\" else c for c in text)
    return text


_RENDERED_URL = re.compile(r"""(href|src)\s*=\s*["']?([^"'\s>]*)""", re.IGNORECASE)
_CLICK_SAFE = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)


def _renders_unsafe(text: str) -> bool:
    """Whether nbconvert's markdown renderer (feedback, formgrader) would make an image
    that fetches (any scheme or ``//``) or a link that runs something (a scheme other than
    http, https, mailto: a bare ``https://...`` in the text is autolinked, and stays) out of
    ``text``: the backstop of the rewrites."""
    if "](" not in text and "]:" not in text and "]" not in text:
        return False
    try:
        from nbconvert.filters.markdown import markdown2html

        rendered = markdown2html(text)
    except Exception:  # no renderer: the rewrites stand alone
        return False
    for attribute, url in _RENDERED_URL.findall(rendered):
        target = _as_browser_reads(html.unescape(url))
        if _UNSAFE_TARGET.match(target) and not (attribute.lower() == "href"
                                                 and _CLICK_SAFE.match(target)):
            return True
    return False


def _is_base64(value) -> bool:
    if not isinstance(value, str) or not _BASE64.match(value):
        return False
    try:
        base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _text(value) -> str:
    text = "".join(value) if isinstance(value, list) else str(value)
    return text[:MAX_TEXT]


def clean_output(output: dict) -> dict:
    """One output made inert (see the module docstring)."""
    kind = output.get("output_type")
    if kind == "stream":
        return {"output_type": "stream", "name": "stderr" if output.get("name") == "stderr"
                else "stdout", "text": _text(output.get("text", ""))}
    if kind == "error":
        return {"output_type": "error", "ename": _text(output.get("ename", ""))[:200],
                "evalue": _text(output.get("evalue", ""))[:5000],
                "traceback": [_text(line)[:5000] for line in
                              (output.get("traceback") or [])[:100] if isinstance(line, str)]}
    data = output.get("data") if isinstance(output.get("data"), dict) else {}
    kept, dropped = {}, []
    for mime, value in data.items():
        if mime == "text/plain":
            kept[mime] = _text(value)
        elif mime in ("image/png", "image/jpeg") and _is_base64(value):
            kept[mime] = value
        elif mime == "text/html":
            kept[mime] = clean_html(_text(value))
        elif mime == "text/markdown":
            kept[mime] = clean_markdown(_text(value))
        else:
            dropped.append(str(mime)[:80])
    if dropped:
        note = f"[output of type {', '.join(dropped)} removed by the grader]"
        kept["text/plain"] = (kept["text/plain"] + "\n" + note) if "text/plain" in kept else note
    meta = output.get("metadata") if isinstance(output.get("metadata"), dict) else {}
    safe_meta = {}
    for mime in ("image/png", "image/jpeg"):
        sizes = meta.get(mime) if isinstance(meta.get(mime), dict) else {}
        dims = {k: v for k, v in sizes.items() if k in ("width", "height")
                and isinstance(v, (int, float)) and not isinstance(v, bool)}
        if dims and mime in kept:
            safe_meta[mime] = dims
    out = {"output_type": "execute_result" if kind == "execute_result" else "display_data",
           "data": kept, "metadata": safe_meta}
    if kind == "execute_result":
        count = output.get("execution_count")
        out["execution_count"] = count if isinstance(count, int) else None
    return out


_KEPT_CELL_METADATA = ("nbgrader", "dl_grader", "output_truncated_by_grader", "deletable",
                       "editable", "tags")


def sanitize_notebook(nb) -> None:
    """Make every student-authored part of ``nb`` inert, in place."""
    from nbformat import from_dict

    for key in list(nb.get("metadata", {})):
        if key not in ("kernelspec", "language_info"):
            del nb.metadata[key]
    nb.metadata["language_info"] = from_dict({"name": "python"})  # templates print it
    if "kernelspec" in nb.metadata:
        nb.metadata["kernelspec"] = from_dict({"name": "python3", "language": "python",
                                               "display_name": "Python 3"})
    for index, cell in enumerate(nb.cells):
        if not _CELL_ID.match(str(cell.get("id", ""))):
            cell["id"] = f"cell-{index}"  # nbconvert writes ids into HTML attributes
        cell.metadata = from_dict({k: v for k, v in cell.metadata.items()
                                   if k in _KEPT_CELL_METADATA})
        cell.pop("attachments", None)
        if cell.cell_type == "markdown":
            cell.source = clean_markdown(cell.source)
        elif cell.cell_type == "raw":
            cell.cell_type = "markdown"
            cell.source = clean_markdown(cell.source)
        if cell.cell_type == "code":
            cell.outputs = [from_dict(clean_output(o)) for o in cell.get("outputs", [])
                            if isinstance(o, dict)]
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)


class SanitizeNotebook(NbGraderPreprocessor):
    """nbgrader preprocessor form of :func:`sanitize_notebook` (autograde and feedback)."""

    def preprocess(self, nb, resources):
        sanitize_notebook(nb)
        return nb, resources
