"""Neural routing policies: features, model, decoding, training and checkpoints."""
