"""The demo generator's entry point: a simulated B2B SaaS company's nightly export drop."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from lead_sla.demo.campaigns import TrafficBook, build_campaigns, emit_campaigns
from lead_sla.demo.email_events import write_email_events
from lead_sla.demo.population import build_companies, build_leads
from lead_sla.demo.sessions import SESSIONS_PER_LEAD, write_sessions
from lead_sla.demo.simulation import Simulation
from lead_sla.demo.team import build_team, emit_team
from lead_sla.demo.timefmt import TimeText, epoch
from lead_sla.demo.writer import ExportWriter, LateExports, MalformedRow, plan_malformed

MALFORMED_EVERY = 20_000  # about one malformed row in this many
MIN_MALFORMED = 5  # one of each kind, however small the run
COMPANIES_PER_LEAD = 0.45


@dataclass(frozen=True)
class GenerationSummary:
    """What one run wrote. ``seconds`` is wall time and is not part of the output files."""

    out_dir: Path
    start_date: date
    end_date: date
    files_written: int
    rows_per_stream: dict[str, int]
    seconds: float
    leads: int = 0
    seed: int = 0
    malformed_rows: tuple[MalformedRow, ...] = field(default=())


def _rng(seed: int, name: str) -> random.Random:
    # Independent, named random streams: changing one part of the simulation does not shift the
    # draws of the others. `random` hashes string seeds with SHA-512, never with hash().
    return random.Random(f"{seed}:{name}")


def _gen(seed: int, k: int) -> np.random.Generator:
    return np.random.default_rng([seed, k])


def _expected_rows(leads: int, days: int) -> int:
    # Sessions, CRM and forms scale with leads; e-mail with how long people stay enrolled.
    sends = min(8.0, days / 2 / 17)
    return int(leads * (SESSIONS_PER_LEAD + 6.0 + 0.6 * sends * 2.2))


def generate(
    out_dir: Path,
    *,
    leads: int = 3000,
    days: int = 120,
    seed: int = 42,
    end_date: date = date(2026, 10, 31),
    late_exports: LateExports | None = None,
) -> GenerationSummary:
    """Write the exports of ``days`` days ending on ``end_date`` for ``leads`` leads into ``out_dir``.

    Layout ``<out_dir>/<stream>/<YYYY-MM-DD>/part-NNNNN.{jsonl,csv}`` (see ``writer``). The same
    seed and parameters give byte-identical files. The streams are written to a staging folder
    and then replace ``out_dir``'s stream folders of the same names; nothing else in ``out_dir``
    is touched, and a failed run leaves the previous export in place.

    ``late_exports`` (for property tests): also export a share of the rows of every stream up to
    a number of days late, capped at ``end_date`` (see ``LateExports``). The records are the same
    as without it; only their export days change. None (the default) writes the usual drop.
    """
    if leads < 1 or days < 1:
        raise ValueError(f"leads and days must be at least 1, got leads={leads}, days={days}")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    first_day = end_date - timedelta(days=days - 1)
    first_no = epoch(first_day) // 86400
    n_bad = max(MIN_MALFORMED, round(_expected_rows(leads, days) / MALFORMED_EVERY))
    plan = plan_malformed(n_bad, first_no, first_no + days - 1, _rng(seed, "malformed"))
    out_dir.mkdir(parents=True, exist_ok=True)
    writer = ExportWriter(out_dir, first_day, end_date, plan, _rng(seed, "export"), late_exports=late_exports,
                          late_rng=None if late_exports is None else _gen(seed, 200))
    try:
        _simulate(writer, leads=leads, seed=seed, first_day=first_day, end_date=end_date)
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    return GenerationSummary(
        out_dir=out_dir,
        start_date=first_day,
        end_date=end_date,
        files_written=len(writer.files),
        rows_per_stream=dict(writer.rows),
        seconds=time.perf_counter() - started,
        leads=leads,
        seed=seed,
        malformed_rows=tuple(writer.malformed),
    )


def _simulate(writer: ExportWriter, *, leads: int, seed: int, first_day: date, end_date: date) -> None:
    """Run every part of the simulation in turn, each exporting through ``writer``."""
    # Text caches cover everything the simulation dates: users and campaigns created up to ~14
    # months before the period, meetings and closes scheduled up to ~4 months after it.
    tt = TimeText(first_day - timedelta(days=420), end_date + timedelta(days=130))
    team = build_team(leads, first_day, end_date, _rng(seed, "team"))
    emit_team(team, writer, tt, _rng(seed, "team-export"))
    campaigns = build_campaigns(first_day, end_date, _rng(seed, "campaigns"))
    emit_campaigns(campaigns, writer, tt, _rng(seed, "campaigns-export"))
    traffic = TrafficBook(campaigns, first_day, end_date)

    companies = build_companies(max(20, int(leads * COMPANIES_PER_LEAD)), _gen(seed, 1))
    people = build_leads(leads, companies, first_day, end_date, _gen(seed, 2))
    clicks = write_email_events(people, campaigns, writer, tt, first_day, end_date, _gen(seed, 3))

    sim = Simulation(leads=people, companies=companies, team=team, traffic=traffic, clicks=clicks, writer=writer,
                     tt=tt, rng=_rng(seed, "crm"), end_ts=epoch(end_date) + 86400)
    sim.run()
    log = sim.sessions
    del sim, people, companies, clicks  # only the session log is needed from here on
    write_sessions(log, leads, traffic, writer, tt, first_day, end_date, seed)
