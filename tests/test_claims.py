"""dlhelpers.claims: strict in test runs, one plain sentence for a learner."""

import pytest

from dlhelpers.claims import STRICT_ENV, ClaimFailed, claim


def test_holding_claim_is_silent_in_both_modes(monkeypatch, capsys):
    for value in ("1", ""):
        monkeypatch.setenv(STRICT_ENV, value)
        assert claim(2 > 1, "two exceeds one") is True
    assert capsys.readouterr().out == ""


def test_failing_claim_raises_in_strict_mode(monkeypatch):
    monkeypatch.setenv(STRICT_ENV, "1")
    with pytest.raises(ClaimFailed, match="momentum needs fewer steps.*SGD 40, momentum 90"):
        claim(False, "momentum needs fewer steps", "SGD 40, momentum 90")


def test_failing_claim_prints_one_sentence_for_a_learner(monkeypatch, capsys):
    monkeypatch.delenv(STRICT_ENV, raising=False)
    assert claim(False, "momentum needs fewer steps", "SGD 40, momentum 90") is False
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "momentum needs fewer steps" in out
    assert "SGD 40, momentum 90" in out and "Traceback" not in out


def test_bad_input_is_named(monkeypatch):
    monkeypatch.setenv(STRICT_ENV, "1")
    with pytest.raises(ValueError, match="non-empty sentence"):
        claim(True, "")
    import numpy as np
    with pytest.raises(ValueError, match="one True/False"):
        claim(np.array([True, False]), "all are true")


@pytest.mark.slow
@pytest.mark.notebooks
@pytest.mark.parametrize("strict", [True, False])
def test_claim_in_a_real_kernel(monkeypatch, strict):
    """The lesson path: a notebook whose experiment stops showing its claim fails the test
    run, while the learner who changed the setting reads one sentence and the run goes on."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from dlhelpers.claims import claim\nsteps = {'sgd': 40, 'momentum': 90}"),
        nbformat.v4.new_code_cell("claim(steps['momentum'] < steps['sgd'], 'momentum needs fewer steps', "
                                  "f\"momentum {steps['momentum']}, SGD {steps['sgd']}\")"),
        nbformat.v4.new_code_cell("print('lesson goes on')"),
    ]
    if strict:
        monkeypatch.setenv(STRICT_ENV, "1")
        with pytest.raises(CellExecutionError, match="ClaimFailed"):
            NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    else:
        monkeypatch.delenv(STRICT_ENV, raising=False)
        NotebookClient(nb, timeout=60, kernel_name="python3").execute()
        text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
        assert "does not show it" in text and "lesson goes on" in text
        assert all(o.output_type != "error" for c in nb.cells for o in c.outputs)
