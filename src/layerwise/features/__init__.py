"""What a model file keeps of a table: the encodings of its columns, standardization, the
labels and the target's units. NumPy only, so a model loads without pandas."""
