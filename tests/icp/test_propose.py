"""`lead-sla icp propose`: a draft next ICP version from the published evidence, and its backtest.

The arithmetic (shrinkage, points, cut-offs, Wilson intervals) is dbt's and is unit-tested there
(dbt_project/models/marts/funnel/_icp_proposal__unit_tests.yml); here a hand-made published copy
holds known proposal marts, so the draft and the printed numbers are known exactly.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from lead_sla.agreement import AgreementError, load_agreement
from lead_sla.cli import app
from lead_sla.icp.propose import roc_auc_interval
from tests.support.project import PROJECT_ROOT

runner = CliRunner()
DAY = date(2026, 10, 31)

# (attribute, value, leads, wins, proposed_points)
PROPOSAL = [
    ("industry", "software", 40, 12, 30),
    ("industry", "fintech", 30, 9, 30),
    ("industry", "education", 20, 4, 10),
    ("industry", "retail", 50, 2, 0),
    ("need", "sla_reporting", 25, 8, 25),
    ("company_size", "201-1000", 35, 9, 20),
    ("company_size", "51-200", 30, 7, 20),
]
# (contact, period, won, in-force fit score, in-force tier, proposed points, proposed tier)
LEADS = [
    ("t1", "training", True, 70, "A", 75, "A"),
    ("t2", "training", False, 45, "B", 30, "B"),
    ("t3", "training", False, 10, "C", 0, "C"),
    ("t4", "training", True, 40, "B", 50, "B"),
    ("l1", "later", True, 20, "C", 55, "A"),
    ("l2", "later", False, 65, "A", 20, "C"),
    ("l3", "later", True, 45, "B", 45, "B"),
    ("l4", "later", False, 30, "C", 10, "C"),
]


def publish_proposal(root: Path, *, leads=LEADS, proposal=PROPOSAL, day: date = DAY) -> Path:
    """A published copy that holds only what `icp propose` reads, with known rows."""
    published = root / "published"
    published.mkdir(parents=True)
    conn = duckdb.connect(str(published / "lead_sla.duckdb"))
    try:
        conn.execute("create schema meta; create schema marts")
        conn.execute("create table meta.publication (run_id varchar, run_date date, published_at timestamp)")
        conn.execute("insert into meta.publication values ('run-1', ?, '2026-11-01 06:00:00')", [day])
        conn.execute("""create table marts.fct_icp_proposal (attribute varchar, attribute_value varchar, leads integer,
                        wins integer, proposed_points integer)""")
        conn.executemany("insert into marts.fct_icp_proposal values (?, ?, ?, ?, ?)", proposal)
        conn.execute("""create table marts.fct_icp_proposal_leads (contact_id varchar, handoff_date date,
                        proposal_period varchar, is_won boolean, in_force_fit_score integer, in_force_icp_tier varchar,
                        proposed_points integer, proposed_icp_tier varchar, proposed_tier_a_min_points integer,
                        proposed_tier_b_min_points integer)""")
        for n, (contact, period, won, fit, tier, points, proposed_tier) in enumerate(leads):
            handoff = date(2026, 5, 1 + n) if period == "training" else date(2026, 10, 1 + n)
            conn.execute("insert into marts.fct_icp_proposal_leads values (?, ?, ?, ?, ?, ?, ?, ?, 55, 25)",
                         [contact, handoff, period, won, fit, tier, points, proposed_tier])
        # the tiers mart as dbt computes it from the leads (its own arithmetic is unit-tested in dbt)
        conn.execute("""create table marts.fct_icp_proposal_tiers as
            with tiered as (
                select proposal_period, 'proposed' as icp, proposed_icp_tier as icp_tier, is_won from marts.fct_icp_proposal_leads
                union all
                select proposal_period, 'in_force', in_force_icp_tier, is_won from marts.fct_icp_proposal_leads),
            grid as (select distinct proposal_period, icp, t.icp_tier from tiered,
                     (values ('A'), ('B'), ('C')) as t(icp_tier))
            select grid.proposal_period, grid.icp, grid.icp_tier, count(tiered.is_won)::integer as leads,
                   coalesce(sum(tiered.is_won::integer), 0)::integer as wins,
                   case when count(tiered.is_won) > 0 then sum(tiered.is_won::integer) / count(tiered.is_won) end as win_rate,
                   0.0 as win_rate_lower_95, 1.0 as win_rate_upper_95, 1.0 as lift
            from grid left join tiered using (proposal_period, icp, icp_tier)
            group by all""")
    finally:
        conn.close()
    return published


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    return {
        "LEAD_SLA_WAREHOUSE_PATH": str(tmp_path / "w" / "lead_sla.duckdb"),
        "LEAD_SLA_LANDING_DIR": str(tmp_path / "landing"),
        "LEAD_SLA_PUBLISHED_DIR": str(publish_proposal(tmp_path)),
        "LEAD_SLA_CONFIG_DIR": str(config),
    }


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_draft_is_icp_yml_with_the_proposed_version_appended_undated(env):
    result = runner.invoke(app, ["icp", "propose", "--as-of", "2026-10-31"], env=env)
    assert result.exit_code == 0, result.output
    config = Path(env["LEAD_SLA_CONFIG_DIR"])
    draft_text = (config / "icp.draft.yml").read_text()
    committed_text = (config / "icp.yml").read_text()
    assert draft_text.startswith(committed_text.rstrip("\n")), "the committed versions are kept as they are"
    draft = yaml.safe_load(draft_text)["versions"][-1]
    assert draft["version"] == "proposed-2026-10-31"
    assert draft["effective_from"] is None
    assert draft["tiers"] == {"a_min_points": 55, "b_min_points": 25}
    assert draft["rules"] == [
        {"id": "company_size_20", "attribute": "company_size", "values": ["51-200", "201-1000"], "points": 20,
         "label": "Company size: 51-200 or 201-1000"},
        {"id": "industry_30", "attribute": "industry", "values": ["software", "fintech"], "points": 30,
         "label": "Industry: software or fintech"},
        {"id": "industry_10", "attribute": "industry", "values": ["education"], "points": 10,
         "label": "Industry: education"},
        {"id": "need_25", "attribute": "need", "values": ["sla_reporting"], "points": 25,
         "label": "Need: sla_reporting"},
    ]
    # win probabilities: the proposed tiers' win rates on the training leads; deal sizes from icp-2026.2
    assert draft["win_rates"] == {
        "A": {"win_probability": 1.0, "average_deal_size": 32000},
        "B": {"win_probability": 0.5, "average_deal_size": 24000},
        "C": {"win_probability": 0.0, "average_deal_size": 16000},
    }
    assert "Nothing changes until a person sets effective_from" in _flat(result.output)


def test_the_draft_loads_once_a_person_dates_it_and_not_before(env):
    assert runner.invoke(app, ["icp", "propose"], env=env).exit_code == 0
    config = Path(env["LEAD_SLA_CONFIG_DIR"])
    shutil.copy(config / "icp.draft.yml", config / "icp.yml")
    with pytest.raises(AgreementError, match=r"icp.yml, version 'proposed-2026-10-31' \(versions\[2\]\), effective_from"):
        load_agreement(config)
    text = (config / "icp.yml").read_text().replace("    effective_from:\n", "    effective_from: 2026-12-01\n")
    (config / "icp.yml").write_text(text)
    agreement = load_agreement(config)
    assert agreement.icp_version_on(date(2026, 11, 30)).version == "icp-2026.2"
    assert agreement.icp_version_on(date(2026, 12, 1)).version == "proposed-2026-10-31"


def test_the_backtest_compares_both_icps_on_the_later_period(env):
    result = runner.invoke(app, ["icp", "propose"], env=env)
    assert result.exit_code == 0, result.output
    out = _flat(result.output)
    assert "Fitted on the first handoffs of 2026-05-01 to 2026-05-04: 4 leads, 2 won. Tier A from 55 points, B from 25." in out
    assert "Later period: 4 leads, 2 won" in out
    # later period: in force ranks l2 (65, lost) first: AUC 0.25; the proposal ranks both wins first: 1.0
    assert "ROC AUC in force: 0.250 (95% interval 0.000 – 0.792)" in out
    assert "ROC AUC proposed: 1.000 (95% interval 1.000 – 1.000)" in out


def test_the_same_published_day_gives_the_same_draft_and_numbers(env, tmp_path):
    first = runner.invoke(app, ["icp", "propose", "--output", str(tmp_path / "one.yml")], env=env)
    second = runner.invoke(app, ["icp", "propose", "--output", str(tmp_path / "two.yml")], env=env)
    assert first.exit_code == second.exit_code == 0
    assert (tmp_path / "one.yml").read_bytes() == (tmp_path / "two.yml").read_bytes()
    assert first.output.replace("one.yml", "") == second.output.replace("two.yml", "")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(["--as-of", "31/10/2026"], 2, "--as-of must be a date like 2026-10-31", id="bad-date"),
        pytest.param(["--as-of", "2026-10-30"], 2, "--as-of 2026-10-30 is not published: the published copy holds 2026-10-31",
                     id="not-the-published-day"),
    ],
)
def test_a_bad_day_exits_2_and_says_why(env, args, code, message):
    result = runner.invoke(app, ["icp", "propose", *args], env=env)
    assert result.exit_code == code, result.output
    assert message in _flat(result.output)
    assert not (Path(env["LEAD_SLA_CONFIG_DIR"]) / "icp.draft.yml").exists()


@pytest.mark.parametrize(
    ("leads", "proposal", "message"),
    [
        pytest.param([row for row in LEADS if row[1] == "later"], PROPOSAL,
                     "no lead had its first handoff in the training window", id="no-training-leads"),
        pytest.param([(c, p, False, *rest) for c, p, _, *rest in LEADS], PROPOSAL,
                     "none of the 4 leads of the training window (2026-05-01 to 2026-05-04) has won yet", id="no-wins"),
        pytest.param(LEADS, [(a, v, n, w, 0) for a, v, n, w, _ in PROPOSAL],
                     "no attribute value of the training window wins clearly above the overall rate", id="no-rule"),
    ],
)
def test_no_evidence_exits_2_and_writes_nothing(env, tmp_path, leads, proposal, message):
    env = {**env, "LEAD_SLA_PUBLISHED_DIR": str(publish_proposal(tmp_path / "other", leads=leads, proposal=proposal))}
    result = runner.invoke(app, ["icp", "propose"], env=env)
    assert result.exit_code == 2, result.output
    assert message in _flat(result.output)
    assert "Traceback" not in result.output
    assert not (Path(env["LEAD_SLA_CONFIG_DIR"]) / "icp.draft.yml").exists()


def test_nothing_published_exits_1_and_says_to_run_first(env, tmp_path):
    result = runner.invoke(app, ["icp", "propose"], env={**env, "LEAD_SLA_PUBLISHED_DIR": str(tmp_path / "none")})
    assert result.exit_code == 1
    assert "nothing is published" in result.output


@pytest.mark.parametrize(
    ("scores", "labels", "expected"),
    [
        pytest.param([1, 2, 3, 4], [0, 1, 0, 1], (0.75, 0.20846, 1.0), id="three-of-four-pairs"),
        pytest.param([1, 2, 3, 4], [0, 0, 1, 1], (1.0, 1.0, 1.0), id="perfect"),
        pytest.param([1, 1, 1, 1], [0, 1, 0, 1], (0.5, 0.0, 1.0), id="ties-count-half"),
        pytest.param([1, 2, 3], [0, 0, 0], (None, None, None), id="no-wins"),
    ],
)
def test_roc_auc_has_a_hanley_mcneil_interval(scores, labels, expected):
    auc = roc_auc_interval("x", np.array(scores, dtype=float), np.array(labels))
    got = (auc.value, auc.lower_95, auc.upper_95)
    assert got == pytest.approx(expected, abs=1e-5) if expected[0] is not None else got == expected


def test_without_later_leads_the_draft_is_written_and_the_backtest_says_there_is_nothing_to_compare(env, tmp_path):
    leads = [row for row in LEADS if row[1] == "training"]
    env = {**env, "LEAD_SLA_PUBLISHED_DIR": str(publish_proposal(tmp_path / "other", leads=leads))}
    result = runner.invoke(app, ["icp", "propose"], env=env)
    assert result.exit_code == 0, result.output
    out = _flat(result.output)
    assert "No lead had its first handoff in the later period yet: nothing to compare there." in out
    assert "ROC AUC in force: n/a (the later period needs both won and not-won leads)" in out
    assert (Path(env["LEAD_SLA_CONFIG_DIR"]) / "icp.draft.yml").exists()


def test_on_the_demo_with_history_the_night_built_the_proposal_and_its_young_leads_have_no_wins_yet(
        published_history, tmp_path):
    """End to end on a published night: the proposal marts are there, and the command reads them. The demo's
    100 days leave a training window of 40 days whose leads have not won yet (wins take longer), so the
    command refuses with the counts the marts hold, and writes nothing."""
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    env = {"LEAD_SLA_PUBLISHED_DIR": str(published_history.settings.published), "LEAD_SLA_CONFIG_DIR": str(config),
           "LEAD_SLA_WAREHOUSE_PATH": str(tmp_path / "w" / "lead_sla.duckdb"), "LEAD_SLA_LANDING_DIR": str(tmp_path)}
    leads, wins, first, last = published_history.query(
        """select count(*), count(*) filter (where is_won), min(handoff_date), max(handoff_date)
           from marts.fct_icp_proposal_leads where proposal_period = 'training'""")[0]
    assert leads > 0 and wins == 0, "the demo's training window is young"
    result = runner.invoke(app, ["icp", "propose", "--as-of", published_history.run_date.isoformat()], env=env)
    assert result.exit_code == 2, result.output
    assert (f"none of the {leads} leads of the training window ({first} to {last}) has won yet"
            in _flat(result.output))
    assert not (config / "icp.draft.yml").exists()


def test_a_draft_the_loader_refuses_is_not_left_behind(tmp_path):
    from lead_sla.icp.propose import write_draft

    version = {"version": "proposed-2026-10-31", "effective_from": None, "description": "x",
               "tiers": {"a_min_points": 50, "b_min_points": 20},
               "rules": [{"id": "industry_30", "attribute": "industry", "values": ["spaceships"], "points": 30,
                          "label": "Industry: spaceships"}],
               "win_rates": {t: {"win_probability": 0.1, "average_deal_size": 1000} for t in "ABC"}}
    draft = tmp_path / "icp.draft.yml"
    with pytest.raises(AgreementError, match=r"icp.draft.yml, version 'proposed-2026-10-31' \(versions\[2\]\), "
                                             r"rules\[0\]: rule 'industry_30': 'spaceships' is not a known"):
        write_draft(PROJECT_ROOT / "config" / "icp.yml", draft, version)
    assert not draft.exists()
