"""The one explorer shell every widget uses: controls in, a pure figure function, the picture out."""

import base64
import io

import matplotlib

matplotlib.use("Agg")
import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from dlhelpers.plots._figure import standalone_figure  # noqa: E402
from dlhelpers.widgets._display import Explorer, check_slider_seed  # noqa: E402


def _shown_png(explorer) -> Image.Image:
    (out,) = explorer.output.outputs
    return Image.open(io.BytesIO(base64.b64decode(out["data"]["image/png"])))


def test_explorer_calls_the_figure_function_with_named_values_and_redraws_on_change():
    calls = []

    def figure(n, word):
        calls.append((n, word))
        fig = standalone_figure((2.0, 1.0))
        return fig, {"twice": 2 * n}

    controls = {"n": widgets.IntSlider(value=3, max=10), "word": widgets.Text(value="a")}
    ex = Explorer(controls, figure, caption_fn=lambda r, n, word: f"{word}: {r['twice']}")
    assert calls == [(3, "a")] and ex.readout == {"twice": 6} and ex.caption.value == "a: 6"
    controls["n"].value = 5
    assert calls[-1] == (5, "a") and ex.readout == {"twice": 10} and ex.caption.value == "a: 10"
    # the picture is the figure at its own size and dpi (2 x 1 inches)
    assert _shown_png(ex).size == (round(2 * ex.figure.dpi), round(ex.figure.dpi))
    # controls, caption and output, in that order
    assert list(ex.children[0].children) == list(controls.values())
    assert ex.children[1] is ex.caption and ex.children[2] is ex.output


def test_tight_explorer_crops_and_closes_its_pyplot_figure():
    def figure(n):
        # a small axes placed by hand in a large figure (no layout engine moves it): cropping
        # to what is drawn must give a picture clearly smaller than the figure
        fig = plt.figure(figsize=(4, 3))
        ax = fig.add_axes((0.35, 0.35, 0.3, 0.3))
        ax.plot(range(n))
        return fig, None

    ex = Explorer({"n": widgets.IntSlider(value=3)}, figure, tight=True)
    assert ex.caption is None and len(ex.children) == 2
    assert not plt.fignum_exists(ex.figure.number)  # closed: the cell will not show it again
    w, h = _shown_png(ex).size
    assert w < 4 * ex.figure.dpi and h < 3 * ex.figure.dpi  # cropped to what is drawn


def test_slider_seed_is_checked_against_the_slider_range():
    assert check_slider_seed(20) == 20
    with pytest.raises(ValueError, match="between 0 and 20"):
        check_slider_seed(21)
    with pytest.raises(TypeError, match="integer"):
        check_slider_seed(1.0)
