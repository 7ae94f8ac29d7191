"""The base every vrpsolve learning environment builds on.

:class:`MaskedEnv` is a Gymnasium environment with a ``Discrete`` action space and an action
mask. It owns what the environments share: seeding through Gymnasium's
:attr:`~gymnasium.Env.np_random`, the checks of :meth:`~MaskedEnv.reset` options and of
:meth:`~MaskedEnv.step` calls, the policy for an action the mask forbids, the mask itself for
agents (:meth:`~MaskedEnv.action_masks`, the method ``sb3_contrib``'s ``MaskablePPO`` calls) and
the rendering hook. Each environment supplies its own observations and transitions through a few
hooks (``_start``, ``_transition``, ``_observation``, :meth:`~MaskedEnv.action_mask`).

The helpers (:func:`check_invalid_action`, :func:`check_render_mode`, :func:`reset_options`,
:class:`InstanceCycle`, :func:`draw_seed`) also serve environments that are not Gymnasium
environments, such as the PettingZoo packet routing environment.

Forbidden actions
-----------------
Every environment takes ``invalid_action``. ``"terminate"`` (the default,
:data:`DEFAULT_INVALID_ACTION`) ends the episode with the state unchanged, a reward of minus the
environment's ``invalid_penalty`` (no valid episode returns less) and ``info["invalid_action"]``:
an agent or checker that samples the whole action space, such as Gymnasium's ``check_env``, gets a
lesson instead of an exception. ``"raise"`` raises ``ValueError`` naming the action and the allowed
ones, for code that must never send a forbidden action (hand-written policies, evaluators).
Masked agents never meet either.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, ClassVar, Final, Literal

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray

InvalidAction = Literal["raise", "terminate"]
"""On a forbidden action: raise ``ValueError``, or end the episode with a penalty."""

DEFAULT_INVALID_ACTION: Final = "terminate"
"""The default ``invalid_action`` of every learning environment (see the module docstring)."""

INVALID_ACTIONS: Final = ("raise", "terminate")
"""The ``invalid_action`` values every environment accepts."""

Observation = dict[str, Any]
"""Every learning environment observes a dict of arrays."""

StepResult = tuple[Observation, float, bool, bool, dict[str, Any]]
"""What :meth:`MaskedEnv.step` returns: observation, reward, terminated, truncated, info."""


def check_invalid_action(value: object, allowed: Collection[str] = INVALID_ACTIONS) -> Any:
    """``value`` if it is one of ``allowed``; ``ValueError`` otherwise."""
    if not isinstance(value, str) or value not in allowed:
        names = ", ".join(repr(name) for name in allowed)
        raise ValueError(f"invalid_action must be one of {names}, got {value!r}")
    return value


def check_render_mode(render_mode: str | None, metadata: Mapping[str, Any]) -> str | None:
    """``render_mode`` if ``None`` or in ``metadata["render_modes"]``; else ``ValueError``."""
    modes = list(metadata.get("render_modes", []))
    if render_mode is not None and render_mode not in modes:
        accepted = "None" if not modes else f"None or one of {modes}"
        raise ValueError(f"render_mode must be {accepted}, got {render_mode!r}")
    return render_mode


def reset_options(
    options: Mapping[str, Any] | None, allowed: Collection[str] = ("index",)
) -> dict[str, Any]:
    """A copy of ``reset``'s options; ``ValueError`` for any option not in ``allowed``."""
    options = dict(options or {})
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        names = ", ".join(repr(name) for name in sorted(allowed))
        what = f"the only ones are {names}" if allowed else "there are none"
        raise ValueError(f"unknown reset options {unknown}; {what}")
    return options


def episode_index(options: Mapping[str, Any], next_index: int, count: int) -> int:
    """``options["index"]`` if given (checked), else ``next_index``; ``ValueError`` if bad."""
    index = options.get("index", next_index)
    if isinstance(index, bool) or not isinstance(index, int | np.integer):
        raise ValueError(f"options['index'] must be an int, got {index!r}")
    if not 0 <= index < count:
        raise ValueError(f"options['index'] is {index}, expected 0..{count - 1}")
    return int(index)


def draw_seed(rng: np.random.Generator) -> int:
    """A fresh seed from ``rng`` (for instance generators and simulations)."""
    return int(rng.integers(2**63 - 1))


class InstanceCycle:
    """Which of ``count`` fixed instances each episode uses.

    Episodes cycle through them; a seeded reset starts again at the first, and
    ``options["index"]`` picks one (the cycle then goes on after it).

    Parameters
    ----------
    count
        The number of instances, at least one.
    """

    def __init__(self, count: int) -> None:
        if count < 1:
            raise ValueError("no instance given")
        self.count = count
        self._next = 0

    def pick(self, options: Mapping[str, Any], *, seeded: bool) -> int:
        """The index of the next episode's instance; ``ValueError`` for a bad ``"index"``."""
        if seeded:
            self._next = 0
        index = episode_index(options, self._next, self.count)
        self._next = (index + 1) % self.count
        return index


