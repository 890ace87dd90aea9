"""The model: :class:`~layerwise.model.network.Network` (dense layers over one public
parameters object; fit, predict, evaluate, summary, save, load) and the model file format."""
