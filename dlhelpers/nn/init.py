"""Weight initialisers. Each returns a ``(d_in, d_out)`` matrix for ``x @ w`` layers.

Names, as the papers and the frameworks use them:

- **LeCun** (LeCun et al. 1998, "Efficient BackProp"): ``Var(w) = 1 / d_in``, which keeps the
  variance of ``x @ w`` equal to that of ``x``. :func:`lecun_init`. The course's initialization
  lecture and CS231n call this rule "Xavier"; it is not what the frameworks call Xavier.
- **Glorot**, also called **Xavier** (Xavier Glorot and Yoshua Bengio 2010): the fan average
  ``Var(w) = 2 / (d_in + d_out)``, a compromise between the forward (``d_in``) and the backward
  (``d_out``) pass. :func:`glorot_init`; ``torch.nn.init.xavier_normal_`` draws
  ``N(0, 2 / (fan_in + fan_out))`` and ``xavier_uniform_`` draws ``U(-a, a)`` with
  ``a = sqrt(6 / (fan_in + fan_out))``, the same variance.
- **He** (He et al. 2015): ``Var(w) = 2 / d_in``, doubled to make up for ReLU zeroing half
  its inputs. :func:`he_init` (torch's ``kaiming_normal_`` with ``nonlinearity="relu"``).

:func:`xavier_init` is the course's older name for :func:`lecun_init` and draws the same
matrix; it is kept so code written against it still runs.
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import as_generator, check_int, check_positive


def _dims(d_in, d_out) -> tuple[int, int]:
    return check_int(d_in, "d_in", minimum=1), check_int(d_out, "d_out", minimum=1)


def lecun_init(d_in: int, d_out: int, rng) -> np.ndarray:
    """LeCun's normal weights, ``std = 1 / sqrt(d_in)`` (``Var(x @ w) = Var(x)``).

    Returns
    -------
    ndarray of shape (d_in, d_out), float64
    """
    d_in, d_out = _dims(d_in, d_out)
    return as_generator(rng).standard_normal((d_in, d_out)) / math.sqrt(d_in)


def xavier_init(d_in: int, d_out: int, rng) -> np.ndarray:
    """Old name of :func:`lecun_init` (``std = 1 / sqrt(d_in)``), kept for existing code.

    This is the rule the course's initialization lecture and CS231n call "Xavier". The frameworks' ``xavier_normal_`` and
    ``xavier_uniform_`` are the fan average, :func:`glorot_init`; the two agree only when
    ``d_in == d_out``.

    Returns
    -------
    ndarray of shape (d_in, d_out), float64
    """
    return lecun_init(d_in, d_out, rng)


def he_init(d_in: int, d_out: int, rng) -> np.ndarray:
    """Normal weights with ``std = sqrt(2 / d_in)`` (for ReLU layers).

    Returns
    -------
    ndarray of shape (d_in, d_out), float64
    """
    d_in, d_out = _dims(d_in, d_out)
    return as_generator(rng).standard_normal((d_in, d_out)) * math.sqrt(2.0 / d_in)


def glorot_init(d_in: int, d_out: int, rng, distribution: str = "uniform",
                gain: float = 1.0) -> np.ndarray:
    """Glorot (fan-average) initialisation, ``Var(w) = gain**2 * 2 / (d_in + d_out)``.

    ``distribution="uniform"`` draws from ``U(-a, a)`` with ``a = gain * sqrt(6 / (d_in +
    d_out))`` (the distribution of ``torch.nn.init.xavier_uniform_``); ``"normal"`` draws
    from ``N(0, gain**2 * 2 / (d_in + d_out))`` (``xavier_normal_``).

    Returns
    -------
    ndarray of shape (d_in, d_out), float64
    """
    d_in, d_out = _dims(d_in, d_out)
    gain = check_positive(gain, "gain")
    gen = as_generator(rng)
    std = gain * math.sqrt(2.0 / (d_in + d_out))
    if distribution == "uniform":
        limit = math.sqrt(3.0) * std  # U(-a, a) has variance a**2 / 3
        return gen.uniform(-limit, limit, size=(d_in, d_out))
    if distribution == "normal":
        return gen.standard_normal((d_in, d_out)) * std
    raise ValueError(f"distribution must be 'uniform' or 'normal'; got {distribution!r}")


INIT_NAMES = ("zero", "constant", "normal", "lecun", "xavier", "glorot", "glorot_normal", "he")


def init_weights(name: str, d_in: int, d_out: int, rng, scale: float | None = None) -> np.ndarray:
    """Dispatch to an initialiser by name.

    Parameters
    ----------
    name : {"zero", "constant", "normal", "lecun", "xavier", "glorot", "glorot_normal", "he"}
        ``"constant"`` fills with ``scale`` (required); ``"normal"`` draws ``N(0, scale**2)``
        (``scale`` defaults to 0.01); ``"lecun"`` is ``N(0, 1/d_in)`` and ``"xavier"`` its old
        name (the same draw); ``"glorot"`` is the fan-average uniform variant (torch's
        ``xavier_uniform_``) and ``"glorot_normal"`` the normal one (``xavier_normal_``); the
        others ignore ``scale`` and raise if it is given, so a forgotten argument is not
        silently unused.
    d_in, d_out : int >= 1
    rng : np.random.Generator or int seed (unused by "zero" and "constant")
    scale : float, optional

    Returns
    -------
    ndarray of shape (d_in, d_out), float64
    """
    if name not in INIT_NAMES:
        raise ValueError(f"name must be one of {', '.join(INIT_NAMES)}; got {name!r}")
    d_in, d_out = _dims(d_in, d_out)
    if name == "zero":
        return np.zeros((d_in, d_out))
    if name == "constant":
        if scale is None:
            raise ValueError("init 'constant' needs scale= (the fill value); got None")
        try:
            value = float(scale)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"scale must be a number; got {scale!r}") from exc
        if not math.isfinite(value):
            raise ValueError(f"scale must be finite; got {scale!r}")
        return np.full((d_in, d_out), value)
    if name == "normal":
        std = 0.01 if scale is None else check_positive(scale, "scale")
        return as_generator(rng).standard_normal((d_in, d_out)) * std
    if scale is not None:
        raise ValueError(f"init {name!r} sets its own scale; got scale={scale!r} (use 'normal' "
                         "for a chosen standard deviation)")
    if name == "glorot_normal":
        return glorot_init(d_in, d_out, rng, "normal")
    return {"lecun": lecun_init, "xavier": lecun_init, "glorot": glorot_init,
            "he": he_init}[name](d_in, d_out, rng)
