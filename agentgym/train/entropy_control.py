"""EPO in the trainer (``[epo] enabled = true``): the per-iteration settings of the entropy term,
the entropy history and its diagnostics.

The pure parts are in :mod:`agentgym.algos.epo`. An RL step of EPO is one trainer iteration:
``beta_k`` uses the iteration ``k`` of ``K = rl.iterations``, and ``H_bar`` is the mean over
all earlier iterations of each one's mean token entropy (measured in its first update epoch, on
the policy that collected the batch). The history lives in the trainer's checkpointed state,
so a resumed run continues it exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentgym.algos.epo import EntropyHistory, epo_beta
from agentgym.train.config import EPOSection
from agentgym.train.update import EPOTerm

STATE_KEY = "entropy_history"  # in the trainer's state


class EntropyControl:
    """EPO's bookkeeping for one run; ``state`` is the trainer's checkpointed state dict."""

    def __init__(self, section: EPOSection, total_iterations: int, state: dict[str, Any]) -> None:
        self.section = section
        self.total = max(1, total_iterations)
        self.state = state
        self.history = EntropyHistory()
        self.history.load_state_dict({"values": state.get(STATE_KEY, [])})

    def term(self, iteration: int) -> EPOTerm:
        """The entropy term's settings for RL iteration ``iteration`` (0-based)."""
        s = self.section
        return EPOTerm(beta=epo_beta(iteration, self.total, s.gamma), entropy_ref=self.history.reference, coef=s.coef,
                       alpha=s.alpha, kappa_low=s.kappa_low, kappa_high=s.kappa_high)

    def record(self, first_epoch_entropy: Sequence[float], term: EPOTerm) -> dict[str, float]:
        """Add the iteration's mean token entropy to the history; the metrics to log: the
        entropy, ``H_bar`` and the corridor used this iteration, ``beta``, and the collapse
        diagnostic ``epo/entropy_trend`` (slope over the last five iterations)."""
        entropy = sum(first_epoch_entropy) / len(first_epoch_entropy) if first_epoch_entropy else None
        if entropy is not None:
            self.history.update(entropy)
            self.state[STATE_KEY] = self.history.state_dict()["values"]
        metrics = {"epo/beta": term.beta, "epo/entropy_trend": self.history.trend()}
        if entropy is not None:
            metrics["epo/token_entropy"] = entropy
        if term.entropy_ref is not None:
            metrics.update({"epo/entropy_ref": term.entropy_ref, "epo/corridor_low": term.kappa_low * term.entropy_ref,
                            "epo/corridor_high": term.kappa_high * term.entropy_ref})
        return metrics
