"""The trainer's configuration: a TOML file read into these dataclasses.

Every key has a default, so a config names only what it changes; ``agentgym train CONFIG --set
rl.iterations=5`` overrides any key. :func:`load_train_config` refuses, before any work starts,
unknown keys and wrong types (naming the key), an env id that is not registered, an algorithm or
option that does not exist, and batch sizes that do not divide.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agentgym.config import apply_overrides, from_dict, load_toml
from agentgym.errors import ConfigError
from agentgym.train.curriculum_config import CurriculumSection, validate_curriculum
from agentgym.train.teacher_config import TeacherSection, validate_teacher

ALGOS = ("grpo", "rloo", "reinforce", "gigpo", "igpo", "ppo")
LOSS_LEVELS = ("token", "turn", "sequence", "episode")
KL_ESTIMATORS = ("k1", "k3")
CONTEXTS = ("concat", "window")
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")
ROLLOUT_ENGINES = ("hf", "vllm")


@dataclass
class EnvSection:
    """The env trained on and evaluated on.

    ``kwargs`` go to every env; ``train_kwargs`` / ``eval_kwargs`` are merged over them for the
    training and evaluation envs (e.g. ``eval_kwargs = {split = "test"}`` for held-out games).
    ``train_tasks`` > 0 cycles training over reset seeds ``0 .. train_tasks-1`` (a fixed set of
    training tasks); 0 draws a fresh seed for every RL task (seeds after those the expert played
    for SFT and the tokenizer, so RL starts on tasks it has not been shown). Evaluation uses reset seeds
    ``eval_seed .. eval_seed + eval.episodes - 1`` of the eval envs.
    """

    id: str = "textworld/coin-v0"
    kwargs: dict[str, Any] = field(default_factory=dict)
    train_kwargs: dict[str, Any] = field(default_factory=dict)
    eval_kwargs: dict[str, Any] = field(default_factory=lambda: {"split": "test"})
    train_tasks: int = 0
    eval_seed: int = 0
    workers: int = 4
    context: str = "concat"
    window_turns: int = 2
    max_turns: int = 20
    max_tokens: int = 4096
    system_prompt: str = ""
    action_format: str = "raw"


@dataclass
class ModelSection:
    """The policy model: a local checkpoint (``path``), or a small model built offline — a BPE
    tokenizer trained on the env's own text (``corpus_episodes`` expert episodes of training
    tasks) and a Llama config of the given size.

    ``device``: where the model runs (default CUDA when available; under a distributed launch,
    rank ``LOCAL_RANK``'s GPU). ``dtype``: the dtype a ``path`` checkpoint is loaded in.

    ``lora_rank`` > 0 trains LoRA adapters (through ``peft``) on ``lora_target_modules`` instead
    of every weight, in SFT and RL alike (see :mod:`agentgym.train.lora`); 0 trains the full
    model. The default targets are the attention projections of Llama-style models (Llama,
    Qwen2, Mistral name them alike); ``["all-linear"]`` targets every linear layer.

    ``amp = true`` runs the update's forward passes under ``torch.autocast(bfloat16)``: CUDA
    only (on a CPU it is refused, not silently ignored; rollouts keep the model's own dtype).

    ``rollout``: what samples the RL and evaluation episodes. ``"hf"`` (default): the training
    model itself. ``"vllm"``: vLLM's offline engine on the same GPU (extra ``vllm``, CUDA only),
    given the trained weights before each collection that follows an update; ``vllm`` holds its
    engine arguments (``gpu_memory_utilization`` (default 0.5), ``dtype``, ``enforce_eager``,
    ``max_model_len``, …). See :mod:`agentgym.train.rollout_engine`.
    """

    path: str = ""
    template: str = "chatml"
    vocab_size: int = 1024
    hidden_size: int = 128
    layers: int = 2
    heads: int = 4
    corpus_episodes: int = 16
    device: str = ""
    dtype: str = ""
    lora_rank: int = 0
    lora_alpha: float = 16.0
    lora_dropout: float = 0.0
    lora_target_modules: list[str] = field(default_factory=lambda: list(LORA_TARGETS))
    amp: bool = False
    rollout: str = "hf"
    vllm: dict[str, Any] = field(default_factory=dict)


@dataclass
class SFTSection:
    """Behaviour cloning before RL: ``episodes`` expert episodes of training tasks (played by the
    ``expert`` policy), and/or chat data from ``data`` (JSONL or Parquet with a ``messages``
    column). ``episodes = 0`` and no data: no SFT."""

    episodes: int = 0
    data: str = ""
    epochs: int = 5
    lr: float = 1e-3
    batch_tokens: int = 8192
    minibatch_samples: int = 16
    max_grad_norm: float = 1.0
    warmup_steps: int = 0


@dataclass
class RLSection:
    """The RL phase. ``algo``: ``grpo``, ``rloo``, ``reinforce`` (mean baseline), ``gigpo``
    (step-level anchor groups), ``igpo`` (information-gain turn rewards, options in ``[igpo]``)
    or ``ppo`` (value head + GAE). Each iteration plays
    ``tasks_per_iteration`` tasks ``group_size`` times each, then runs ``epochs`` passes of
    ``minibatches`` updates over them.

    ``kl_coef`` > 0 keeps the policy near a reference (the policy as RL found it), with the
    ``kl_estimator`` (``k1`` or ``k3``): as a loss term by default, or, with ``kl_in_reward``,
    as a per-turn reward ``-kl_coef * sum of the turn's token KLs`` before the advantages
    (stored in each turn's ``shaped_rewards["kl"]``). ``loss_level`` (``token``, the default;
    ``turn``; ``sequence``; ``episode``) is what the loss averages over: per token, every
    sampled token weighs the same whatever the length of its answer or episode (DAPO's
    token-level loss), which is why it is the default. ``episode`` averages within each turn,
    then over an episode's turns, then over episodes, so every episode weighs the same: with
    group advantages that sum to zero, long failed episodes then cannot outweigh short wins
    (at the token level they push the policy away from what it sampled, and its entropy grows). ``skip_uniform_groups`` leaves out of the update the
    samples whose advantage is zero everywhere (groups whose episodes all did equally well).
    ``gamma``/``omega`` are GiGPO's step discount and step weight; ``gae_gamma``/``gae_lambda``
    PPO's GAE."""

    algo: str = "grpo"
    iterations: int = 0
    tasks_per_iteration: int = 8
    group_size: int = 8
    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 16
    lr: float = 5e-4
    epochs: int = 1
    minibatches: int = 1
    batch_tokens: int = 8192
    clip_eps: float = 0.2
    clip_eps_high: float = 0.0
    dual_clip: float = 0.0
    kl_coef: float = 0.0
    kl_estimator: str = "k3"
    kl_in_reward: bool = False
    entropy_coef: float = 0.0
    loss_level: str = "token"
    gamma: float = 0.95
    omega: float = 1.0
    gae_gamma: float = 1.0
    gae_lambda: float = 0.95
    value_coef: float = 0.5
    value_clip: float = 0.2
    max_grad_norm: float = 1.0
    skip_uniform_groups: bool = True


@dataclass
class GatedRewardSection:
    """G-RA, gated reward accumulation (Sun et al. 2025, :mod:`agentgym.algos.gated`): each turn
    earns ``step_rewards`` (weights of the step signals of :mod:`agentgym.train.shaping`:
    ``action_format_valid``, ``action_valid``, ``tool_ok``, ``modified``, ``score_progress``),
    and they count only in episodes whose ``outcome`` (``auto``, ``return``, ``won`` or ``swe``)
    reaches ``threshold``. The outcome replaces the env's reward: the episode's reward is the
    outcome (on its last turn) plus the gated step rewards.

    Defaults for SWE envs (``outcome = "auto"`` finds their levels): the four outcome levels
    ``no_submit`` 0.0, ``empty_patch`` 0.25, ``failing_patch`` 0.5, ``passing_patch`` 1.0
    (``outcome_values``) with threshold 0.5, so tool and edit rewards count once a non-empty patch
    is submitted; other envs: the env's return with threshold 1.0. ``gate = false`` accumulates
    the step rewards ungated (the paper's D-RA baseline)."""

    enabled: bool = False
    step_rewards: dict[str, float] = field(default_factory=lambda: {"action_valid": 0.1})
    outcome: str = "auto"
    threshold: float | None = None
    outcome_values: dict[str, float] = field(default_factory=dict)
    gate: bool = True


@dataclass
class EPOSection:
    """EPO entropy control (Xu et al. 2025, :mod:`agentgym.algos.epo`): the loss becomes
    ``L_PG - coef * [L_H - beta_k * L_smooth]``, the entropy averaged per turn, per trajectory,
    over the batch, kept in the corridor ``[kappa_low, kappa_high] x H_bar`` (``H_bar``: the
    mean entropy of all earlier iterations), ``beta_k = 1 + exp(-gamma * k / floor(K / 2))`` over
    the ``K = rl.iterations`` iterations. The paper's defaults. Replaces ``rl.entropy_coef``."""

    enabled: bool = False
    coef: float = 0.001
    alpha: float = 0.1
    kappa_low: float = 0.0
    kappa_high: float = 2.0
    gamma: float = 3.0


@dataclass
class IGPOSection:
    """IGPO (Wang et al. 2025, :mod:`agentgym.algos.igpo`; used with ``rl.algo = "igpo"``): each
    turn is rewarded by the increase of the policy's probability of the task's reference answer,
    the final turn by the outcome; the group's turn rewards are z-scored together and discounted
    with ``gamma``. ``reference``: ``module:function`` giving an episode's reference answer
    (default: ``info["reference"]`` of the reset; see :mod:`agentgym.train.info_gain`)."""

    gamma: float = 1.0
    reference: str = ""


@dataclass
class HeRLSection:
    """HeRL, hindsight experience guided RL (arXiv:2603.20046, :mod:`agentgym.train.hindsight`):
    episodes are scored by their final rubric (``rubric_weights``, 1 each by default), groups
    whose best score is below ``threshold`` re-run their best ``max_guided`` attempts with a
    hindsight prompt (``prompt``, with ``{met}``, ``{unmet}``, ``{attempt}``), attempts earn
    ``alpha`` x what their hindsight gained, and up to ``replace_top_n`` guided episodes that beat
    the group's best replace a random member, trained without the guidance with the off-policy
    objective of shaping ``gamma_s`` (<= 0: the plain ratio)."""

    enabled: bool = False
    threshold: float = 1.0
    max_guided: int = 2
    replace_top_n: int = 1
    alpha: float = 0.05
    gamma_s: float = 1.0
    rubric_weights: dict[str, float] = field(default_factory=dict)
    prompt: str = ""
    max_attempt_chars: int = 300


@dataclass
class EvalSection:
    """Evaluation on held-out tasks: before training, after SFT, every ``every`` RL iterations
    (0: only at the end) and after RL. ``temperature = 0`` is greedy decoding."""

    episodes: int = 50
    every: int = 0
    temperature: float = 0.0
    max_new_tokens: int = 16


@dataclass
class LogSection:
    """Where metrics go besides ``metrics.jsonl`` (always written) and the console."""

    tensorboard: bool = False
    wandb: bool = False
    wandb_project: str = "agentgym"
    checkpoint_every: int = 5
    keep_checkpoints: int = 2
    progress: bool = True


@dataclass
class TrainConfig:
    """A training run (``runs/NAME``)."""

    name: str = "run"
    out_dir: str = "runs"
    seed: int = 0
    env: EnvSection = field(default_factory=EnvSection)
    model: ModelSection = field(default_factory=ModelSection)
    sft: SFTSection = field(default_factory=SFTSection)
    rl: RLSection = field(default_factory=RLSection)
    gra: GatedRewardSection = field(default_factory=GatedRewardSection)
    epo: EPOSection = field(default_factory=EPOSection)
    igpo: IGPOSection = field(default_factory=IGPOSection)
    herl: HeRLSection = field(default_factory=HeRLSection)
    curriculum: CurriculumSection = field(default_factory=CurriculumSection)
    teacher: TeacherSection = field(default_factory=TeacherSection)
    eval: EvalSection = field(default_factory=EvalSection)
    log: LogSection = field(default_factory=LogSection)

    @property
    def run_dir(self) -> str:
        return os.path.join(self.out_dir, self.name)


def load_train_config(path: str | os.PathLike[str] | None = None, overrides: Iterable[str] = (),
                      data: Mapping[str, Any] | None = None) -> TrainConfig:
    """The validated config of a TOML file (or of ``data``) with ``key=value`` overrides applied."""
    raw = dict(data or {}) if path is None else load_toml(path)
    config = from_dict(TrainConfig, apply_overrides(raw, overrides))
    validate(config)
    return config


def config_dict(config: TrainConfig) -> dict[str, Any]:
    """The config as a plain dict (for ``config.toml`` of the run and the trajectory metadata)."""
    return dataclasses.asdict(config)


def toml_text(data: Mapping[str, Any]) -> str:
    """A config dict as TOML (what ``runs/NAME/config.toml`` holds). TOML has no null: None
    values, which are defaults (e.g. ``gra.threshold``), are left out and read back as None."""
    from agentgym.deps import require

    tomli_w = require("tomli_w", extra="train", what="writing a config as TOML")
    return tomli_w.dumps(_without_none(data))


def config_toml(config: TrainConfig) -> str:
    """``config`` as TOML text that :func:`load_train_config` reads back to an equal config."""
    return toml_text(config_dict(config))


def _without_none(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_without_none(v) for v in value]
    return value


def validate(config: TrainConfig) -> None:
    """Refuse what cannot run, naming the key."""
    from agentgym.registry import spec

    spec(config.env.id)  # an unknown id raises EnvIdError naming close matches
    rl, env = config.rl, config.env
    _choice("rl.algo", rl.algo, ALGOS)
    _choice("rl.loss_level", rl.loss_level, LOSS_LEVELS)
    _choice("rl.kl_estimator", rl.kl_estimator, KL_ESTIMATORS)
    _choice("env.context", env.context, CONTEXTS)
    for key, value in [("rl.iterations", rl.iterations), ("sft.episodes", config.sft.episodes), ("sft.epochs", config.sft.epochs),
                       ("eval.episodes", config.eval.episodes), ("eval.every", config.eval.every),
                       ("env.train_tasks", env.train_tasks), ("log.checkpoint_every", config.log.checkpoint_every)]:
        if value < 0:
            raise ConfigError(f"{key} must be >= 0, got {value}")
    for key, value in [("rl.tasks_per_iteration", rl.tasks_per_iteration), ("rl.group_size", rl.group_size),
                       ("rl.epochs", rl.epochs), ("rl.minibatches", rl.minibatches), ("env.workers", env.workers),
                       ("env.max_turns", env.max_turns), ("rl.max_new_tokens", rl.max_new_tokens),
                       ("rl.batch_tokens", rl.batch_tokens), ("sft.batch_tokens", config.sft.batch_tokens),
                       ("sft.minibatch_samples", config.sft.minibatch_samples), ("eval.max_new_tokens", config.eval.max_new_tokens)]:
        if value < 1:
            raise ConfigError(f"{key} must be >= 1, got {value}")
    episodes = rl.tasks_per_iteration * rl.group_size
    if rl.iterations and episodes % rl.minibatches:
        raise ConfigError(f"rl.minibatches ({rl.minibatches}) must divide the episodes of an iteration "
                          f"(rl.tasks_per_iteration * rl.group_size = {episodes})")
    if rl.algo in ("grpo", "rloo", "gigpo", "igpo") and rl.group_size < 2 and rl.iterations:
        raise ConfigError(f"rl.group_size must be >= 2 for {rl.algo} (a group of one has no baseline)")
    for key, value in [("rl.lr", rl.lr), ("sft.lr", config.sft.lr), ("rl.clip_eps", rl.clip_eps)]:
        if value <= 0:
            raise ConfigError(f"{key} must be > 0, got {value}")
    if rl.kl_in_reward and not rl.kl_coef:
        raise ConfigError("rl.kl_in_reward = true needs rl.kl_coef > 0 (the weight of the KL penalty in the reward)")
    if rl.dual_clip and rl.dual_clip <= 1:
        raise ConfigError(f"rl.dual_clip must be > 1 (or 0: off), got {rl.dual_clip}")
    if not 0 < rl.top_p <= 1:
        raise ConfigError(f"rl.top_p must be in (0, 1], got {rl.top_p}")
    if rl.temperature <= 0:
        raise ConfigError(f"rl.temperature must be > 0 (RL samples), got {rl.temperature}")
    if not config.model.path and config.model.corpus_episodes < 1:
        raise ConfigError("model.corpus_episodes must be >= 1 to train a tokenizer (or set model.path)")
    if config.sft.data and not os.path.exists(config.sft.data):
        raise ConfigError(f"sft.data: no file at {config.sft.data}")
    _validate_model(config.model)
    _validate_methods(config)
    validate_curriculum(config.curriculum, train_tasks=config.env.train_tasks)
    validate_teacher(config.teacher)
    if not config.name or "/" in config.name or config.name in (".", ".."):
        raise ConfigError(f"name must be a plain directory name, got {config.name!r}")


def _validate_model(model: ModelSection) -> None:
    if model.lora_rank < 0:
        raise ConfigError(f"model.lora_rank must be >= 0 (0: no LoRA, train every weight), got {model.lora_rank}")
    if model.lora_rank:
        if model.lora_alpha <= 0:
            raise ConfigError(f"model.lora_alpha must be > 0, got {model.lora_alpha}")
        if not 0 <= model.lora_dropout < 1:
            raise ConfigError(f"model.lora_dropout must be in [0, 1), got {model.lora_dropout}")
        if not model.lora_target_modules or not all(isinstance(m, str) and m for m in model.lora_target_modules):
            raise ConfigError("model.lora_target_modules must name at least one module (e.g. [\"q_proj\", \"v_proj\"] "
                              f"or [\"all-linear\"]), got {model.lora_target_modules!r}")
    _choice("model.rollout", model.rollout, ROLLOUT_ENGINES)
    device = (model.device or _default_device()) if model.amp or model.rollout == "vllm" else ""  # CUDA-only features
    if model.amp and not device.startswith("cuda"):
        raise ConfigError(f"model.amp = true (bfloat16 autocast) needs a CUDA device, and this run's device is "
                          f"{device!r}: set model.amp = false to train in full precision, or run on a GPU")
    if model.rollout == "vllm" and not device.startswith("cuda"):
        raise ConfigError(f"model.rollout = \"vllm\" needs a CUDA device, and this run's device is "
                          f"{device!r}: use model.rollout = \"hf\" on a CPU")
    if model.vllm and model.rollout != "vllm":
        raise ConfigError("model.vllm (vLLM engine arguments) is set but model.rollout is not \"vllm\"")


def _validate_methods(config: TrainConfig) -> None:
    from agentgym.train.shaping import OUTCOMES, STEP_SIGNALS

    gra, epo = config.gra, config.epo
    if gra.enabled:
        _choice("gra.outcome", gra.outcome, OUTCOMES)
        unknown = sorted(set(gra.step_rewards) - set(STEP_SIGNALS))
        if unknown:
            raise ConfigError(f"gra.step_rewards names unknown step signal(s) {unknown}; choose from {', '.join(STEP_SIGNALS)}")
    if epo.enabled:
        if config.rl.entropy_coef:
            raise ConfigError("epo.enabled replaces the plain entropy bonus: set rl.entropy_coef = 0 (EPO's weight is epo.coef)")
        if epo.coef <= 0 or epo.alpha < 0 or epo.gamma < 0:
            raise ConfigError(f"epo needs coef > 0, alpha >= 0 and gamma >= 0, got coef {epo.coef}, alpha {epo.alpha}, "
                              f"gamma {epo.gamma}")
        if not 0 <= epo.kappa_low <= epo.kappa_high:
            raise ConfigError(f"epo needs 0 <= kappa_low <= kappa_high, got {epo.kappa_low} and {epo.kappa_high}")
    if config.igpo.reference:
        from agentgym.deps import load_attr

        try:
            load_attr(config.igpo.reference)
        except Exception as exc:  # an import error, a missing attribute, a malformed spec
            raise ConfigError(f"igpo.reference: cannot load {config.igpo.reference!r} ({exc})") from None
    herl = config.herl
    if herl.enabled:
        if gra.enabled:
            raise ConfigError("herl.enabled and gra.enabled both set each episode's reward: enable one of them")
        if config.rl.algo == "ppo":
            raise ConfigError("herl.enabled needs a group algorithm (grpo, rloo, reinforce, gigpo, igpo), not rl.algo = 'ppo'")
        if herl.max_guided < 1 or herl.replace_top_n < 0 or herl.max_attempt_chars < 1:
            raise ConfigError(f"herl needs max_guided >= 1, replace_top_n >= 0 and max_attempt_chars >= 1, got "
                              f"{herl.max_guided}, {herl.replace_top_n} and {herl.max_attempt_chars}")
        if herl.prompt:
            try:
                herl.prompt.format(met="", unmet="", attempt="")
            except (KeyError, IndexError, ValueError) as exc:
                raise ConfigError(f"herl.prompt may use only {{met}}, {{unmet}} and {{attempt}}: {exc!r}") from None
    if not 0 <= config.igpo.gamma <= 1:
        raise ConfigError(f"igpo.gamma must be in [0, 1], got {config.igpo.gamma}")


def _default_device() -> str:
    import torch  # only when asked: validating a config stays light

    return "cuda" if torch.cuda.is_available() else "cpu"


def _choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{key} must be one of {', '.join(choices)}; got {value!r}")
