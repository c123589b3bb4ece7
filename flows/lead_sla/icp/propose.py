"""The ICP the evidence proposes, as a draft next version of ``icp.yml``, with its backtest.

The arithmetic lives in dbt: ``marts.fct_icp_proposal`` (each value's shrunk win rate and proposed
points), ``marts.fct_icp_proposal_leads`` (the proposed points, cut-offs and tiers of each lead) and
``marts.fct_icp_proposal_tiers`` (tier win rates with Wilson intervals and lift). This module reads
them from the published copy (read-only), turns them into a version of the agreement, writes the
draft file and ranks the leads of the later period by both ICPs (ROC AUC). Nothing here changes the
agreement: the draft takes effect only once a person dates it and commits it as ``icp.yml``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import yaml
from sklearn.metrics import roc_auc_score

from lead_sla.agreement.loader import load_icp_draft
from lead_sla.agreement.models import VOCABULARIES, IcpVersion

PROPOSAL = "marts.fct_icp_proposal"
PROPOSAL_LEADS = "marts.fct_icp_proposal_leads"
PROPOSAL_TIERS = "marts.fct_icp_proposal_tiers"
DRAFT_FILE = "icp.draft.yml"
TIERS = ("A", "B", "C")
ICPS = ("in_force", "proposed")
Z_95 = 1.959964

ATTRIBUTE_NAMES = {
    "industry": "Industry",
    "company_size": "Company size",
    "annual_revenue": "Revenue",
    "need": "Need",
    "seniority": "Seniority",
    "country": "Country",
}


class NoEvidence(ValueError):
    """The published day holds no evidence to propose an ICP from (no training leads, wins, or value above average)."""


@dataclass(frozen=True)
class ProposedRule:
    """One rule of the draft: the values of an attribute that earn the same points."""

    id: str
    attribute: str
    values: tuple[str, ...]
    points: int
    label: str


@dataclass(frozen=True)
class TierEvidence:
    """One tier of one ICP in one period, as fct_icp_proposal_tiers computed it."""

    period: str
    icp: str
    tier: str
    leads: int
    wins: int
    win_rate: float | None
    lower_95: float | None
    upper_95: float | None
    lift: float | None


@dataclass(frozen=True)
class Auc:
    """ROC AUC of a score on the later period's leads, with a 95% interval (Hanley and McNeil)."""

    icp: str
    value: float | None
    lower_95: float | None
    upper_95: float | None


@dataclass(frozen=True)
class Proposal:
    """What the evidence of the published day proposes, and how it compares with the version in force."""

    as_of: date
    training_from: date
    training_to: date
    training_leads: int
    training_wins: int
    later_leads: int
    later_wins: int
    tier_a_min_points: int
    tier_b_min_points: int
    rules: tuple[ProposedRule, ...]
    tiers: tuple[TierEvidence, ...]
    auc: tuple[Auc, ...]

    def tier(self, period: str, icp: str, tier: str) -> TierEvidence:
        return next(t for t in self.tiers if (t.period, t.icp, t.tier) == (period, icp, tier))


