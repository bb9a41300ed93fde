"""The training loop (DESIGN §2.7): evaluate → SFT → evaluate → RL iterations → evaluate.

An RL iteration samples tasks, collects ``group_size`` episodes of each over a subprocess env
pool (token-exact, :mod:`agentgym.rollout`), computes each turn's advantage
(:mod:`agentgym.train.credit`), and runs ``epochs`` passes of ``minibatches`` optimiser steps
of the policy loss (:mod:`agentgym.train.update`). Every phase boundary and every
``checkpoint_every`` iterations the run is checkpointed with its RNG states; ``resume=True``
continues from the newest checkpoint exactly where it was (task seeds and sampling seeds derive
from the run seed and the iteration number, so a resumed run samples what the uninterrupted one
would have).

A NaN or inf in a loss, an advantage or a gradient stops training with
:class:`agentgym.errors.NonFiniteError`; the last good state is saved first as checkpoint
``nonfinite-last-good``.

Under ``torchrun --nproc_per_node N`` the same loop runs data-parallel
(:mod:`agentgym.train.distributed`): each rank plays its share of the episodes, the update sums
the ranks' gradients, and rank 0 alone writes the run directory. ``model.lora_rank`` > 0 trains
LoRA adapters instead of the whole model (:mod:`agentgym.train.lora`).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from agentgym.algos import check_finite
from agentgym.deps import load_attr
from agentgym.errors import ConfigError, NonFiniteError
from agentgym.policy import SamplingParams, make_policy
from agentgym.rollout import RunSettings
from agentgym.rollout.collector import CollectStats, EpisodeSpec
from agentgym.rollout.pool import EnvFactory, SubprocessPool
from agentgym.trajectory.records import Episode
from agentgym.trajectory.summary import SWE_RATES, summarize
from agentgym.trajectory.writer import TrajectoryWriter
from agentgym.train import lora
from agentgym.train.config import TrainConfig, config_dict
from agentgym.train.credit import kl_turn_rewards, token_gae, turn_advantages
from agentgym.train.distributed import Distributed, collect_split
from agentgym.train.entropy_control import EntropyControl
from agentgym.train.info_gain import reference_function, set_information_gain
from agentgym.train.logger import MetricsLogger
from agentgym.train.rollout_engine import Sampler, relabel_logprobs
from agentgym.train.run_dir import RunDir, load_checkpoint_state
from agentgym.train.hindsight import merge_guided, plan_guided
from agentgym.train.samples import Sample, demonstration_samples, set_advantages, training_samples
from agentgym.train.sft_data import load_chat_samples
from agentgym.train.shaping import apply_gated_rewards
from agentgym.train.task_source import TaskSource
from agentgym.train.teaching import Teaching
from agentgym.train.update import (LossSettings, ValueHead, collate, forward_context, micro_batches, policy_step, sft_step,
                                   token_logprobs)

EVAL_KEYS = ("eval_before", "eval_sft", "eval_after")
REFERENCE_DIR = "reference"  # the KL reference model, inside the run directory


class Trainer:
    """One run of :class:`TrainConfig`; :meth:`run` returns the summary it writes."""

    def __init__(self, config: TrainConfig, *, resume: bool = False, overwrite: bool = False, console: Any = None) -> None:
        self.config = config
        self.dist = Distributed.from_env(config.model.device)
        self.device = self.dist.device(config.model.device)
        self.run_dir = RunDir(config.run_dir)
        try:
            if config.model.rollout != "hf" and self.dist.enabled:
                raise ConfigError(f"model.rollout = {config.model.rollout!r} runs one engine: not under a distributed launch yet")
            self.tasks, self.teaching = TaskSource(config, self.dist), Teaching(config)  # curriculum, subgoal teacher: checked now
            self.dist.on_main(lambda: self.run_dir.prepare(resume=resume, overwrite=overwrite))
        except BaseException:
            self.dist.close()
            raise
        self.resume = resume
        self.sampler, self.weights_version = Sampler(config.model, self.run_dir.path, config.seed), 0
        self.logger = MetricsLogger(self.run_dir, config, console=console, enabled=self.dist.is_main)
        self.policy: Any = None
        self.optimizer: Any = None
        self.value_head: ValueHead | None = None
        self.ref_model: Any = None
        self.state: dict[str, Any] = {"done": [], "iteration": 0, "evals": {}, "elapsed_s": 0.0}
        self._pools: dict[str, SubprocessPool] = {}
        self._clock = time.perf_counter()
        self._resumed_elapsed = 0.0
        self._experts: list[Episode] = []

    # the run --------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        config = self.config
        try:
            self._start()
            if "eval_before" not in self.state["done"]:
                self._evaluate("eval_before")
            if "sft" not in self.state["done"]:
                self._sft()
                self._finish_phase("sft")
            if "eval_sft" not in self.state["done"]:
                if self._has_sft():
                    self._evaluate("eval_sft")
                else:
                    self._finish_phase("eval_sft")
            while self.state["iteration"] < config.rl.iterations:
                self._rl_iteration()
                k = self.state["iteration"]
                if config.eval.every and k % config.eval.every == 0 and k < config.rl.iterations:
                    self._evaluate(f"eval_iter_{k}", record=False)
                if config.log.checkpoint_every and k % config.log.checkpoint_every == 0:
                    self._checkpoint(f"iter-{k:06d}")
            if "eval_after" not in self.state["done"]:
                if config.rl.iterations:
                    self._evaluate("eval_after")
                else:
                    self.state["evals"]["eval_after"] = self.state["evals"].get("eval_sft") or self.state["evals"].get("eval_before")
                    self._finish_phase("eval_after")
            return self._summarize()
        finally:
            self.close()

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        self.sampler.close()
        self.logger.close()
        self.dist.close()

    # set-up ---------------------------------------------------------------------------------
    def _start(self) -> None:
        config = self.config
        latest = self.run_dir.latest_checkpoint() if self.resume else None
        if latest is not None:
            self.state = load_checkpoint_state(latest)
            self._resumed_elapsed = self.state["elapsed_s"]
            self.policy = self._load_policy(latest)
            self._restore_optimizer(latest)
            elapsed = self.state["elapsed_s"]
            self.dist.on_main(lambda: self.run_dir.truncate_metrics(lambda r: r.get("logged_at_s", 0.0) <= elapsed))
            self.logger.info(f"resumed from {latest.name} (iteration {self.state['iteration']})")
            return
        _seed_everything(config.seed)
        self.dist.on_main(lambda: self.run_dir.write_config(config_dict(config)))
        self.policy = self._build_policy()
        if config.model.lora_rank:
            if not config.model.path:  # the base a resumed run puts the adapter back on
                self.dist.on_main(lambda: self.policy.save(self.run_dir.path / lora.BASE_DIR))
            lora.add_adapter(self.policy, config.model)
        self.dist.broadcast_parameters([self.policy.model])
        self._checkpoint("start")

    def _load_policy(self, checkpoint: Any) -> Any:
        """The policy of ``checkpoint``: its model, or (LoRA) the base with its adapter."""
        hf_policy, model = load_attr("policies.hf:HFPolicy"), self.config.model
        if not model.lora_rank:
            return hf_policy(str(checkpoint / "model"), device=self.device)
        policy = hf_policy(model.path or str(self.run_dir.path / lora.BASE_DIR), device=self.device, dtype=model.dtype or None,
                           seed=self.config.seed)
        lora.load_adapter(policy, checkpoint / lora.ADAPTER_DIR)
        return policy

    def _build_policy(self) -> Any:
        config, model = self.config, self.config.model
        hf_policy = load_attr("policies.hf:HFPolicy")
        if model.path:
            return hf_policy(model.path, device=self.device, dtype=model.dtype or None, seed=config.seed)
        tiny = "policies.tiny"
        corpus_episodes = self._expert_episodes(self._expert_seeds())[:model.corpus_episodes]
        corpus = [text for e in corpus_episodes for text in [e.first_observation] + [t.raw_output + "\n" + t.observation for t in e.turns]]
        tokenizer = load_attr(f"{tiny}:offline_tokenizer")(corpus, template=model.template, vocab_size=model.vocab_size)
        tiny_config = load_attr(f"{tiny}:tiny_config")(tokenizer, hidden_size=model.hidden_size, layers=model.layers, heads=model.heads)
        self.logger.info(f"built a {model.layers}-layer, {model.hidden_size}-wide model with a {len(tokenizer)}-token "
                         f"tokenizer trained on {len(corpus_episodes)} expert episodes")
        return hf_policy.from_config(tiny_config, tokenizer, seed=config.seed, device=self.device)

    def _pool(self, which: str) -> SubprocessPool:
        if which not in self._pools:
            env = self.config.env
            kwargs = {**env.kwargs, **(env.eval_kwargs if which == "eval" else env.train_kwargs)}
            self._pools[which] = self.teaching.wrap(SubprocessPool([EnvFactory(env.id, kwargs)] * env.workers), which)
        return self._pools[which]

    def _settings(self, temperature: float, max_new_tokens: int, context: str | None = None) -> RunSettings:
        env = self.config.env
        return RunSettings(action_format=env.action_format, system_prompt=env.system_prompt or None, max_turns=env.max_turns,
                           sampling=SamplingParams(temperature=temperature, top_p=self.config.rl.top_p if temperature > 0 else 1.0,
                                                   max_new_tokens=max_new_tokens),
                           context=context or env.context, max_tokens=env.max_tokens, window_turns=env.window_turns)

    # phases ---------------------------------------------------------------------------------
    def _expert_episodes(self, count: int) -> list[Episode]:
        """``count`` expert episodes on training tasks ``0 .. count-1`` (cached for the run)."""
        cached = self._experts
        if len(cached) < count:
            specs = self.teaching.expert_specs([EpisodeSpec(self.config.env.id, seed) for seed in range(len(cached), count)])
            self._experts = cached + self._collect("train", make_policy("expert"), specs, self._settings(0.0, 1, context="text"))
        return self._experts[:count]

    def _expert_seeds(self) -> int:
        """How many training seeds (``0 ..``) the expert plays: SFT's and the tokenizer corpus'."""
        config = self.config
        return max(config.sft.episodes, 0 if config.model.path else config.model.corpus_episodes)

    def _has_sft(self) -> bool:
        return bool(self.config.sft.episodes or self.config.sft.data)

    def _sft(self) -> None:
        config, sft = self.config, self.config.sft
        if not self._has_sft():
            return
        tokenizer, env = self.policy.tokenizer, config.env
        samples: list[Sample] = []
        experts = [e for e in self._expert_episodes(sft.episodes) if e.success]
        for index, episode in enumerate(experts):
            samples += demonstration_samples(episode, tokenizer, context=env.context, window_turns=env.window_turns,
                                             system_prompt=env.system_prompt or None, index=index)
        if sft.data:
            samples += load_chat_samples(sft.data, tokenizer)
        if not samples:
            raise ValueError("SFT has no data: the expert won no episode and sft.data is empty")
        self.logger.info(f"SFT on {len(samples)} samples ({len(experts)} expert episodes won of {sft.episodes}"
                         f"{', plus ' + sft.data if sft.data else ''}), {sft.epochs} epochs")
        model = self.policy.model
        model.train()
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=sft.lr)
        steps_per_epoch = math.ceil(len(samples) / sft.minibatch_samples)
        total = steps_per_epoch * sft.epochs
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _warmup_cosine(sft.warmup_steps, total))
        rng = random.Random(config.seed)
        for epoch in range(sft.epochs):
            order = list(range(len(samples)))
            rng.shuffle(order)
            epoch_metrics: list[dict[str, float]] = []
            for start in range(0, len(order), sft.minibatch_samples):
                batch = [samples[i] for i in order[start:start + sft.minibatch_samples]]
                epoch_metrics.append(self._guard(lambda: sft_step(model, optimizer, batch, pad_id=self.policy.pad_id,
                                                                  batch_tokens=sft.batch_tokens, max_grad_norm=sft.max_grad_norm,
                                                                  scheduler=scheduler, dist=self.dist, autocast=config.model.amp)))
            self.logger.log("sft", epoch + 1, _mean_metrics(epoch_metrics), elapsed_s=self._elapsed())
        model.eval()
        self.weights_version += 1

    def _sampling_policy(self) -> Any:
        """The policy that plays episodes: the trained one, or the vLLM engine given its weights."""
        return self.sampler.policy(self.policy, self.weights_version)

    def _rl_iteration(self) -> None:
        config, rl = self.config, self.config.rl
        k = self.state["iteration"]
        if self.optimizer is None:
            self._make_rl_optimizer()
        start = time.perf_counter()
        stats = CollectStats()
        settings = self._settings(rl.temperature, rl.max_new_tokens)
        played = self._collect("train", self._sampling_policy(), self._rl_specs(k), settings, stats)
        episodes, guided, metrics = played, [], self.tasks.update(played, self.state)  # the curriculum learns the results
        if config.herl.enabled:  # hindsight re-runs of the groups that fell short
            guided = self._collect("train", self._sampling_policy(), plan_guided(played, config.herl, seed=config.seed, iteration=k),
                                   settings, stats)
            episodes, metrics = merge_guided(played, guided, config.herl, seed=config.seed, iteration=k)
        rollout_s = time.perf_counter() - start
        start = time.perf_counter()
        metrics.update(self._update(episodes))
        update_s = time.perf_counter() - start
        self._write_episodes(played + guided, phase="rl", iteration=k + 1)  # with the rewards the update shaped
        outcome = summarize(played)  # the policy's own episodes, not the guided ones
        metrics.update({
            "train/success_rate": outcome["success_rate"], "train/mean_return": outcome["mean_return"],
            "train/mean_turns": outcome["mean_turns"], "train/errors": outcome["errors"],
            **{f"train/{key}": outcome[key] for key in ("valid_action_rate", *SWE_RATES) if outcome.get(key) is not None},
            "time/rollout_s": rollout_s, "time/update_s": update_s,
            "time/policy_s": stats.policy_s, "time/env_s": stats.env_s,
            "throughput/generated_tokens_per_s": stats.generated_tokens / max(stats.policy_s, 1e-9),
        })
        self.state["iteration"] = k + 1
        self.logger.log("rl", k + 1, metrics, elapsed_s=self._elapsed())

    def _rl_specs(self, iteration: int) -> list[EpisodeSpec]:
        return self.teaching.specs(self.tasks.specs(iteration, first_fresh_seed=self._expert_seeds(), state=self.state), iteration)

    def _update(self, episodes: list[Episode]) -> dict[str, float]:
        config, rl = self.config, self.config.rl
        env = config.env
        samples = [s for index, e in enumerate(episodes) for s in training_samples(
            e, index, self.policy.tokenizer, context=env.context, window_turns=env.window_turns,
            system_prompt=env.system_prompt or None)]
        by_episode: dict[int, list[Sample]] = {}
        for sample in samples:
            by_episode.setdefault(sample.episode, []).append(sample)
        metrics: dict[str, float] = self.teaching.shape(episodes)  # subgoal bonuses, on top of every other reward
        if self.sampler.separate:  # the old log-probs are the training model's own, before anything reads them
            metrics["rollout/logprob_gap"] = relabel_logprobs(samples, self._token_pass(
                samples, lambda batch: token_logprobs(self.policy.model, batch, rl.temperature)[0]))
        old_values: dict[int, torch.Tensor] = {}
        gra = config.gra
        if gra.enabled:
            metrics.update(apply_gated_rewards(episodes, step_weights=gra.step_rewards, outcome=gra.outcome,
                                               threshold=gra.threshold, outcome_values=gra.outcome_values or None,
                                               gate=gra.gate))
        if rl.algo == "igpo":
            metrics.update(set_information_gain(episodes, self.policy, reference_function(config.igpo.reference)))
        if rl.kl_in_reward and self.ref_model is not None:
            reference = self._reference_logprobs(samples)
            penalties = kl_turn_rewards(samples, [reference[id(s)] for s in samples], coef=rl.kl_coef, estimator=rl.kl_estimator)
            for (index, turn), reward in penalties.items():
                episodes[index].turns[turn].shaped_rewards["kl"] = reward
            metrics["reward/kl"] = sum(penalties.values()) / max(len(episodes), 1)
        try:
            if rl.algo == "ppo":
                old_values = self._values(samples)
                for index, members in by_episode.items():
                    token_gae(episodes[index], members, [old_values[id(s)] for s in members], gamma=rl.gae_gamma, lam=rl.gae_lambda)
            else:
                advantages = turn_advantages(episodes, rl.algo, gamma=rl.gamma, omega=rl.omega, igpo_gamma=config.igpo.gamma)
                set_advantages(samples, advantages)
                flat = [a for values in advantages for a in values]
                metrics["advantage/mean_abs"] = float(np.mean(np.abs(flat))) if flat else 0.0
            for sample in samples:
                check_finite(f"the advantages of episode {episodes[sample.episode].episode_id}", torch.tensor(sample.advantages))
        except NonFiniteError as exc:
            self._stop_nonfinite(str(exc))
        if rl.skip_uniform_groups and rl.algo != "ppo":
            samples = [s for s in samples if any(a != 0.0 for a in s.advantages)]
        metrics["train/samples_with_signal"] = len(samples)
        if not samples:
            return metrics
        settings = LossSettings(temperature=rl.temperature, clip_eps=rl.clip_eps, clip_eps_high=rl.clip_eps_high or None,
                                dual_clip=rl.dual_clip or None, kl_coef=0.0 if rl.kl_in_reward else rl.kl_coef,
                                kl_estimator=rl.kl_estimator,
                                entropy_coef=rl.entropy_coef, value_coef=rl.value_coef if rl.algo == "ppo" else 0.0,
                                value_clip=rl.value_clip or None, level=rl.loss_level, guided_gamma=config.herl.gamma_s)
        control = EntropyControl(config.epo, rl.iterations, self.state) if config.epo.enabled else None
        if control is not None:
            settings.epo = control.term(self.state["iteration"])
        model = self.policy.model
        model.train()
        step_metrics = []
        first_epoch_entropy: list[float] = []
        rng = random.Random(config.seed * 1_000_003 + self.state["iteration"])
        episode_ids = sorted(by_episode)
        for epoch in range(rl.epochs):
            rng.shuffle(episode_ids)
            size = len(episode_ids) // rl.minibatches or 1
            for start in range(0, len(episode_ids), size):
                chosen = set(episode_ids[start:start + size])
                batch = [s for s in samples if s.episode in chosen]
                if batch:
                    step_metrics.append(self._guard(lambda: policy_step(
                        model, self.optimizer, batch, settings, pad_id=self.policy.pad_id, batch_tokens=rl.batch_tokens,
                        max_grad_norm=rl.max_grad_norm, ref_model=self.ref_model, value_head=self.value_head,
                        old_values=old_values, dist=self.dist, autocast=config.model.amp)))
                    if epoch == 0:
                        first_epoch_entropy.append(step_metrics[-1]["policy/token_entropy"])
        model.eval()
        self.weights_version += 1
        metrics.update(_mean_metrics(step_metrics))
        if control is not None:
            metrics.update(control.record(first_epoch_entropy, settings.epo))
        return metrics

    def _values(self, samples: Sequence[Sample]) -> dict[int, torch.Tensor]:
        """The value head's estimates for every token of ``samples`` (PPO's old values)."""
        temperature = self.config.rl.temperature
        return self._token_pass(samples, lambda batch: token_logprobs(self.policy.model, batch, temperature, self.value_head)[2])

    def _reference_logprobs(self, samples: Sequence[Sample]) -> dict[int, torch.Tensor]:
        """The KL reference model's log-prob of every token of ``samples``."""
        temperature = self.config.rl.temperature
        return self._token_pass(samples, lambda batch: token_logprobs(self.ref_model, batch, temperature)[0])

    @torch.no_grad()
    def _token_pass(self, samples: Sequence[Sample], compute: Any) -> dict[int, torch.Tensor]:
        """``compute(batch)`` (a ``[rows, seq]`` tensor) for every sample, keyed by ``id(sample)``,
        without gradient; each rank computes its share, every rank gets them all."""
        mine: list[tuple[int, torch.Tensor]] = []
        device = next(self.policy.model.parameters()).device
        index = {id(sample): i for i, sample in enumerate(samples)}
        for group in micro_batches(self.dist.shard(samples), self.config.rl.batch_tokens):
            batch = collate(group, self.policy.pad_id, device)
            with forward_context(device, self.config.model.amp):
                values = compute(batch)
            for row, sample in enumerate(group):
                mine.append((index[id(sample)], values[row, :len(sample)].detach().float().cpu()))
        return {id(samples[i]): value for i, value in self.dist.gather(mine)}

    def _make_rl_optimizer(self) -> None:
        rl = self.config.rl
        model = self.policy.model
        parameters = [p for p in model.parameters() if p.requires_grad]  # LoRA: the adapter's only
        if rl.algo == "ppo":
            self.value_head = ValueHead(model.config.hidden_size).to(self.policy.device)
            parameters += list(self.value_head.parameters())
        self.optimizer = torch.optim.AdamW(parameters, lr=rl.lr)
        if rl.kl_coef and lora.is_lora(model) and not self._has_sft():
            self.ref_model = lora.AdapterOff(model)  # the adapter has not trained yet: the base is the reference
        elif rl.kl_coef:
            # the reference is the policy as RL found it, kept on disk for a resumed run
            reference = self.run_dir.path / REFERENCE_DIR
            self.dist.on_main(lambda: reference.exists() or lora.save_model(self.policy, reference))
            self.ref_model = load_attr("policies.hf:HFPolicy")(str(reference), device=str(self.policy.device)).model
            self.ref_model.eval().requires_grad_(False)

    def _restore_optimizer(self, checkpoint: Any) -> None:
        if self.state["iteration"] == 0 and not (checkpoint / "optimizer.pt").exists():
            return
        self._make_rl_optimizer()
        if (checkpoint / "value_head.pt").exists() and self.value_head is not None:
            self.value_head.load_state_dict(torch.load(checkpoint / "value_head.pt"))
        if (checkpoint / "optimizer.pt").exists():
            self.optimizer.load_state_dict(torch.load(checkpoint / "optimizer.pt"))

    def _evaluate(self, key: str, record: bool = True) -> dict[str, Any]:
        config = self.config
        specs = [EpisodeSpec(config.env.id, config.env.eval_seed + i) for i in range(config.eval.episodes)]
        settings = self._settings(config.eval.temperature, config.eval.max_new_tokens)
        start = time.perf_counter()
        episodes = self._collect("eval", self._sampling_policy(), specs, settings)
        self._write_episodes(episodes, phase=key, iteration=self.state["iteration"])
        summary = {k: v for k, v in summarize(episodes).items() if k != "wall_seconds"}
        summary["wall_s"] = time.perf_counter() - start
        self.logger.log("eval", self.state["iteration"], {f"{key}/{k}": v for k, v in summary.items()
                                                         if isinstance(v, (int, float)) and v is not None}, elapsed_s=self._elapsed())
        self.logger.info(f"{key}: success {summary['success_rate']:.0%} (±{summary['success_se']:.0%}), "
                         f"return {summary['mean_return']:.2f}, turns {summary['mean_turns']:.1f} on {summary['episodes']} episodes")
        if record:
            self.state["evals"][key] = summary
            self._finish_phase(key)
        return summary

    # bookkeeping ----------------------------------------------------------------------------
    def _collect(self, which: str, policy: Any, specs: list[EpisodeSpec], settings: RunSettings,
                 stats: CollectStats | None = None) -> list[Episode]:
        """The episodes of ``specs``, in the specs' order (distributed: played split, gathered)."""
        return collect_split(self.dist, self._pool(which), policy, specs, settings=settings, run_id=self.config.name, stats=stats)

    def _write_episodes(self, episodes: list[Episode], *, phase: str, iteration: int) -> None:
        for episode in episodes:
            episode.metadata.update(phase=phase, iteration=iteration)
        if not self.dist.is_main:
            return
        with TrajectoryWriter(self.run_dir.trajectories, run_config={"name": self.config.name}, flush_every=max(1, len(episodes))) as writer:
            writer.write_many(episodes)

    def _finish_phase(self, name: str) -> None:
        self.state["done"].append(name)
        self._checkpoint(name)

    def _checkpoint(self, name: str) -> None:
        self.state["elapsed_s"] = self._elapsed()
        self.dist.on_main(lambda: self.run_dir.save_checkpoint(name, policy=self.policy, optimizer=self.optimizer,
                                                               value_head=self.value_head, state=self.state,
                                                               keep=self.config.log.keep_checkpoints))

    def _guard(self, step: Any) -> dict[str, float]:
        """Run an optimiser step. The loss and the gradient norm are checked before the
        optimiser moves, so on a non-finite value the model is still the last good state: save
        it, then stop."""
        try:
            return step()
        except NonFiniteError as exc:
            self._stop_nonfinite(str(exc))
            raise

    def _stop_nonfinite(self, what: str) -> None:
        path = self.run_dir.checkpoints / "nonfinite-last-good"
        state = {**self.state, "elapsed_s": self._elapsed()}
        self.dist.on_main(lambda: self.run_dir.save_checkpoint(path.name, policy=self.policy, optimizer=None,
                                                               value_head=self.value_head, state=state, keep=0))
        raise NonFiniteError(f"training stopped: {what}. The last good state is saved in {path}")

    def _elapsed(self) -> float:
        """Seconds of training so far, over every session of a resumed run."""
        return self._resumed_elapsed + (time.perf_counter() - self._clock)

    def _summarize(self) -> dict[str, Any]:
        evals = self.state["evals"]
        summary = {"env_id": self.config.env.id, **{key: evals.get(key) for key in EVAL_KEYS},
                   "iterations": self.state["iteration"], "wall_time_s": self._elapsed()}
        self.dist.on_main(lambda: self.run_dir.write_summary(summary))
        self.logger.finish(summary)
        return summary


def train(config: TrainConfig, *, resume: bool = False, overwrite: bool = False, console: Any = None) -> dict[str, Any]:
    """Run ``config`` to its end; returns (and writes) the run's summary."""
    return Trainer(config, resume=resume, overwrite=overwrite, console=console).run()


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _warmup_cosine(warmup: int, total: int) -> Any:
    def factor(step: int) -> float:
        if warmup and step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total - warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
    return factor


def _mean_metrics(records: list[dict[str, float]]) -> dict[str, float]:
    keys = {k for r in records for k in r}
    return {k: float(np.mean([r[k] for r in records if k in r])) for k in sorted(keys)}
