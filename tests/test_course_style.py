"""The packaged course style sheet and the figure helper with a text alternative."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from dlhelpers import plots  # noqa: E402


def test_style_sheet_sets_the_palette_cycle():
    plots.use_course_style()
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    as_hex = ["#" + c.lstrip("#").upper() for c in cycle]
    assert as_hex == list(plots.PALETTE)
    assert plots.STYLE_FILE.is_file()


def test_show_needs_a_real_text_alternative():
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="alt must describe"):
        plots.show(fig, alt="")
    plt.close(fig)


def test_show_attaches_the_alt_text(monkeypatch):
    shown = {}

    def fake_display(data, raw, metadata):
        shown.update(data=data, metadata=metadata)

    import IPython.display
    monkeypatch.setattr(IPython.display, "display", fake_display)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    plots.show(fig, alt="A falling line: the loss drops from 1 to 0.")
    assert shown["data"]["image/png"][:4] == b"\x89PNG"
    assert "falling line" in shown["data"]["text/plain"]
    assert shown["metadata"]["image/png"]["alt"].startswith("A falling line")
