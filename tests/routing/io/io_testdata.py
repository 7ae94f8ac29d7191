"""Paths and small texts shared by the vrpsolve.routing.io tests."""

from __future__ import annotations

from pathlib import Path

from vrpsolve.catalog import instances_dir

DATA = Path(__file__).resolve().parents[2] / "data" / "io"
"""Small dialect files written for these tests."""
INSTANCES = instances_dir()
"""The bundled benchmark instances."""

SMALL_CVRP = """NAME : small
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 3 4
3 6 8
4 0 5
DEMAND_SECTION
1 0
2 4
3 5
4 3
DEPOT_SECTION
1
-1
EOF
"""
"""A four-node CVRP used as a base for malformed variants."""
