"""The routing genetic algorithm: giant-tour split, penalised population, numba local search.

Importing the package points numba's cache at vrpsolve's per-user folder
(:func:`vrpsolve.core.cache.configure_numba_cache`) before the kernels' modules import numba.
"""

from vrpsolve.core.cache import configure_numba_cache

configure_numba_cache()
