"""The environment base: argument checks, reset options, instance cycling, step guards, masks."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env
from numpy.typing import NDArray

from vrpsolve.envs.base import (
    DEFAULT_INVALID_ACTION,
    InstanceCycle,
    MaskedEnv,
    Observation,
    StepResult,
    check_invalid_action,
    check_render_mode,
    draw_seed,
    reset_options,
)


class Countdown(MaskedEnv):
    """A toy: from a seeded start of 3..5, subtract 1 or 2 (2 is forbidden at 1) until 0."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.observation_space = spaces.Dict(
            {"left": spaces.Discrete(6), "action_mask": spaces.MultiBinary(2)}
        )
        self.action_space = spaces.Discrete(2)
        self.invalid_penalty = 10.0
        self.left = 0

    def action_mask(self) -> NDArray[np.int8]:
        return np.array([1, self.left >= 2], dtype=np.int8)

    def _start(self, options: dict[str, Any], seed: int | None) -> tuple[Observation, dict]:
        self.left = int(self.np_random.integers(3, 6))
        return self._observation(), {"start": self.left}

    def _transition(self, action: int) -> StepResult:
        self.left -= action + 1
        return self._observation(), -1.0, self.left == 0, False, {}

    def _observation(self) -> Observation:
        return {"left": np.int64(self.left), "action_mask": self.action_mask()}

    def _forbidden_info(self) -> dict[str, Any]:
        return {"left": self.left}


def _to_one(env: Countdown) -> None:
    """Step with action 0 until one is left."""
    while env.left > 1:
        env.step(0)


def test_default_invalid_action_terminates_with_the_penalty():
    """By default a forbidden action ends the episode at minus the penalty, state unchanged."""
    env = Countdown()
    assert env.invalid_action == DEFAULT_INVALID_ACTION == "terminate"
    env.reset(seed=0)
    _to_one(env)
    obs, reward, terminated, truncated, info = env.step(1)
    assert (reward, terminated, truncated) == (-10.0, True, False)
    assert info == {"left": 1, "invalid_action": 1} and obs["left"] == 1
    with pytest.raises(RuntimeError, match="ended"):
        env.step(0)


def test_raise_mode_names_the_allowed_actions_and_changes_nothing():
    """In raise mode a forbidden action raises ValueError naming the allowed ones."""
    env = Countdown(invalid_action="raise")
    env.reset(seed=0)
    _to_one(env)
    with pytest.raises(ValueError, match=r"action 1 is not allowed; allowed actions: \[0\]"):
        env.step(1)
    assert env.step(0)[2] is True  # the state was left as it was


def test_step_guards():
    """step before reset, after the end or outside the action space raises."""
    env = Countdown()
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)
    env.reset(seed=1)
    with pytest.raises(ValueError, match="action space"):
        env.step(2)
    while not env.step(0)[2]:
        pass
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)
    env.reset()
    assert env.step(0)[1] == -1.0


def test_seeding_goes_through_np_random():
    """reset(seed=s) reseeds np_random, so the same seed gives the same start."""
    env = Countdown()
    starts = [env.reset(seed=s)[1]["start"] for s in (3, 4, 3)]
    assert starts[0] == starts[2]
    assert {Countdown().reset(seed=s)[1]["start"] for s in range(20)} == {3, 4, 5}


def test_action_masks_are_booleans_for_maskable_agents():
    """action_masks() is the mask as booleans, matching the observation's action_mask."""
    env = Countdown()
    obs, _ = env.reset(seed=0)
    assert env.action_masks().dtype == bool
    assert env.action_masks().tolist() == obs["action_mask"].astype(bool).tolist()


def test_toy_env_passes_check_env_with_defaults():
    """A MaskedEnv with default arguments passes check_env without a warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(Countdown(), skip_render_check=True)
    assert not [str(w.message) for w in caught]


def test_render_hook_and_modes():
    """render() is None without a mode; unknown modes are refused; declared modes reach the hook."""
    assert Countdown().render() is None
    with pytest.raises(ValueError, match="render_mode must be None"):
        Countdown(render_mode="human")

    class Drawn(Countdown):
        metadata = {"render_modes": ["ansi"]}  # noqa: RUF012

        def _render_frame(self) -> str:
            return "*" * self.left

    env = Drawn(render_mode="ansi")
    env.reset(seed=0)
    assert env.render() == "*" * env.left


def test_argument_checks():
    """invalid_action and render_mode are checked against what the env accepts."""
    assert check_invalid_action("raise") == "raise"
    assert check_invalid_action("noop", ("raise", "noop")) == "noop"
    with pytest.raises(ValueError, match="'raise', 'terminate'"):
        check_invalid_action("ignore")
    with pytest.raises(ValueError, match="invalid_action"):
        Countdown(invalid_action="noop")
    assert check_render_mode(None, {"render_modes": []}) is None
    assert check_render_mode("rgb_array", {"render_modes": ["rgb_array"]}) == "rgb_array"
    with pytest.raises(ValueError, match=r"None or one of \['rgb_array'\]"):
        check_render_mode("human", {"render_modes": ["rgb_array"]})


def test_reset_options_are_checked():
    """Unknown reset options raise, naming the accepted ones (or saying there are none)."""
    assert reset_options(None) == {}
    assert reset_options({"index": 2}) == {"index": 2}
    with pytest.raises(ValueError, match="unknown reset options \\['query'\\]; the only"):
        reset_options({"query": 1})
    with pytest.raises(ValueError, match="there are none"):
        reset_options({"index": 1}, allowed=())
    with pytest.raises(ValueError, match="unknown reset options"):
        Countdown().reset(options={"query": 1})


def test_instance_cycle():
    """Episodes cycle through the instances; a seed restarts; options['index'] picks one."""
    cycle = InstanceCycle(3)
    assert [cycle.pick({}, seeded=False) for _ in range(4)] == [0, 1, 2, 0]
    assert cycle.pick({}, seeded=True) == 0
    assert cycle.pick({"index": 2}, seeded=False) == 2
    assert cycle.pick({}, seeded=False) == 0
    for bad in (3, -1, True, "1"):
        with pytest.raises(ValueError, match="index"):
            cycle.pick({"index": bad}, seeded=False)
    with pytest.raises(ValueError, match="no instance"):
        InstanceCycle(0)


def test_draw_seed_follows_the_generator():
    """draw_seed gives a non-negative int that depends only on the generator's state."""
    a, b = draw_seed(np.random.default_rng(1)), draw_seed(np.random.default_rng(1))
    assert a == b and a >= 0 and a != draw_seed(np.random.default_rng(2))
