"""HeRL in the trainer (``[herl] enabled = true``): hindsight-guided re-runs of the groups that
fell short, the bonus for attempts whose hindsight helped, and guided episodes joining their group.

After an iteration's groups are collected (the pure parts: :mod:`agentgym.algos.herl`):

1. each episode's score is its final rubric's weighted mean (``info["rubric"]`` of its last
   turn; an env without a rubric scores 1.0 for a win, else 0.0), and that score is its reward:
   ``shaped_rewards["herl"]`` replaces the env's rewards;
2. :func:`plan_guided`: in every group whose best score is below ``threshold``, the best
   ``max_guided`` episodes each give a hindsight prompt (:func:`hindsight_prompt`: which rubric
   items were met and which not, the attempt's actions, and the instruction to keep the one and
   fix the other), and the same task (same reset seed) is played again with that guidance put
   before the task;
3. :func:`merge_guided`: each attempt's reward becomes
   ``herl_bonus(score, best score of its guided re-runs, alpha)``; a guided episode that beats its
   group's best replaces a random member of the group (at most ``replace_top_n`` per group,
   chosen by the run's seed and the iteration) and is trained on without the guidance in its
   context (:func:`agentgym.train.samples.relaid_samples`) through the unclipped off-policy
   objective :func:`agentgym.algos.herl.herl_guided_objective`.

Every episode played, guided or replaced, goes to the trajectory store; ``metadata`` says which
(``herl_guided``, ``herl_replaced``, ``herl_source``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import numpy as np

from agentgym.algos.herl import herl_bonus, rubric_score
from agentgym.rollout.collector import EpisodeSpec
from agentgym.trajectory.records import Episode
from agentgym.train.config import HeRLSection
from agentgym.train.credit import groups_of

HERL_KEY = "herl"
GUIDANCE_PROMPT = """Hindsight from an earlier attempt at this task:
- achieved: {met}
- not achieved: {unmet}
- what you did: {attempt}
Keep what was achieved and fix what was not."""


def final_rubric(episode: Episode) -> dict[str, float]:
    """The rubric as the episode ended (its last turn's, else its reset's)."""
    info = episode.turns[-1].info if episode.turns else episode.start_info
    rubric = info.get("rubric") or {}
    return {str(k): float(v) for k, v in rubric.items()} if isinstance(rubric, Mapping) else {}


def episode_score(episode: Episode, weights: Mapping[str, float] | None = None) -> float:
    """HeRL's score in [0, 1]: the final rubric's weighted mean, or the win for an env without a rubric."""
    rubric = final_rubric(episode)
    if not rubric:
        return 1.0 if episode.success else 0.0
    return rubric_score(rubric, weights)


def hindsight_prompt(episode: Episode, template: str = GUIDANCE_PROMPT, max_attempt_chars: int = 300) -> str:
    """The guidance built from a failed attempt: ``template`` with ``{met}``, ``{unmet}`` (the
    rubric items at 1 and below 1) and ``{attempt}`` (the actions taken, cut to
    ``max_attempt_chars``) filled in."""
    rubric = final_rubric(episode)
    met = ", ".join(k for k, v in rubric.items() if v >= 1.0) or "nothing"
    unmet = ", ".join(k for k, v in rubric.items() if v < 1.0) or ("the goal" if not episode.success else "nothing")
    attempt = "; ".join(turn.action for turn in episode.turns) or "nothing"
    if len(attempt) > max_attempt_chars:
        attempt = attempt[:max_attempt_chars].rstrip() + " ..."
    return template.format(met=met, unmet=unmet, attempt=attempt)


def plan_guided(episodes: Sequence[Episode], section: HeRLSection, *, seed: int, iteration: int) -> list[EpisodeSpec]:
    """The guided re-runs of the iteration: for each group below the threshold, its best
    ``max_guided`` episodes (highest score, earliest first on ties), each once, on its task."""
    specs = []
    for g, members in enumerate(groups_of(episodes)):
        scores = [episode_score(episodes[i], section.rubric_weights) for i in members]
        if max(scores) >= section.threshold:
            continue
        best = sorted(range(len(members)), key=lambda k: (-scores[k], k))[:section.max_guided]
        for rank, k in enumerate(best):
            source = episodes[members[k]]
            sampling_seed = int(np.random.SeedSequence([seed, iteration, g, rank, 7]).generate_state(1)[0])
            specs.append(EpisodeSpec(source.env_id, source.seed, group_id=f"{source.group_id}/hindsight-{source.episode_id}",
                                     options=source.metadata.get("reset_options"),  # the same task (a curriculum's)
                                     sampling_seed=sampling_seed,
                                     guidance=hindsight_prompt(source, section.prompt or GUIDANCE_PROMPT,
                                                               section.max_attempt_chars)))
    return specs


def merge_guided(episodes: Sequence[Episode], guided: Sequence[Episode], section: HeRLSection, *, seed: int,
                 iteration: int) -> tuple[list[Episode], dict[str, float]]:
    """The iteration's training episodes after HeRL (see the module docstring), with each
    episode's reward set in ``shaped_rewards["herl"]``; and the metrics."""
    weights = section.rubric_weights
    by_source: dict[str, list[Episode]] = {}
    for episode in guided:
        source = episode.group_id.rpartition("/hindsight-")[2]
        episode.metadata.update(herl_guided=True, herl_source=source)
        by_source.setdefault(source, []).append(episode)
    rng = np.random.default_rng([seed, iteration, 11])
    training: list[Episode] = []
    replaced = improved = 0
    for members in groups_of(episodes):
        group = [episodes[i] for i in members]
        scores = [episode_score(e, weights) for e in group]
        best_guided = [max((episode_score(g, weights) for g in by_source.get(e.episode_id, [])), default=None) for e in group]
        rewards = herl_bonus(scores, best_guided, section.alpha)
        improved += sum(g is not None and g > s for s, g in zip(scores, best_guided))
        keep = list(range(len(group)))
        winners = sorted((g for e in group for g in by_source.get(e.episode_id, []) if episode_score(g, weights) > max(scores)),
                         key=lambda g: -episode_score(g, weights))[:section.replace_top_n]
        joined = []
        for winner in winners:
            out = int(rng.choice(keep))
            keep.remove(out)
            group[out].metadata["herl_replaced"] = True
            winner.group_id = group[out].group_id
            joined.append(winner)
            replaced += 1
        for k in keep:
            _set_reward(group[k], rewards[k])
            training.append(group[k])
        for winner in joined:
            _set_reward(winner, episode_score(winner, weights))
            training.append(winner)
    n = max(1, len(episodes))
    metrics = {"herl/score_mean": sum(episode_score(e, weights) for e in episodes) / n,
               "herl/guided_episodes": float(len(guided)), "herl/replaced": float(replaced),
               "herl/guidance_helped": float(improved)}
    if guided:
        metrics["herl/guided_score_mean"] = sum(episode_score(g, weights) for g in guided) / len(guided)
    return training, metrics


def _set_reward(episode: Episode, reward: float) -> None:
    """Make the episode's reward ``reward`` (on its last turn) in place of the env's rewards."""
    for k, turn in enumerate(episode.turns):
        turn.shaped_rewards[HERL_KEY] = (reward if k + 1 == len(episode.turns) else 0.0) - turn.reward
