"""Marketing campaigns and the traffic sources (UTM tags, referrers) that sessions arrive through.

utm_campaign carries the campaign_id, and utm_source / utm_medium always agree with the
campaign's channel (vocabulary.CHANNEL_UTM). Untagged traffic is organic search, direct or a
plain referral.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import orjson

from lead_sla.demo.timefmt import EPOCH_ORDINAL, TimeText, epoch
from lead_sla.demo.vocabulary import (
    CAMPAIGN_THEMES, CHANNEL_PAGES, CHANNEL_UTM, CHANNELS, PAGE_INDEX, SOURCE_REFERRER, UNTAGGED_REFERRERS,
)
from lead_sla.demo.writer import ExportWriter

# How tagged visits split over channels (before restricting to the campaigns running that day).
CHANNEL_WEIGHTS = {"paid_search": 0.30, "organic_search": 0.14, "social": 0.16, "email": 0.12, "referral": 0.06,
                   "display": 0.10, "events": 0.05, "partner": 0.07}
# Share of visits with no campaign tag, by kind.
UNTAGGED = (("organic", 0.25), ("direct", 0.17), ("referral", 0.05))


@dataclass
class CampaignVersion:
    updated_at: int
    ended_on: date | None
    budget: float


@dataclass
class Campaign:
    index: int
    campaign_id: str
    name: str
    channel: str
    started_on: date
    currency: str
    versions: list[CampaignVersion]

    def runs_on(self, day: date) -> bool:
        """Whether the campaign (as finally planned) runs on ``day``."""
        end = self.versions[-1].ended_on
        return self.started_on <= day and (end is None or day <= end)


@dataclass(frozen=True)
class Combo:
    """A way a visit arrives: its channel, campaign and the pre-rendered JSON of its tags."""

    channel: str  # a campaign channel, or direct / organic_search / referral for untagged visits
    campaign: int  # index into campaigns, -1 untagged
    referrer: str  # JSON fragment: "..." or null
    utm_source: str
    utm_medium: str
    utm_campaign: str


def _json(value: str | None) -> str:
    return orjson.dumps(value).decode()


def build_campaigns(first_day: date, last_day: date, rng: random.Random) -> list[Campaign]:
    """Always-on campaigns per channel that started before the period, plus monthly campaigns."""
    first_ts = epoch(first_day)
    plans: list[tuple[date, str, str, date | None, float]] = []
    for channel in CHANNELS:
        started = first_day - timedelta(days=rng.randint(60, 300))
        label = channel.replace("_", " ").title()
        plans.append((started, f"Always-on {label}", channel, None, rng.choice((5000, 8000, 12000, 20000)) * 1.0))
    plans.append((first_day - timedelta(days=rng.randint(60, 300)), "Nurture - Lead routing track", "email", None, 3000.0))
    month = date(first_day.year, first_day.month, 1)
    while month <= last_day:
        nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        tag = month.strftime("%Y-%m")
        plans.append((month, f"{tag} Newsletter", "email", nxt - timedelta(days=1), 1500.0))
        for channel in ("paid_search", "social", "display", "events", rng.choice(CHANNELS)):
            theme = rng.choice(CAMPAIGN_THEMES)
            start = month + timedelta(days=rng.randint(0, 6))
            end = nxt - timedelta(days=1) + timedelta(days=rng.choice((0, 0, 0, 14)))
            label = channel.replace("_", " ").title()
            plans.append((start, f"{tag} {label} - {theme}", channel, end, float(rng.randint(4, 60) * 500)))
        month = nxt
    plans.sort(key=lambda p: (p[0], p[1]))
    campaigns = []
    for i, (started, name, channel, ended, budget) in enumerate(plans):
        created = epoch(started) - rng.randint(1, 10) * 86400 + rng.randint(13 * 3600, 21 * 3600)
        versions = [CampaignVersion(created, ended, budget)]
        if rng.random() < 0.35:
            # Budget revised once the campaign is running.
            when = max(created, first_ts - 40 * 86400) + rng.randint(5, 40) * 86400 + rng.randint(0, 86399)
            versions.append(CampaignVersion(when, ended, round(budget * rng.choice((0.7, 0.8, 1.2, 1.5)), 2)))
        if ended is not None and rng.random() < 0.1:
            when = epoch(ended) - rng.randint(1, 5) * 86400 + rng.randint(13 * 3600, 21 * 3600)
            if when > versions[-1].updated_at:
                versions.append(CampaignVersion(when, ended + timedelta(days=14), versions[-1].budget))
        currency = "EUR" if rng.random() < 0.15 else "USD"
        campaigns.append(Campaign(i, f"CMP-{i + 1:04d}", name, channel, started, currency, versions))
    return campaigns


def emit_campaigns(campaigns: list[Campaign], writer: ExportWriter, tt: TimeText, rng: random.Random) -> None:
    """Export every campaign version (those from before the period in the first day's folder)."""
    for c in campaigns:
        for v in c.versions:
            row = {
                "campaign_id": c.campaign_id, "name": c.name, "channel": c.channel,
                "started_on": c.started_on.isoformat(),
                "ended_on": v.ended_on.isoformat() if v.ended_on else None,
                "budget": v.budget, "currency": c.currency,
                "updated_at": tt.iso(v.updated_at, marketing_form(rng)),
            }
            writer.emit("campaigns", v.updated_at, row)


def marketing_form(rng: random.Random) -> int:
    """Which offset spelling a marketing timestamp uses (an index into MARKETING_OFFSETS)."""
    r = rng.random()
    return 0 if r < 0.55 else 1 if r < 0.75 else 2 if r < 0.9 else 3


class TrafficBook:
    """Every arrival combo, and per day which tagged combos are live (their campaign runs)."""

    def __init__(self, campaigns: list[Campaign], first_day: date, last_day: date) -> None:
        self.campaigns = campaigns
        combos: list[Combo] = []
        self.by_campaign: list[list[int]] = []
        for c in campaigns:
            sources, medium = CHANNEL_UTM[c.channel]
            ids = []
            for source in sources:
                ids.append(len(combos))
                combos.append(Combo(c.channel, c.index, _json(SOURCE_REFERRER[source]), _json(source),
                                    _json(medium), _json(c.campaign_id)))
            self.by_campaign.append(ids)
        null = "null"
        self.organic = [len(combos) + i for i in range(3)]
        for ref in UNTAGGED_REFERRERS[:3]:
            combos.append(Combo("organic_search", -1, _json(ref), null, null, null))
        self.direct = [len(combos)]
        combos.append(Combo("direct", -1, null, null, null, null))
        self.referral = [len(combos) + i for i in range(2)]
        for ref in UNTAGGED_REFERRERS[3:]:
            combos.append(Combo("referral", -1, _json(ref), null, null, null))
        self.combos = combos
        # For vectorised writers: each combo's referrer and UTM keys as a JSON fragment, in
        # contract order, leaving out the missing ones.
        self.tags = np.array([
            "".join(f',"{key}":{value}' for key, value in (("referrer", c.referrer), ("utm_source", c.utm_source),
                    ("utm_medium", c.utm_medium), ("utm_campaign", c.utm_campaign)) if value != "null")
            for c in combos], dtype=object)
        # Landing pages each combo's visitors arrive on.
        self.pages: list[list[int]] = [[PAGE_INDEX[p] for p in CHANNEL_PAGES[c.channel if c.channel in CHANNEL_PAGES else "direct"]]
                                       for c in combos]
        self.page_table = np.full((len(combos), max(len(p) for p in self.pages)), -1, dtype=np.int16)
        self.page_count = np.array([len(p) for p in self.pages], dtype=np.int64)
        for i, p in enumerate(self.pages):
            self.page_table[i, : len(p)] = p
        self._day0 = first_day.toordinal() - EPOCH_ORDINAL
        n_days = (last_day - first_day).days + 1
        self.live: list[dict[str, list[int]]] = []
        for d in range(n_days):
            day = first_day + timedelta(days=d)
            live: dict[str, list[int]] = {ch: [] for ch in CHANNELS}
            for c in campaigns:
                if c.runs_on(day):
                    live[c.channel].extend(self.by_campaign[c.index])
            self.live.append(live)

    def live_on(self, epoch_day: int) -> dict[str, list[int]]:
        """Tagged combos per channel on an epoch day (clamped to the period)."""
        i = min(max(epoch_day - self._day0, 0), len(self.live) - 1)
        return self.live[i]

    def pick(self, t: int, rng: random.Random) -> int:
        """A combo for one visit at instant ``t``."""
        r = rng.random()
        acc = 0.0
        for kind, share in UNTAGGED:
            acc += share
            if r < acc:
                pool = self.organic if kind == "organic" else self.direct if kind == "direct" else self.referral
                return pool[int(rng.random() * len(pool))]
        live = self.live_on(t // 86400)
        r = rng.random()
        acc = 0.0
        for channel, share in CHANNEL_WEIGHTS.items():
            acc += share
            if r < acc and live[channel]:
                pool = live[channel]
                return pool[int(rng.random() * len(pool))]
        return self.direct[0]

    def pick_many(self, epoch_day: int, n: int, gen: np.random.Generator) -> np.ndarray:
        """Combos for ``n`` anonymous visits on an epoch day (vectorised ``pick``)."""
        out = np.empty(n, dtype=np.int64)
        kinds = gen.random(n)
        organic_to = UNTAGGED[0][1]
        direct_to = organic_to + UNTAGGED[1][1]
        referral_to = direct_to + UNTAGGED[2][1]
        m = kinds < organic_to
        out[m] = np.array(self.organic)[gen.integers(0, len(self.organic), int(m.sum()))]
        m = (kinds >= organic_to) & (kinds < direct_to)
        out[m] = self.direct[0]
        m = (kinds >= direct_to) & (kinds < referral_to)
        out[m] = np.array(self.referral)[gen.integers(0, len(self.referral), int(m.sum()))]
        tagged = np.flatnonzero(kinds >= referral_to)
        live = self.live_on(epoch_day)
        channels = [ch for ch in CHANNEL_WEIGHTS if live[ch]]
        weights = np.array([CHANNEL_WEIGHTS[ch] for ch in channels])
        pick = gen.choice(len(channels), size=len(tagged), p=weights / weights.sum())
        for k, ch in enumerate(channels):
            rows = tagged[pick == k]
            pool = np.array(live[ch])
            out[rows] = pool[gen.integers(0, len(pool), len(rows))]
        return out
