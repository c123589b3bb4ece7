"""Nurture e-mail: sends, deliveries, opens, clicks, bounces and unsubscribes, vectorised.

Most contacts are enrolled in nurture a day or three after their first form and receive an
e-mail every two to three weeks (at most eight) from the e-mail campaign running that day, until
a hard bounce or an unsubscribe stops it. Engaged people open and click more; the clicks are
returned so that the CRM simulation can let them raise a deal's chance to win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from lead_sla.demo.campaigns import Campaign
from lead_sla.demo.population import Leads
from lead_sla.demo.timefmt import MARKETING_OFFSET_WEIGHTS, TimeText, epoch
from lead_sla.demo.writer import EVENT_MESS, ExportWriter

CHUNK_LEADS = 25_000
MAX_SENDS = 8
EVENT_TYPES = ("sent", "delivered", "open", "click", "bounce", "unsubscribe")
_LINE = '{"event_id":"EE-%010d","email":"%s","campaign_id":"%s","event_type":"%s","occurred_at":"%sT%s%s"}\n'


@dataclass
class Clicks:
    """E-mail click instants per lead: lead i's clicks are ``times[offsets[i]:offsets[i+1]]``, sorted."""

    offsets: np.ndarray
    times: np.ndarray

    def before(self, lead: int, t: int) -> int:
        """How many clicks lead ``lead`` made before instant ``t``."""
        lo, hi = int(self.offsets[lead]), int(self.offsets[lead + 1])
        if lo == hi:
            return 0
        return int(np.searchsorted(self.times[lo:hi], t, side="left"))


def _campaign_table(campaigns: list[Campaign], first_day: date, last_day: date) -> tuple[np.ndarray, np.ndarray]:
    """Per day of the period: the e-mail campaigns running (padded table) and how many."""
    n_days = (last_day - first_day).days + 1
    per_day = []
    for d in range(n_days):
        day = first_day + timedelta(days=d)
        per_day.append([c.index for c in campaigns if c.channel == "email" and c.runs_on(day)] or [-1])
    width = max(len(p) for p in per_day)
    table = np.full((n_days, width), -1, dtype=np.int64)
    count = np.zeros(n_days, dtype=np.int64)
    for d, p in enumerate(per_day):
        table[d, : len(p)] = p
        count[d] = len(p)
    return table, count


