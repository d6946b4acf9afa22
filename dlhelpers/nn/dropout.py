"""Inverted dropout.

At train time each unit is kept with probability ``keep_prob`` and the kept ones are divided
by ``keep_prob``, so the expected output equals the input and test time needs no rescaling.

Randomness is explicit: train mode with ``keep_prob < 1`` needs ``rng`` (a
``np.random.Generator`` or an int seed) and raises without one. A hidden default generator
would either repeat the same mask on every call or make runs irreproducible.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, as_generator, check_in_range, check_same_shape


def dropout_forward(x, keep_prob: float, *, train: bool = True,
                    rng=None) -> tuple[np.ndarray, np.ndarray | None]:
    """Inverted dropout.

    Parameters
    ----------
    x : array, any shape
    keep_prob : float in (0, 1]
        Probability of keeping each unit.
    train : bool
        False (test time) returns ``x`` unchanged.
    rng : np.random.Generator or int seed
        Required when ``train`` is True and ``keep_prob < 1``.

    Returns
    -------
    out : ndarray, shape of x
    cache : ndarray or None
        The scaled mask (``mask / keep_prob``), or None when nothing was dropped.
    """
    x = as_float_array(x, "x")
    keep_prob = check_in_range(keep_prob, "keep_prob", 0.0, 1.0, lo_open=True)
    if not isinstance(train, (bool, np.bool_)):
        raise TypeError(f"train must be True or False; got {train!r}")
    if not train or keep_prob == 1.0:
        return x.copy(), None
    if rng is None:
        raise ValueError("dropout_forward in train mode needs rng= (a np.random.Generator such "
                         "as np.random.default_rng(0), or an int seed); got None")
    gen = as_generator(rng)
    # Built in x's dtype directly: 1 * (1 / keep_prob) is exactly the value a division would
    # give, and the training loop calls this on every step, so no temporary is spared.
    scaled_mask = (gen.random(x.shape) < keep_prob).astype(x.dtype)
    scaled_mask *= 1.0 / keep_prob
    return x * scaled_mask, scaled_mask


def dropout_backward(dout, cache: np.ndarray | None) -> np.ndarray:
    """Gradient of inverted dropout: ``dout * mask / keep_prob`` (or ``dout`` at test time).

    Returns
    -------
    dx : ndarray, shape of dout
    """
    dout = as_float_array(dout, "dout")
    if cache is None:
        return dout.copy()
    check_same_shape(dout, cache, "dout", "the dropout mask")
    return dout * cache
