"""Learning environments and instance generators for routing."""
