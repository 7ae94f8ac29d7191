"""Flow admission and routing (PFAR): instance generators and baseline heuristics."""
