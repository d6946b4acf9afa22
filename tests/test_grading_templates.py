"""Feedback's Jinja templates are compiled once per grading process (nbg.share_compiled_templates)."""

import nbformat
from nbconvert import HTMLExporter

from tools.grading import nbg


def _notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Feedback\nSome *text*."),
                nbformat.v4.new_code_cell("x = 1\nprint(x)")]
    return nb


def _render_counting_compiles(nb) -> tuple[str, int]:
    exporter = HTMLExporter()
    environment = exporter.environment
    compiled = []
    original = environment.compile

    def counting(*args, **kwargs):
        compiled.append(args[1] if len(args) > 1 else kwargs.get("name"))
        return original(*args, **kwargs)

    environment.compile = counting
    return exporter.from_notebook_node(nb)[0], len(compiled)


def test_a_second_exporter_reuses_the_compiled_templates_and_renders_the_same_html():
    nbg.share_compiled_templates()
    nbg.share_compiled_templates()  # idempotent: one wrapper, not two
    nb = _notebook()
    first, first_compiles = _render_counting_compiles(nb)
    second, second_compiles = _render_counting_compiles(nb)
    assert second == first
    assert second_compiles == 0  # every template came from the shared cache
    assert first_compiles == 0 or len(nbg._BYTECODE[False].store) >= first_compiles


def test_an_edited_template_is_compiled_afresh():
    """The cache is keyed by name and checked against the template's source checksum."""
    from jinja2 import DictLoader, Environment

    cache = nbg._MemoryBytecodeCache()
    env = Environment(loader=DictLoader({"t": "old {{ x }}"}), bytecode_cache=cache)
    assert env.get_template("t").render(x=1) == "old 1"
    edited = Environment(loader=DictLoader({"t": "new {{ x }}"}), bytecode_cache=cache)
    assert edited.get_template("t").render(x=1) == "new 1"
