"""The environment registry: Gymnasium's model for text envs (DESIGN §2.2).

Ids are namespaced and versioned, ``family/Name-vN`` (``toy/keys-v0``). Specs hold their entry
point as a ``"module:attr"`` string, imported only when the env is made, so listing envs
imports no engine.

Where specs come from, in order, the first time any id is looked up (lazy discovery):

1. the built-in families (``environments``, registered through one ``"module:attr"`` string);
2. every entry point of the group ``agentgym.envs`` in installed distributions. An entry point
   names either a callable (called with no arguments; it calls :func:`register`) or a module
   (importing it registers). A plugin that fails to load is logged and listed by
   ``agentgym envs``; it never breaks agentgym.

An id registered explicitly in code wins over one found by discovery.
"""

from __future__ import annotations

import copy
import difflib
import fnmatch
import importlib.metadata
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gymnasium

from agentgym import wrappers
from agentgym.actions import DEFAULT_MAX_ACTION_LENGTH
from agentgym.deps import is_installed, load_attr, require
from agentgym.errors import EnvIdError

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "agentgym.envs"
BUILTIN_PROVIDERS = ("environments:register_envs",)
ENV_ID_PATTERN = re.compile(r"^(?P<family>[a-z0-9][a-z0-9_.-]*)/(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]*?)-v(?P<version>\d+)$")
_ID_FORMAT_HELP = "expected 'family/Name-vN' (lower-case family, a name, a version number), e.g. 'toy/keys-v0'"


def parse_env_id(env_id: str) -> tuple[str, str, int]:
    """Split ``family/Name-vN`` into (family, name, version).

    Raises:
        EnvIdError: ``env_id`` is not a string of that form.
    """
    if not isinstance(env_id, str):
        raise EnvIdError(f"an env id must be a str, got {type(env_id).__name__}: {env_id!r:.60}")
    match = ENV_ID_PATTERN.match(env_id)
    if match is None:
        raise EnvIdError(f"malformed env id {env_id!r}: {_ID_FORMAT_HELP}")
    return match["family"], match["name"], int(match["version"])


@dataclass
class EnvSpec:
    """How to make one registered environment.

    Attributes:
        id: ``family/Name-vN``.
        entry_point: ``"module:attr"`` naming the env class or a factory, or the callable itself.
        kwargs: default constructor arguments; ``make(id, **kwargs)`` overrides them.
        max_episode_steps: the time limit :func:`make` applies (None: no limit).
        requires: modules the env imports; when one is missing, ``make`` names ``extra``.
        extra: the agentgym extra installing ``requires`` (``pip install 'agentgym[extra]'``).
        description: one line for ``agentgym envs``.
        nondeterministic: the env cannot replay an episode from seed and actions (read by
            Gymnasium's checker as well as agentgym's).
        check_kwargs: constructor arguments for the test-suite's contract check (small tasks);
            None when the env needs user input to be made (its family's tests check it).
        eval_kwargs: constructor arguments for benchmarking (``agentgym eval``): the held-out
            tasks, e.g. ``{"split": "test"}`` for families with train / valid / test splits.
        multiline_actions: the env's actions are code or patches, whose whitespace and length
            matter: :func:`make` does not apply ``NormalizeAction``.
        additional_wrappers: always empty; present because Gymnasium's wrappers read
            ``env.spec.additional_wrappers``.
    """

    id: str
    entry_point: str | Callable[..., gymnasium.Env]
    kwargs: dict[str, Any] = field(default_factory=dict)
    max_episode_steps: int | None = None
    requires: tuple[str, ...] = ()
    extra: str | None = None
    description: str = ""
    nondeterministic: bool = False
    check_kwargs: dict[str, Any] | None = field(default_factory=dict)
    eval_kwargs: dict[str, Any] = field(default_factory=dict)
    multiline_actions: bool = False
    additional_wrappers: tuple = ()

    def __post_init__(self) -> None:
        self.family, self.name, self.version = parse_env_id(self.id)
        if not (callable(self.entry_point) or isinstance(self.entry_point, str)):
            raise TypeError(f"entry_point of {self.id} must be 'module:attr' or a callable, got {self.entry_point!r}")
        self.requires = tuple(self.requires)

    @property
    def missing_dependencies(self) -> list[str]:
        """The modules of :attr:`requires` that are not installed."""
        return [module for module in self.requires if not is_installed(module)]

    def make(self, **kwargs: Any) -> gymnasium.Env:
        """``agentgym.make`` for this spec (Gymnasium's checker calls it)."""
        return make(self, **kwargs)


