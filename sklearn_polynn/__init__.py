"""sklearn-polynn: scikit-learn estimators that provably learn polynomials and
shallow neural networks.

Implements Andoni, Panigrahy, Valiant & Zhang (2014), Zhong, Song, Jain, Bartlett &
Dhillon (2017), the ICLR 2019 submission on high-threshold networks, and Shamir
(2018). See the user guide for which estimator implements which theorem.
"""

from . import activations, datasets, hardness, hermite, metrics
from ._backend import model_to_host
from ._show_versions import show_versions
from .complex_network import ComplexTwoLayerRegressor
from .high_threshold import HighThresholdLayerRecovery
from .preprocessing import WhiteningTransformer
from .random_features import (
    ComplexRandomFeatures,
    RandomFeaturePolynomialRegressor,
    representation_weights,
)
from .tensor_init import TensorInitOneHiddenLayer

__version__ = "0.1.0.dev0"

__all__ = [
    "ComplexRandomFeatures",
    "ComplexTwoLayerRegressor",
    "HighThresholdLayerRecovery",
    "RandomFeaturePolynomialRegressor",
    "TensorInitOneHiddenLayer",
    "WhiteningTransformer",
    "__version__",
    "activations",
    "datasets",
    "hardness",
    "hermite",
    "metrics",
    "model_to_host",
    "representation_weights",
    "show_versions",
]
