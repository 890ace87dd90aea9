"""The engines of ``Network.fit`` besides the numpy one, which is :mod:`layerwise.training`.

- :mod:`layerwise.training.engines.jax`: ``fit(engine="jax")``, the same functions traced by JAX and
  compiled by XLA (its compiled run of epochs is :mod:`layerwise.training.engines._jax_run`).

An engine compiles or reuses the core's functions; it never holds a second copy of the math.
"""