def read_proposal(conn: duckdb.DuckDBPyConnection, as_of: date) -> Proposal:
    """The proposal of the day ``conn``'s marts were built for (``as_of``), read from its marts.

    Raises ``NoEvidence`` when the training window holds no lead, no win, or no value that wins
    above the overall rate.
    """
    counts = conn.execute(
        f"""select proposal_period, count(*), count(*) filter (where is_won),
                   min(handoff_date), max(handoff_date)
            from {PROPOSAL_LEADS} group by proposal_period"""
    ).fetchall()
    periods = {row[0]: row[1:] for row in counts}
    training = periods.get("training")
    if training is None:
        raise NoEvidence(f"no lead had its first handoff in the training window before {as_of}: nothing to learn from")
    if training[1] == 0:
        raise NoEvidence(f"none of the {training[0]} leads of the training window ({training[2]} to {training[3]}) "
                         "has won yet: no evidence of what wins")
    rows = conn.execute(
        f"""select attribute, attribute_value, proposed_points from {PROPOSAL}
            where proposed_points > 0 order by attribute, proposed_points desc, attribute_value"""
    ).fetchall()
    if not rows:
        raise NoEvidence("no attribute value of the training window wins clearly above the overall rate: "
                         "the evidence proposes no rule")
    cutoffs = conn.execute(
        f"select distinct proposed_tier_a_min_points, proposed_tier_b_min_points from {PROPOSAL_LEADS}"
    ).fetchall()
    tiers = tuple(
        TierEvidence(str(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4]), *(_float(v) for v in r[5:]))
        for r in conn.execute(
            f"""select proposal_period, icp, icp_tier, leads, wins, win_rate, win_rate_lower_95, win_rate_upper_95, lift
                from {PROPOSAL_TIERS} order by proposal_period, icp, icp_tier"""
        ).fetchall()
    )
    later = periods.get("later", (0, 0, None, None))
    return Proposal(
        as_of=as_of,
        training_from=training[2],
        training_to=training[3],
        training_leads=int(training[0]),
        training_wins=int(training[1]),
        later_leads=int(later[0]),
        later_wins=int(later[1]),
        tier_a_min_points=int(cutoffs[0][0]),
        tier_b_min_points=int(cutoffs[0][1]),
        rules=_rules(rows),
        tiers=tiers,
        auc=_later_auc(conn),
    )


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _rules(rows: list[tuple[str, str, int]]) -> tuple[ProposedRule, ...]:
    """One rule per attribute and number of points, its values in the vocabulary's order."""
    grouped: dict[tuple[str, int], list[str]] = {}
    for attribute, value, points in rows:
        grouped.setdefault((attribute, int(points)), []).append(value)
    rules = []
    for (attribute, points), values in sorted(grouped.items(), key=lambda item: (item[0][0], -item[0][1])):
        order = VOCABULARIES.get(attribute, ())
        values.sort(key=lambda v: (order.index(v) if v in order else len(order), v))
        shown = ", ".join(values[:-1]) + (" or " if len(values) > 1 else "") + values[-1]
        rules.append(ProposedRule(
            id=f"{attribute}_{points}", attribute=attribute, values=tuple(values), points=points,
            label=f"{ATTRIBUTE_NAMES.get(attribute, attribute)}: {shown}",
        ))
    return tuple(rules)


def _later_auc(conn: duckdb.DuckDBPyConnection) -> tuple[Auc, ...]:
    rows = conn.execute(
        f"""select in_force_fit_score, proposed_points, is_won from {PROPOSAL_LEADS}
            where proposal_period = 'later' order by contact_id"""
    ).fetchall()
    labels = np.array([1 if r[2] else 0 for r in rows], dtype="int64")
    scores = {
        "in_force": np.array([float(r[0] or 0) for r in rows]),
        "proposed": np.array([float(r[1]) for r in rows]),
    }
    return tuple(roc_auc_interval(icp, scores[icp], labels) for icp in ICPS)


def roc_auc_interval(icp: str, scores: np.ndarray, labels: np.ndarray) -> Auc:
    """ROC AUC of ``scores`` against 0/1 ``labels`` with the Hanley–McNeil 95% interval.

    The interval uses the standard error of Hanley and McNeil (1982), from the AUC and the counts of
    wins and non-wins; it is clipped to [0, 1]. None throughout when the leads hold a single class.
    """
    positives = int(labels.sum())
    negatives = int(labels.size) - positives
    if positives == 0 or negatives == 0:
        return Auc(icp, None, None, None)
    auc = float(roc_auc_score(labels, scores))
    q1 = auc / (2 - auc)
    q2 = 2 * auc * auc / (1 + auc)
    variance = (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) / (
        positives * negatives
    )
    half = Z_95 * math.sqrt(max(variance, 0.0))
    return Auc(icp, round(auc, 6), round(max(0.0, auc - half), 6), round(min(1.0, auc + half), 6))


