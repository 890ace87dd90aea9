"""Exports of a model to other runtimes: ONNX (the ``onnx`` extra)."""
