"""The notes' math, in the order a learner reads it: activations g and g', losses and
their cost J with dZ[L], initializers, the forward and backward propagation, the dense
layer with its parameters, the gradient check, the equations as text, and the data sets of
the notes. Pure NumPy (or the array namespace of the inputs); imports nothing of the
package outside the ground helpers."""