class EnvRegistry:
    """Registered env specs, with lazy discovery of the built-in families and plugins."""

    def __init__(self, providers: tuple[str, ...] = BUILTIN_PROVIDERS, entry_point_group: str | None = ENTRY_POINT_GROUP) -> None:
        self._specs: dict[str, EnvSpec] = {}
        self._providers = providers
        self._group = entry_point_group
        self._discovered = False
        self._discovering = False
        self.plugin_errors: dict[str, str] = {}

    def register(self, env_id: str, entry_point: str | Callable[..., gymnasium.Env], **spec_fields: Any) -> EnvSpec:
        """Register ``env_id``; see :class:`EnvSpec` for the fields. Returns the spec.

        Re-registering an id replaces the spec (with a warning), as in Gymnasium, except during
        discovery, where an id registered explicitly in code is kept.
        """
        spec = EnvSpec(env_id, entry_point, **spec_fields)
        if env_id in self._specs:
            if self._discovering:
                logger.debug("keeping the explicit registration of %s over a discovered one", env_id)
                return self._specs[env_id]
            logger.warning("overriding the registration of %s", env_id)
        self._specs[env_id] = spec
        return spec

    def spec(self, env_id: str) -> EnvSpec:
        """The spec of ``env_id``.

        Raises:
            EnvIdError: malformed id, or not registered (the message lists close matches).
        """
        parse_env_id(env_id)
        self.discover()
        try:
            return self._specs[env_id]
        except KeyError:
            raise EnvIdError(self._unknown_id_message(env_id)) from None

    def list_envs(self, pattern: str | None = None) -> list[str]:
        """Sorted registered ids; ``pattern`` is a glob (``textworld/*``) or else a substring."""
        self.discover()
        ids = sorted(self._specs)
        if pattern is None:
            return ids
        if any(ch in pattern for ch in "*?["):
            return [i for i in ids if fnmatch.fnmatchcase(i, pattern)]
        return [i for i in ids if pattern.lower() in i.lower()]

    def discover(self) -> None:
        """Load the built-in families and the ``agentgym.envs`` entry points, once."""
        if self._discovered or self._discovering:
            return
        self._discovering = True
        try:
            for provider in self._providers:
                self._load_provider(provider, lambda p=provider: load_attr(p))
            if self._group:
                for entry_point in importlib.metadata.entry_points(group=self._group):
                    self._load_provider(f"{entry_point.name} ({entry_point.value})", entry_point.load)
        finally:
            self._discovering = False
            self._discovered = True

    def _load_provider(self, name: str, load: Callable[[], Any]) -> None:
        try:
            target = load()
            if callable(target):
                target()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break agentgym
            self.plugin_errors[name] = f"{type(exc).__name__}: {exc}"
            logger.warning("agentgym env provider %s failed to load: %s", name, exc)

    def _unknown_id_message(self, env_id: str) -> str:
        family, name, _ = parse_env_id(env_id)
        ids = sorted(self._specs)
        same_name = [i for i in ids if i.rsplit("-v", 1)[0] == f"{family}/{name}"]
        close = same_name or difflib.get_close_matches(env_id, ids, n=5, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        families = sorted({i.split('/')[0] for i in ids})
        return f"no env registered as {env_id!r}.{hint} Registered families: {', '.join(families) or 'none'} (see `agentgym envs`)."

    # ---- test support --------------------------------------------------------------------
    def snapshot(self) -> dict[str, EnvSpec]:
        """A copy of the registered specs (restore with :meth:`restore`)."""
        self.discover()
        return dict(self._specs)

    def restore(self, specs: Mapping[str, EnvSpec]) -> None:
        """Replace the registered specs with ``specs`` (from :meth:`snapshot`)."""
        self._specs = dict(specs)


registry = EnvRegistry()


def register(env_id: str, entry_point: str | Callable[..., gymnasium.Env], **spec_fields: Any) -> EnvSpec:
    """Register a text env under ``env_id`` (``family/Name-vN``) in the global registry.

    Args:
        env_id: the id users will ``make``.
        entry_point: ``"module:Class"`` (imported lazily) or the class / factory itself.
        **spec_fields: :class:`EnvSpec` fields: ``kwargs``, ``max_episode_steps``,
            ``requires``, ``extra``, ``description``, ``nondeterministic``, ``check_kwargs``,
            ``eval_kwargs``, ``multiline_actions``.
    """
    return registry.register(env_id, entry_point, **spec_fields)


def spec(env_id: str) -> EnvSpec:
    """The :class:`EnvSpec` of a registered id."""
    return registry.spec(env_id)


def list_envs(pattern: str | None = None) -> list[str]:
    """Registered env ids, sorted; ``pattern`` is a glob or a substring."""
    return registry.list_envs(pattern)


def make(
    env_id: str | EnvSpec,
    *,
    max_episode_steps: int | None = None,
    max_action_length: int | None = DEFAULT_MAX_ACTION_LENGTH,
    action_format: str | None = None,
    list_actions: bool = False,
    **kwargs: Any,
) -> gymnasium.Env:
    """Create a registered env with the standard wrappers.

    The stack, innermost first: the env, :class:`~agentgym.wrappers.NormalizeAction` (strip,
    collapse whitespace, cap at ``max_action_length``; None disables it, and so does a spec with
    ``multiline_actions``),
    :class:`~agentgym.wrappers.TimeLimit` (``max_episode_steps``, else the spec's; none if
    both are None), with ``list_actions`` :class:`~agentgym.wrappers.ListActions` (each
    observation ends with the admissible actions) and, when ``action_format`` is given,
    :class:`~agentgym.wrappers.ExtractAction` (the env then takes raw model output).

    Args:
        env_id: a registered id, or an :class:`EnvSpec`.
        max_episode_steps: overrides the spec's time limit.
        max_action_length: the action length cap.
        action_format: ``"tag"``, ``"json"``, ``"last_line"``, ``"auto"`` or ``"raw"``.
        list_actions: append ``info["admissible_actions"]`` to every observation.
        **kwargs: constructor arguments, over the spec's ``kwargs``.

    Raises:
        EnvIdError: the id is malformed or unknown.
        MissingDependencyError: the env's dependency is missing (the message names the extra).
    """
    env_spec = env_id if isinstance(env_id, EnvSpec) else spec(env_id)
    for module in env_spec.requires:
        require(module, extra=env_spec.extra, what=f"the env {env_spec.id}")
    factory = load_attr(env_spec.entry_point) if isinstance(env_spec.entry_point, str) else env_spec.entry_point
    env_kwargs = {**env_spec.kwargs, **kwargs}
    env = factory(**env_kwargs)
    if not isinstance(env, gymnasium.Env):
        raise TypeError(f"the entry point of {env_spec.id} returned {type(env).__name__}, not a gymnasium.Env")
    limit = max_episode_steps if max_episode_steps is not None else env_spec.max_episode_steps
    made_spec = copy.copy(env_spec)
    made_spec.kwargs = env_kwargs
    made_spec.max_episode_steps = limit
    env.unwrapped.spec = made_spec
    try:
        if max_action_length is not None and not env_spec.multiline_actions:
            env = wrappers.NormalizeAction(env, max_action_length)
        if limit is not None:
            env = wrappers.TimeLimit(env, limit)
        if list_actions:
            env = wrappers.ListActions(env)
        if action_format is not None:
            env = wrappers.ExtractAction(env, action_format)
    except Exception:
        env.close()  # a bad wrapper argument must not leak the engine the env started
        raise
    return env
