"""Where vrpsolve keeps compiled code: a per-user folder, so no writable package folder is needed.

numba writes the machine code of ``cache=True`` functions next to their source by default, or to
a folder under the home directory; an installation in a read-only place run by a user without a
home directory could compile nothing. :func:`configure_numba_cache` points numba at
:func:`user_cache_dir` instead, before numba is imported (the routing GA's package does it).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path


def _writable(folder: Path) -> bool:
    """Whether ``folder`` exists or can be made, and a file can be created in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".vrpsolve-probe-", dir=folder)
        os.close(handle)
        os.unlink(probe)
    except OSError:
        return False
    return True


def user_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """vrpsolve's per-user cache folder (created): ``$XDG_CACHE_HOME/vrpsolve``, else
    ``$HOME/.cache/vrpsolve``, else, when neither is set or writable, ``vrpsolve-<user id>`` in
    the temporary folder (a fresh temporary folder if even that is taken).

    Parameters
    ----------
    environ
        The environment to read; the process's by default.
    """
    env = os.environ if environ is None else environ
    candidates = []
    if env.get("XDG_CACHE_HOME"):
        candidates.append(Path(env["XDG_CACHE_HOME"]) / "vrpsolve")
    if env.get("HOME"):
        candidates.append(Path(env["HOME"]) / ".cache" / "vrpsolve")
    user = os.getuid() if hasattr(os, "getuid") else "user"
    candidates.append(Path(tempfile.gettempdir()) / f"vrpsolve-{user}")
    for folder in candidates:
        if _writable(folder):
            return folder
    return Path(tempfile.mkdtemp(prefix="vrpsolve-"))


def configure_numba_cache() -> Path:
    """Point numba's on-disk cache at ``user_cache_dir() / "numba"`` unless ``NUMBA_CACHE_DIR``
    names a folder already; the folder in use.

    Sets ``NUMBA_CACHE_DIR`` (read when numba is imported, and inherited by worker processes) and,
    when numba is imported already, its configuration.
    """
    folder = os.environ.get("NUMBA_CACHE_DIR") or str(user_cache_dir() / "numba")
    os.environ["NUMBA_CACHE_DIR"] = folder
    numba = sys.modules.get("numba")
    if numba is not None:
        numba.config.CACHE_DIR = folder
    return Path(folder)
