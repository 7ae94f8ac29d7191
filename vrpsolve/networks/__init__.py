"""Real network data shared by several families: topology files (GML, GraphML, SNDlib, TNTP) and
drivable road graphs from OpenStreetMap extracts."""
