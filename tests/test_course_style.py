"""The packaged course style sheet and the figure helper with a text alternative."""

import matplotlib.pyplot as plt
import pytest

from dlhelpers import plots


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


def test_palette_check_accepts_palette_greys_and_allowed_maps():
    import numpy as np
    plots.use_course_style()
    fig, axes = plt.subplots(1, 2)
    axes[0].plot([0, 1], [0, 1])                      # first palette colour from the cycle
    axes[0].plot([0, 1], [1, 0], color="0.5")         # grey
    axes[0].fill_between([0, 1], 0, 1, color=plots.PALETTE[2], alpha=0.2)
    axes[1].imshow(np.eye(3), cmap="viridis")
    axes[1].contourf(np.eye(3), cmap="course_diverging")
    assert plots.palette_violations(fig) == []
    plt.close(fig)


def test_palette_check_names_a_colour_outside_the_palette():
    import numpy as np
    fig, axes = plt.subplots(1, 2)
    axes[0].plot([0, 1], [0, 1], color="red", label="bad line")
    axes[1].imshow(np.eye(3), cmap="jet")
    problems = plots.palette_violations(fig)
    assert any("bad line" in p and "#ff0000" in p for p in problems)
    assert any("'jet'" in p for p in problems)
    plt.close(fig)


def test_show_refuses_off_palette_figures_in_test_runs(monkeypatch):
    from dlhelpers.claims import STRICT_ENV
    monkeypatch.setenv(STRICT_ENV, "1")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], color="#ff00ff")
    with pytest.raises(ValueError, match="outside dlhelpers.plots.PALETTE"):
        plots.show(fig, alt="A magenta line that breaks the palette rule.")


def test_palette_tints_and_palette_listed_maps_are_allowed_but_other_hues_are_not():
    import numpy as np
    from matplotlib.colors import ListedColormap, to_rgb
    blue = np.array(to_rgb(plots.PALETTE[0]))
    tint = 1 - 0.3 * (1 - blue)                      # 30% blue on white
    fig, axes = plt.subplots(1, 2)
    axes[0].fill_between([0, 1], 0, 1, color=tint)
    axes[1].pcolormesh(np.eye(3), cmap=ListedColormap([plots.PALETTE[1], tint, "0.8"]))
    assert plots.palette_violations(fig) == []
    axes[0].plot([0, 1], [0, 1], color=(0.2, 0.9, 0.2), label="green not in palette")
    axes[1].pcolormesh(np.eye(3), cmap=ListedColormap(["#ff0000", "#00ff00"]))
    problems = plots.palette_violations(fig)
    assert len(problems) == 2 and any("green not in palette" in p for p in problems)
    plt.close(fig)


def test_colours_sampled_from_viridis_are_allowed_for_ordered_categories():
    import numpy as np
    fig, ax = plt.subplots()
    for k, colour in enumerate(plt.get_cmap("viridis")(np.linspace(0.1, 0.9, 6))):
        ax.plot([0, 1], [k, k], color=colour, label=f"layer {k + 1}")
    assert plots.palette_violations(fig) == []
    ax.plot([0, 1], [0, 1], color=plt.get_cmap("jet")(0.3), label="jet sample")
    assert len(plots.palette_violations(fig)) == 1
    plt.close(fig)


def test_style_sheet_holds_the_legend_defaults():
    # the sheet, not each call, sets legend sizes: a call that names no size gets the sheet's
    plt.rcdefaults()
    plots.use_course_style()
    assert plt.rcParams["legend.fontsize"] == 9
    assert plt.rcParams["legend.loc"] == "best"
    fig, ax = plt.subplots()
    ax.plot([0, 1], label="a line")
    legend = ax.legend()
    assert legend.get_texts()[0].get_fontsize() == 9
    plt.close(fig)


def test_style_is_loaded_by_its_package_name():
    # matplotlib finds the packaged sheet as "dlhelpers.plots.course", the file use_course_style reads
    plt.rcdefaults()
    plt.style.use(plots.STYLE_NAME)
    by_name = dict(plt.rcParams)
    plt.rcdefaults()
    plt.style.use(plots.STYLE_FILE)
    assert dict(plt.rcParams) == by_name
    assert by_name["font.size"] == 11