def write_email_events(
    leads: Leads, campaigns: list[Campaign], writer: ExportWriter, tt: TimeText,
    first_day: date, last_day: date, gen: np.random.Generator,
) -> Clicks:
    """Write every e-mail event of the period and return the clicks per lead."""
    n = len(leads)
    first_ts, end_ts = epoch(first_day), epoch(last_day) + 86400
    table, count = _campaign_table(campaigns, first_day, last_day)
    campaign_ids = np.array([c.campaign_id for c in campaigns], dtype=object)
    emails = np.array(leads.email, dtype=object)
    type_names = np.array(EVENT_TYPES, dtype=object)
    click_lead: list[np.ndarray] = []
    click_time: list[np.ndarray] = []
    serial = 0
    late_share, dup_share = EVENT_MESS
    for lo in range(0, n, CHUNK_LEADS):
        hi = min(n, lo + CHUNK_LEADS)
        m = hi - lo
        enrolled = gen.random(m) < 0.6
        eng = leads.engagement[lo:hi]
        interval = np.where(eng > 0.4, 14, 21) * 86400
        start_day = (leads.first_form_at[lo:hi] // 86400) + gen.integers(1, 4, m)
        start = start_day * 86400 + 14 * 3600  # batch sends go out at 14:00 UTC
        k_max = np.where(enrolled, np.clip((end_ts - 1 - start) // interval + 1, 0, MAX_SENDS), 0)
        lead = np.repeat(np.arange(lo, hi), k_max)
        first_row = np.repeat(np.cumsum(k_max) - k_max, k_max)
        k = np.arange(len(lead)) - first_row
        li = lead - lo
        t_send = start[li] + k * interval[li] + gen.integers(0, 1800, len(lead))
        e = eng[li]
        bounce = gen.random(len(lead)) < 0.02
        delivered = ~bounce
        opened = delivered & (gen.random(len(lead)) < 0.12 + 0.5 * e)
        clicked = opened & (gen.random(len(lead)) < 0.08 + 0.5 * e)
        unsub = delivered & (gen.random(len(lead)) < 0.006 + 0.01 * (e < 0.15))
        # A hard bounce or an unsubscribe ends the enrolment: later sends never happen.
        stop_k = np.full(m, MAX_SENDS + 1, dtype=np.int64)
        stops = bounce | unsub
        np.minimum.at(stop_k, li[stops], k[stops])
        keep = (k <= stop_k[li]) & (t_send < end_ts)
        lead, li, k, t_send = lead[keep], li[keep], k[keep], t_send[keep]
        bounce, delivered, opened, clicked, unsub = bounce[keep], delivered[keep], opened[keep], clicked[keep], unsub[keep]
        send_day = np.clip(t_send // 86400 - first_ts // 86400, 0, len(count) - 1)
        slot = k % count[send_day]
        campaign = table[send_day, slot]

        t_open = t_send + (gen.exponential(5 * 3600, len(lead)) + 60).astype(np.int64)
        parts = [
            (np.flatnonzero(np.ones(len(lead), dtype=bool)), 0, t_send),
            (np.flatnonzero(delivered), 1, t_send + gen.integers(5, 300, len(lead))),
            (np.flatnonzero(opened), 2, t_open),
            (np.flatnonzero(clicked), 3, t_open + (gen.exponential(600, len(lead)) + 5).astype(np.int64)),
            (np.flatnonzero(bounce), 4, t_send + gen.integers(5, 600, len(lead))),
            (np.flatnonzero(unsub), 5, t_open + (gen.exponential(3 * 3600, len(lead)) + 30).astype(np.int64)),
        ]
        ev_row = np.concatenate([p[0] for p in parts])
        ev_type = np.concatenate([np.full(len(p[0]), p[1], dtype=np.int64) for p in parts])
        ev_t = np.concatenate([p[2][p[0]] for p in parts])
        order = np.lexsort((ev_type, ev_t, lead[ev_row]))
        ev_row, ev_type, ev_t = ev_row[order], ev_type[order], ev_t[order]
        inside = (ev_t < end_ts) & (campaign[ev_row] >= 0)
        ev_row, ev_type, ev_t = ev_row[inside], ev_type[inside], ev_t[inside]
        ev_id = serial + np.arange(len(ev_row))
        serial += len(ev_row)

        clicks = ev_type == 3
        click_lead.append(lead[ev_row[clicks]])
        click_time.append(ev_t[clicks])

        # The export: the cursor's day, a few late, a few again on a later day.
        last_day_no = writer.last_day
        day = ev_t // 86400
        r = gen.random(len(ev_t))
        day = np.where(r < late_share, np.minimum(last_day_no, day + gen.integers(1, 4, len(day))), day)
        dup = np.flatnonzero(r > 1.0 - dup_share)
        dup_day = day[dup] + gen.integers(1, 6, len(dup))
        dup = dup[dup_day <= last_day_no]
        dup_day = dup_day[dup_day <= last_day_no]
        idx = np.concatenate([np.arange(len(ev_t)), dup])
        out_day = np.concatenate([day, dup_day])
        form = gen.choice(len(MARKETING_OFFSET_WEIGHTS), size=len(ev_t), p=MARKETING_OFFSET_WEIGHTS)
        dates, times, suffixes = tt.iso_columns(ev_t, form)
        lines_all = [
            _LINE % row for row in zip(
                ev_id.tolist(), emails[lead[ev_row]].tolist(), campaign_ids[campaign[ev_row]].tolist(),
                type_names[ev_type].tolist(), dates, times, suffixes,
            )
        ]
        by_day = np.argsort(out_day, kind="stable")
        sorted_days = out_day[by_day]
        bounds = np.flatnonzero(np.diff(sorted_days)) + 1
        for block in np.split(by_day, bounds):
            if not len(block):
                continue
            d = int(out_day[block[0]])
            lines, bad = writer.inject("email_events", d, [lines_all[j] for j in idx[block].tolist()])
            writer.write_lines("email_events", d, lines, bad)

    all_lead = np.concatenate(click_lead) if click_lead else np.zeros(0, dtype=np.int64)
    all_time = np.concatenate(click_time) if click_time else np.zeros(0, dtype=np.int64)
    order = np.lexsort((all_time, all_lead))
    all_lead, all_time = all_lead[order], all_time[order]
    offsets = np.searchsorted(all_lead, np.arange(n + 1), side="left")
    return Clicks(offsets, all_time)