def draft_version(proposal: Proposal, in_force: IcpVersion) -> dict[str, object]:
    """The proposal as an ``icp.yml`` version, ``effective_from`` left empty for a person to set.

    Win probabilities are the proposed tiers' win rates on the training leads; average deal sizes
    are kept from the version in force (they are finance's figures, not this evidence's).
    """
    win_rates = {}
    for tier in TIERS:
        evidence = proposal.tier("training", "proposed", tier)
        win_rates[tier] = {
            "win_probability": round(evidence.win_rate or 0.0, 3),
            "average_deal_size": in_force.win_rates[tier].average_deal_size,
        }
    return {
        "version": f"proposed-{proposal.as_of.isoformat()}",
        "effective_from": None,
        "description": (
            f"Proposed by `lead-sla icp propose --as-of {proposal.as_of}` from the first handoffs of "
            f"{proposal.training_from} to {proposal.training_to} ({proposal.training_leads} leads, "
            f"{proposal.training_wins} won): each value's win rate shrunk toward the overall rate, points "
            f"in proportion to how far above it. Replaces {in_force.version}. Set effective_from (and a "
            "version name if you like) before committing."
        ),
        "tiers": {"a_min_points": proposal.tier_a_min_points, "b_min_points": proposal.tier_b_min_points},
        "rules": [
            {"id": r.id, "attribute": r.attribute, "values": list(r.values), "points": r.points, "label": r.label}
            for r in proposal.rules
        ],
        "win_rates": win_rates,
    }


def render_version(version: dict[str, object], after: date) -> str:
    """The version as YAML lines for the ``versions:`` list, in the style of the committed file."""

    def scalar(value: object) -> str:
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        return json.dumps(value, ensure_ascii=False)

    def flow(mapping: dict[str, object]) -> str:
        parts = []
        for key, value in mapping.items():
            shown = "[" + ", ".join(scalar(v) for v in value) + "]" if isinstance(value, list) else scalar(value)
            parts.append(f"{key}: {shown}")
        return "{" + ", ".join(parts) + "}"

    lines = [
        "",
        f"  - version: {version['version']}",
        f"    # Set the first day this version is in force (YYYY-MM-DD), after {after}: until then the file does not load.",
        "    effective_from:",
        f"    description: {scalar(version['description'])}",
        f"    tiers: {flow(version['tiers'])}",  # type: ignore[arg-type]
        "    rules:",
        *(f"      - {flow(rule)}" for rule in version["rules"]),  # type: ignore[attr-defined]
        "    win_rates:",
        *(f"      {tier}: {flow(rate)}" for tier, rate in version["win_rates"].items()),  # type: ignore[attr-defined]
    ]
    return "\n".join(lines) + "\n"


def write_draft(icp_file: Path, draft_file: Path, version: dict[str, object]) -> Path:
    """Write ``draft_file``: ``icp_file`` as it is, with ``version`` appended to its versions.

    The draft is read back and validated by the agreement's loader (the empty ``effective_from``
    taken, for the check, as the day after the last version's), and must hold the committed
    versions unchanged; otherwise the draft is removed and ``AgreementError`` or ``ValueError`` says why.
    """
    original = icp_file.read_text(encoding="utf-8")
    committed = yaml.safe_load(original)
    last_start = max(v["effective_from"] for v in committed["versions"])
    text = original.rstrip("\n") + "\n" + render_version(version, last_start)
    parsed = yaml.safe_load(text)
    if list(parsed) != ["versions"] or parsed["versions"][:-1] != committed["versions"]:
        raise ValueError(f"{icp_file}: the draft could not be appended after its versions (is `versions` not its "
                         "last key?); nothing written")
    draft_file.write_text(text, encoding="utf-8")
    try:
        load_icp_draft(draft_file, last_start + timedelta(days=1))
    except Exception:
        draft_file.unlink()
        raise
    return draft_file
