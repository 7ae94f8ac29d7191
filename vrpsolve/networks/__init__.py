"""Real road networks shared by several families: drivable road graphs from OpenStreetMap
extracts and travel matrices between their nodes (routing's city datasets, path queries)."""
