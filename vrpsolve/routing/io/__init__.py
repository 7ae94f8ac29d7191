"""Reading and writing routing instances and solutions in the benchmark formats.

(:mod:`vrpsolve.io` reads the files of every family, these included.)

Formats: VRPLIB/CVRPLIB ``.vrp`` (with PyVRP's dialect), Solomon ``.txt``, TSPLIB ``.tsp`` and
``.atsp``, ORTEC VRPTW ``.txt`` and vrpsolve's JSON. Each reader applies the benchmark's cost
convention when it builds the matrices and validates the result; every error is an
:class:`vrpsolve.core.errors.InputError` naming the file. See ``docs/formats.md``.
"""

from vrpsolve.routing.io.detect import FORMATS as FORMATS
from vrpsolve.routing.io.detect import detect_format as detect_format
from vrpsolve.routing.io.instances import read_instance as read_instance
from vrpsolve.routing.io.instances import write_instance as write_instance
from vrpsolve.routing.io.solutions import read_solution as read_solution
from vrpsolve.routing.io.solutions import write_solution as write_solution

__all__ = [
    "FORMATS",
    "detect_format",
    "read_instance",
    "read_solution",
    "write_instance",
    "write_solution",
]
