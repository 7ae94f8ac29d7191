"""``vrpsolve bench``: solvers x instances x time budgets x seeds, run in parallel, summarised."""

from vrpsolve.bench.errors import BenchInputError as BenchInputError
from vrpsolve.bench.jobs import FIELDS as FIELDS
from vrpsolve.bench.jobs import BenchJob as BenchJob
from vrpsolve.bench.jobs import expand_jobs as expand_jobs
from vrpsolve.bench.jobs import run_job as run_job
from vrpsolve.bench.output import write_outputs as write_outputs
from vrpsolve.bench.runner import BACKENDS as BACKENDS
from vrpsolve.bench.runner import run_benchmark as run_benchmark
from vrpsolve.bench.runner import run_parallel as run_parallel
from vrpsolve.bench.selection import BenchInstance as BenchInstance
from vrpsolve.bench.selection import select_instances as select_instances
from vrpsolve.bench.tables import per_instance as per_instance
from vrpsolve.bench.tables import summarise as summarise
