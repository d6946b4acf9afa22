"""Two classifiers built from :mod:`dlhelpers.nn`: a linear one and a fully-connected network.

Both keep their learnable arrays in a dict ``model.params`` and implement
:class:`dlhelpers.train.Model`, the interface :func:`dlhelpers.train.train` uses:

* ``model.loss(X, y, *, train=True, checked=True) -> (loss, grads)`` with ``grads`` holding
  one array per key of ``params``, shaped like it;
* ``model.evaluate(X, y) -> (loss, scores)`` in test mode, one forward pass;
* ``model.scores(X)`` of shape ``(N, K)`` and ``model.predict(X)`` of shape ``(N,)``;
* ``model.state``: what the model learns besides ``params`` (batch-norm running
  statistics), or None.

Data follow docs/CONVENTIONS.md: ``X`` is ``(N, D)``, ``y`` holds int labels ``(N,)``, and
each layer computes ``x @ W + b`` with ``W`` of shape ``(D_in, D_out)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlhelpers import nn
from dlhelpers._checks import as_float_array, as_labels, check_in_range, check_int, check_positive
from dlhelpers.nn.activations import _relu, _relu_grad
from dlhelpers.nn.layers import _affine, _affine_grads
from dlhelpers.nn.losses import _softmax_cross_entropy
from dlhelpers.nn.regularization import _l2, _sum_of_squares

__all__ = ["LinearClassifier", "MLP"]

LOSSES = {"softmax": nn.softmax_cross_entropy, "hinge": nn.multiclass_hinge}


# The nn functions validate every argument on every call, which is right for learners
# calling them and costs more than the arithmetic for the small matrices of a training step.
# A model checks its inputs once in its public methods and then calls nn's kernels.

def _relu_forward_inplace(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # z is a fresh array of the forward pass that nothing else keeps, so the ReLU can
    # overwrite it; h > 0 exactly where z > 0, so h is also all the backward pass needs.
    h = _relu(z, out=z)
    return h, h


def _relu_backward_inplace(dh: np.ndarray, h: np.ndarray) -> np.ndarray:
    return _relu_grad(dh, h, out=dh)  # dh is a temporary owned by the backward pass


def _check_features(X, num_features: int) -> np.ndarray:
    X = as_float_array(X, "X")
    if X.ndim != 2 or X.shape[1] != num_features:
        hint = " (flatten images with X.reshape(len(X), -1))" if X.ndim > 2 else ""
        raise ValueError(f"X must have shape (N, {num_features}); got {X.shape}{hint}")
    return X


class LinearClassifier:
    """Linear scores ``X @ W + b`` trained with softmax cross-entropy or the multiclass hinge.

    The full loss is ``data_loss + reg * sum(W**2)`` (the convention of
    :func:`dlhelpers.nn.l2_penalty`); the bias is not regularised.

    Parameters
    ----------
    num_features : int
        D, the length of one input row.
    num_classes : int
        K, the number of classes.
    loss : {"softmax", "hinge"}
    reg : float >= 0
        L2 strength.
    seed : int
        Seed of the initial weights.
    weight_scale : float > 0
        Standard deviation of the initial weights, drawn from N(0, weight_scale**2).

    Attributes
    ----------
    params : dict
        ``"W"`` of shape (D, K) and ``"b"`` of shape (K,).
    """

    def __init__(self, num_features: int, num_classes: int, *, loss: str = "softmax",
                 reg: float = 0.0, seed: int = 0, weight_scale: float = 1e-3) -> None:
        self.num_features = check_int(num_features, "num_features", minimum=1)
        self.num_classes = check_int(num_classes, "num_classes", minimum=2)
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {loss!r}")
        self.loss_name = loss
        self.reg = check_positive(reg, "reg", allow_zero=True)
        weight_scale = check_positive(weight_scale, "weight_scale")
        rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
        self.params = {
            "W": weight_scale * rng.standard_normal((self.num_features, self.num_classes)),
            "b": np.zeros(self.num_classes),
        }

    def scores(self, X) -> np.ndarray:
        """Class scores of shape (N, K) for ``X`` of shape (N, D)."""
        X = _check_features(X, self.num_features)
        return nn.affine_forward(X, self.params["W"], self.params["b"])[0]

    state = None  # nothing is learned besides params

    def loss(self, X, y, *, train: bool = True, checked: bool = True) -> tuple[float, dict[str, np.ndarray]]:
        """Mean data loss plus the L2 penalty, and its gradients.

        Parameters
        ----------
        X : array, shape (N, D)
        y : int array, shape (N,), values in [0, K)
        train : bool
            Accepted for the interface every model shares; a linear model has no train mode.
        checked : bool
            False skips the input checks (for a training loop that checked the whole data set).

        Returns
        -------
        loss : float
        grads : dict
            ``"W"`` of shape (D, K) and ``"b"`` of shape (K,).
        """
        if checked:
            X = _check_features(X, self.num_features)
            y = as_labels(y, "y", n=X.shape[0], num_classes=self.num_classes)
        scores, cache = nn.affine_forward(X, self.params["W"], self.params["b"])
        data_loss, dscores = LOSSES[self.loss_name](scores, y)
        _, dW, db = nn.affine_backward(dscores, cache)
        penalty, dpenalty = _l2(self.params["W"], self.reg)
        return data_loss + penalty, {"W": dW + dpenalty, "b": db}

    def evaluate(self, X, y) -> tuple[float, np.ndarray]:
        """Loss (data + penalty) and scores (N, K) of ``X`` (N, D), ``y`` (N,), without gradients."""
        X = _check_features(X, self.num_features)
        y = as_labels(y, "y", n=X.shape[0], num_classes=self.num_classes)
        scores = _affine(X, self.params["W"], self.params["b"])
        return LOSSES[self.loss_name](scores, y)[0] + _l2(self.params["W"], self.reg)[0], scores

    def predict(self, X) -> np.ndarray:
        """Index of the highest score per row: int64 array of shape (N,)."""
        return self.scores(X).argmax(axis=1)


class MLP:
    """A fully-connected network: (affine -> [batch norm] -> activation -> [dropout]) x L, affine.

    Trained with softmax cross-entropy plus ``reg * sum(W**2)`` over every weight matrix
    (biases, gamma and beta are not regularised).

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[D, H1, ..., HL, K]``: input size, hidden widths, number of classes. Two entries
        give a linear softmax classifier.
    activation : str
        A key of :data:`dlhelpers.nn.ACTIVATIONS` ("relu", "tanh", "sigmoid", ...).
    batchnorm : bool
        Insert batch normalization before each hidden activation.
    layernorm : bool
        Insert layer normalization there instead (per example, no running statistics).
    keep_prob : float in (0, 1]
        Inverted dropout after each hidden activation; 1 means no dropout.
    init : str or None
        A name accepted by :func:`dlhelpers.nn.init_weights` ("glorot", "he", "lecun",
        "xavier", "glorot_normal", "normal", "zero", "constant"). The default (None) is
        "glorot", Glorot-uniform ``U(-a, a)`` with ``a = sqrt(6 / (d_in + d_out))``, or "normal"
        when ``weight_scale`` is given. Glorot-uniform is scikit-learn's ``MLPClassifier`` and
        Keras' default, and suits the shallow networks the course trains with Adam: Adam moves
        every weight by about ``lr`` per step whatever its size, so larger initial weights
        change less in relative terms, and He's ``std = sqrt(2 / d_in)`` (``sqrt((d_in + d_out)
        / d_in)`` times Glorot's: 1.4x for a square layer) costs about one epoch in ten on the
        digits (benchmarks/README.md). For deep ReLU stacks pass ``init="he"``: lesson 10 shows
        why He keeps their signal from fading layer by layer. So too with plain SGD where a
        layer is much wider than its input (2 inputs, 100 units: Glorot's fan average draws it
        7x smaller than He; lesson 09's spiral network).
        Biases always start at 0.
    weight_scale : float or None
        With ``init="normal"`` (or the default) the weights are drawn from
        N(0, weight_scale**2); with ``init="constant"`` it is the fill value.
    reg : float >= 0
        L2 strength.
    seed : int
        Seeds both the initial weights and ``self.rng``, the generator of dropout masks.

    Attributes
    ----------
    params : dict
        ``"W1"`` (D, H1), ``"b1"`` (H1,), ..., ``"W{L+1}"`` (HL, K), ``"b{L+1}"`` (K,); with
        batch norm or layer norm also ``"gamma{l}"`` and ``"beta{l}"`` of shape (H_l,) for each hidden layer.
    bn_state : list of dict
        Running mean and variance of each batch-norm layer (updated by ``loss`` in train mode).
    rng : numpy.random.Generator
        Draws the dropout masks; replace it to replay a mask.
    """

    def __init__(self, layer_sizes: Sequence[int], *, activation: str = "relu",
                 batchnorm: bool = False, layernorm: bool = False, keep_prob: float = 1.0,
                 init: str | None = None,
                 weight_scale: float | None = None, reg: float = 0.0, seed: int = 0) -> None:
        sizes = [check_int(s, "each layer size", minimum=1) for s in layer_sizes]
        if len(sizes) < 2:
            raise ValueError(f"layer_sizes must be [D, ..., K] with at least 2 entries; got {sizes}")
        if sizes[-1] < 2:
            raise ValueError(f"the last layer size is the number of classes, >= 2; got {sizes[-1]}")
        if activation not in nn.ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(nn.ACTIVATIONS)}; got {activation!r}")
        self.layer_sizes = sizes
        self.activation = activation
        self.batchnorm = bool(batchnorm)
        self.layernorm = bool(layernorm)
        if self.batchnorm and self.layernorm:
            raise ValueError("choose one normalization: batchnorm=True or layernorm=True, not both")
        self.keep_prob = check_in_range(keep_prob, "keep_prob", 0.0, 1.0, lo_open=True)
        self.reg = check_positive(reg, "reg", allow_zero=True)
        seed = check_int(seed, "seed", minimum=0)
        self.num_layers = len(sizes) - 1
        if init is None:  # an explicit scale means "draw with this standard deviation"
            init = "glorot" if weight_scale is None else "normal"
        self.init = init
        weight_rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        for layer, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
            self.params[f"W{layer}"] = nn.init_weights(init, d_in, d_out, weight_rng, weight_scale)
            self.params[f"b{layer}"] = np.zeros(d_out)
            if (self.batchnorm or self.layernorm) and layer < self.num_layers:
                self.params[f"gamma{layer}"] = np.ones(d_out)
                self.params[f"beta{layer}"] = np.zeros(d_out)
        self.bn_state: list[dict | None] = [None] * (self.num_layers - 1)
        # A separate stream, so that turning dropout on does not change the initial weights.
        self.rng = np.random.default_rng([seed, 1])

    # ------------------------------------------------------------------ forward / backward
    def _activation(self):
        if self.activation == "relu":
            return _relu_forward_inplace, _relu_backward_inplace
        return nn.ACTIVATIONS[self.activation]

    def _forward(self, X: np.ndarray, train: bool, update_state: bool, dropout: bool = True):
        """Scores (N, K), per-layer caches, and the post-activation outputs of hidden layers."""
        act_forward = self._activation()[0]
        dropping = train and dropout and self.keep_prob < 1.0
        p = self.params
        caches, hidden = [], []
        h = X
        for layer in range(1, self.num_layers):
            z = _affine(h, p[f"W{layer}"], p[f"b{layer}"])
            layer_input = h
            bn_cache = None
            if self.batchnorm:
                z, bn_cache, new_state = nn.batchnorm_forward(
                    z, p[f"gamma{layer}"], p[f"beta{layer}"], self.bn_state[layer - 1], train=train)
                if update_state and train:
                    self.bn_state[layer - 1] = new_state
            elif self.layernorm:
                z, bn_cache = nn.layernorm_forward(z, p[f"gamma{layer}"], p[f"beta{layer}"])
            h, act_cache = act_forward(z)
            hidden.append(h)
            drop_cache = None
            if dropping:
                h, drop_cache = nn.dropout_forward(h, self.keep_prob, train=True, rng=self.rng)
            caches.append((layer_input, bn_cache, act_cache, drop_cache))
        last = self.num_layers
        scores = _affine(h, p[f"W{last}"], p[f"b{last}"])
        caches.append(h)
        return scores, caches, hidden

    def _backward(self, dscores: np.ndarray, caches: list) -> dict[str, np.ndarray]:
        act_backward = self._activation()[1]
        p = self.params
        grads: dict[str, np.ndarray] = {}
        last = self.num_layers
        dh, grads[f"W{last}"], grads[f"b{last}"] = _affine_grads(dscores, caches[-1], p[f"W{last}"])
        for layer in range(self.num_layers - 1, 0, -1):
            layer_input, bn_cache, act_cache, drop_cache = caches[layer - 1]
            if drop_cache is not None:
                dh = nn.dropout_backward(dh, drop_cache)
            dz = act_backward(dh, act_cache)
            if bn_cache is not None:
                norm_backward = nn.layernorm_backward if self.layernorm else nn.batchnorm_backward
                dz, grads[f"gamma{layer}"], grads[f"beta{layer}"] = norm_backward(dz, bn_cache)
            # nobody needs the gradient with respect to the data (layer 1's dx)
            dh, grads[f"W{layer}"], grads[f"b{layer}"] = _affine_grads(
                dz, layer_input, p[f"W{layer}"], need_dx=layer > 1)
        return grads

    # ------------------------------------------------------------------ public interface
    @property
    def num_classes(self) -> int:
        """K, the size of the last layer."""
        return self.layer_sizes[-1]

    @property
    def state(self) -> list[dict | None]:
        """What training learns besides ``params``: ``bn_state`` (running batch-norm statistics)."""
        return self.bn_state

    @state.setter
    def state(self, value: list[dict | None]) -> None:
        self.bn_state = value

    def loss(self, X, y, *, train: bool = True, checked: bool = True) -> tuple[float, dict[str, np.ndarray]]:
        """Mean softmax cross-entropy plus the L2 penalty, and the gradient of every parameter.

        Parameters
        ----------
        X : array, shape (N, D)
        y : int array, shape (N,), values in [0, K)
        train : bool
            True: batch norm uses the batch's statistics (and updates ``bn_state``), dropout
            draws a fresh mask from ``self.rng``. False: running statistics, no dropout.
        checked : bool
            False skips the input checks (for a training loop that checked the whole data set).

        Returns
        -------
        loss : float
        grads : dict
            Same keys and shapes as ``params``.
        """
        if checked:
            X = _check_features(X, self.layer_sizes[0])
            y = as_labels(y, "y", n=X.shape[0], num_classes=self.num_classes)
            if not isinstance(train, (bool, np.bool_)):
                raise TypeError(f"train must be True or False; got {train!r}")
        scores, caches, _ = self._forward(X, bool(train), update_state=True)
        data_loss, dscores = _softmax_cross_entropy(scores, y)
        grads = self._backward(dscores, caches)
        if self.reg > 0:
            for layer in range(1, self.num_layers + 1):
                penalty, dpenalty = _l2(self.params[f"W{layer}"], self.reg)
                data_loss += penalty
                grads[f"W{layer}"] += dpenalty
        return data_loss, grads

    def evaluate(self, X, y) -> tuple[float, np.ndarray]:
        """Test-mode loss (data + penalty) and scores (N, K), without gradients or state changes.

        ``X`` (N, D), ``y`` (N,): one forward pass serves both the loss and the accuracy.
        """
        X = _check_features(X, self.layer_sizes[0])
        y = as_labels(y, "y", n=X.shape[0], num_classes=self.num_classes)
        scores = self._forward(X, False, update_state=False, dropout=False)[0]
        loss = _softmax_cross_entropy(scores.copy(), y)[0]
        if self.reg > 0:
            loss += self.reg * sum(_sum_of_squares(W) for key, W in self.params.items()
                                   if key.startswith("W"))
        return loss, scores

    def scores(self, X, train: bool = False) -> np.ndarray:
        """Class scores of shape (N, K); test mode by default. Running statistics are not updated."""
        X = _check_features(X, self.layer_sizes[0])
        return self._forward(X, bool(train), update_state=False)[0]

    def predict(self, X) -> np.ndarray:
        """Predicted labels in test mode (running batch-norm statistics, no dropout), shape (N,)."""
        return self.scores(X, train=False).argmax(axis=1)

    def forward_activations(self, X, train: bool = False) -> list[np.ndarray]:
        """Outputs of each hidden layer's activation (before dropout), for histograms.

        Parameters
        ----------
        X : array, shape (N, D)
        train : bool
            With batch norm, True normalizes with this batch's statistics (what training
            sees) and False with the running ones. Running statistics are not updated.

        Returns
        -------
        list of ndarray, one per hidden layer, shapes (N, H1), ..., (N, HL)
        """
        X = _check_features(X, self.layer_sizes[0])
        return self._forward(X, bool(train), update_state=False, dropout=False)[2]

    def features(self, X, layer: int | None = None) -> np.ndarray:
        """Output of hidden layer ``layer``'s activation in test mode: what that layer has learned
        to compute from ``X``, e.g. as the input of a new classifier (transfer learning, a
        linear probe).

        Parameters
        ----------
        X : array, shape (N, D)
        layer : int or None
            1 for the first hidden layer, up to ``num_layers - 1`` for the last one (the
            default, None). Batch norm uses its running statistics; no dropout.

        Returns
        -------
        ndarray, shape (N, H_layer)
        """
        hidden = self.num_layers - 1
        if hidden == 0:
            raise ValueError(f"this network {self.layer_sizes} has no hidden layer, so no features "
                             "to extract; the input X is its only representation")
        if layer is None:
            layer = hidden
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 1 <= layer <= hidden:
            raise ValueError(f"layer must be an int from 1 to {hidden} (the hidden layers of "
                             f"{self.layer_sizes}); got {layer!r}")
        return self.forward_activations(X)[int(layer) - 1]
