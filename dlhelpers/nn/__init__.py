"""Layers, activations, losses, normalisation, dropout, penalties and initialisers.

Every layer is a pair ``out, cache = <name>_forward(...)`` / ``grads = <name>_backward(dout,
cache)``; every loss returns ``(loss, dscores)``. Shapes follow docs/CONVENTIONS.md.
"""

from .activations import (
    ACTIVATIONS,
    elu_backward,
    elu_forward,
    gelu_backward,
    gelu_forward,
    leaky_relu_backward,
    leaky_relu_forward,
    prelu_backward,
    prelu_forward,
    relu_backward,
    relu_forward,
    selu_backward,
    selu_forward,
    sigmoid_backward,
    sigmoid_forward,
    swish_backward,
    swish_forward,
    tanh_backward,
    tanh_forward,
)
from .dropout import dropout_backward, dropout_forward
from .init import glorot_init, he_init, init_weights, lecun_init, xavier_init
from .layers import affine_backward, affine_forward
from .losses import (
    log_softmax,
    mae,
    mse,
    msle,
    multiclass_hinge,
    softmax,
    softmax_cross_entropy,
    squared_hinge,
)
from .normalization import (
    batchnorm_backward,
    batchnorm_backward_graph,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
)
from .regularization import elastic_net_penalty, l1_penalty, l2_penalty

__all__ = [
    "ACTIVATIONS",
    "affine_backward", "affine_forward",
    "batchnorm_backward", "batchnorm_backward_graph", "batchnorm_forward",
    "dropout_backward", "dropout_forward",
    "elastic_net_penalty", "l1_penalty", "l2_penalty",
    "elu_backward", "elu_forward",
    "gelu_backward", "gelu_forward",
    "glorot_init", "he_init", "init_weights", "lecun_init", "xavier_init",
    "layernorm_backward", "layernorm_forward",
    "leaky_relu_backward", "leaky_relu_forward",
    "log_softmax", "mae", "mse", "msle", "multiclass_hinge", "softmax",
    "softmax_cross_entropy", "squared_hinge",
    "prelu_backward", "prelu_forward",
    "relu_backward", "relu_forward",
    "selu_backward", "selu_forward",
    "sigmoid_backward", "sigmoid_forward",
    "swish_backward", "swish_forward",
    "tanh_backward", "tanh_forward",
]
