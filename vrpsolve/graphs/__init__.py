"""Routing on graphs: nearest-neighbour search on similarity graphs (:mod:`.search`) and path
queries on networks (:mod:`.paths`)."""