class MaskedEnv(gym.Env[Observation, np.int64]):
    """A Gymnasium environment with a ``Discrete`` action space and an action mask.

    Subclasses set :attr:`observation_space`, :attr:`action_space` (``Discrete``) and
    :attr:`invalid_penalty`, and implement

    - ``_start(options, seed)``: start an episode (after Gymnasium has seeded
      :attr:`np_random` with ``seed``; ``options`` are checked against
      :attr:`reset_option_names`) and return the first observation and info; it may call
      ``_end()`` when the episode is over at once;
    - ``_transition(action)``: apply an allowed action and return the step result;
    - ``_observation()``: the observation of the current state;
    - :meth:`action_mask` and ``_refusal(action)`` (the message for a forbidden action);
    - optionally ``_forbidden_info()``, the info of a step ended by a forbidden action, and
      ``_render_frame()`` for environments that declare render modes in :attr:`metadata`.

    Parameters
    ----------
    invalid_action
        ``"terminate"`` (default) or ``"raise"``; see the module docstring.
    render_mode
        ``None``, or one of ``metadata["render_modes"]``.
    invalid_modes
        The ``invalid_action`` values the subclass handles.
    """

    metadata = {"render_modes": []}  # noqa: RUF012 (Gymnasium declares it per class)
    reset_option_names: ClassVar[tuple[str, ...]] = ("index",)
    """The options :meth:`reset` accepts."""
    action_space: spaces.Discrete
    invalid_penalty: float = 0.0
    """Reward lost on a forbidden action in ``"terminate"`` mode."""

    def __init__(
        self,
        *,
        invalid_action: str = DEFAULT_INVALID_ACTION,
        render_mode: str | None = None,
        invalid_modes: Collection[str] = INVALID_ACTIONS,
    ) -> None:
        self.render_mode = check_render_mode(render_mode, self.metadata)
        self.invalid_action = check_invalid_action(invalid_action, invalid_modes)
        self._started = False
        self._ended = False

    # -- Gymnasium API ---------------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        """Start an episode; ``seed`` reseeds :attr:`np_random`, ``options`` are checked."""
        super().reset(seed=seed)
        checked = reset_options(options, self.reset_option_names)
        self._started, self._ended = False, False
        observation, info = self._start(checked, seed)
        self._started = True
        return observation, info

    def step(self, action: int | np.integer) -> StepResult:
        """Apply ``action``; a forbidden one is handled as ``invalid_action`` says."""
        if not self._started:
            raise RuntimeError("call reset() before step()")
        if self._ended:
            raise RuntimeError("the episode has ended: call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"action {action!r} is not in the action space {self.action_space}")
        index = int(action)
        if not self.action_mask()[index]:
            return self._forbidden(index)
        result = self._transition(index)
        if result[2] or result[3]:
            self._end()
        return result

    def render(self) -> Any:
        """The frame of :attr:`render_mode`; ``None`` when it is ``None``."""
        if self.render_mode is None:
            return None
        return self._render_frame()

    def action_mask(self) -> NDArray[np.int8]:
        """``int8`` per action, 1 where it is allowed now (also ``observation["action_mask"]``)."""
        raise NotImplementedError

    def action_masks(self) -> NDArray[np.bool_]:
        """The action mask as booleans: the method ``sb3_contrib``'s ``MaskablePPO`` calls."""
        return self.action_mask().astype(bool)

    # -- hooks -----------------------------------------------------------------------------------
    def _start(
        self, options: dict[str, Any], seed: int | None
    ) -> tuple[Observation, dict[str, Any]]:
        raise NotImplementedError

    def _transition(self, action: int) -> StepResult:
        raise NotImplementedError

    def _observation(self) -> Observation:
        raise NotImplementedError

    def _refusal(self, action: int) -> str:
        allowed = np.flatnonzero(self.action_mask()).tolist()
        return f"action {action} is not allowed; allowed actions: {allowed}"

    def _forbidden_info(self) -> dict[str, Any]:
        return {}

    def _render_frame(self) -> Any:
        raise NotImplementedError(f"render mode {self.render_mode!r} is not implemented")

    def _end(self) -> None:
        """Mark the episode over: :meth:`step` raises until the next :meth:`reset`."""
        self._ended = True

    def _forbidden(self, action: int) -> StepResult:
        """A forbidden ``action``: raise, or end the episode at minus :attr:`invalid_penalty`."""
        if self.invalid_action == "raise":
            raise ValueError(self._refusal(action))
        self._end()
        info = self._forbidden_info() | {"invalid_action": action}
        return self._observation(), -self.invalid_penalty + 0.0, True, False, info
