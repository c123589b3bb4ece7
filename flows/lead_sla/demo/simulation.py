"""The company at work: each lead's forms and visits, and what marketing and sales do about it.

One pass over the leads in the order of their first form (so round-robin routing follows time
closely). For each lead: plan the forms it will submit (how many and which depends on its
intent), log its web sessions, create the CRM contact on the first form, move it through the
lifecycle, and when it becomes an MQL (a *handoff*) simulate routing, the owner's attempts
inside their working hours, the outcome (sql, disqualified, recycled, or still open) and, for
accepted leads, the deal and whether it is won. Every record version goes to the writer, which
drops whatever happens after the period.

Invariants the downstream models may rely on:
- reps (SDRs, AEs) create outbound activities, notes and tasks only inside their working time
  (weekdays, their hours in their zone, not on holidays, absences, or after deactivation);
  only inbound e-mails from leads happen at any hour;
- handoffs (changes into ``mql``) follow form submissions and scoring, at any hour;
- win probability rises with the hidden fit and with engagement (demo request, pricing-page
  visits and e-mail clicks before the deal was accepted).
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field
from typing import Any

from lead_sla.demo.campaigns import TrafficBook
from lead_sla.demo.email_events import Clicks
from lead_sla.demo.population import INTENT_LOW, INTENT_MID, Companies, Leads
from lead_sla.demo.sessions import VISITOR_SALT, LeadSessionLog, scramble
from lead_sla.demo.team import Team, User
from lead_sla.demo.timefmt import TimeText
from lead_sla.demo.vocabulary import (
    BLOG_SLUGS, COMPANY_SIZE_BANDS, COMPANY_SIZE_FLOORS, COUNTRIES, COUNTRY_PHONE_PREFIX, EBOOK_SLUGS,
    FORM_BASE_FIELDS, INDUSTRIES, LOST_REASONS, NEEDS, PAGE_INDEX, PRICING_PAGE, PROFILE_FIELDS, PROMOTIONS,
    REVENUE_BANDS, REVENUE_FLOORS, SITE, WEBINAR_SLUGS,
)
from lead_sla.demo.writer import ExportWriter

DAY = 86400
WORKDAY_MIN = 480  # business minutes in a typical working day
CHUNK = 50_000

# Contact columns, in contract order.
C_ID, C_EMAIL, C_FIRST, C_LAST, C_TITLE, C_COMPANY, C_OWNER, C_STAGE, C_STATUS, C_SOURCE, C_CREATED, C_DELETED = range(12)

FORM_IDS = (
    "newsletter-footer", *(f"ebook-{s}" for s in EBOOK_SLUGS), *(f"webinar-{s}" for s in WEBINAR_SLUGS),
    "contact-sales", "demo-request", "trial-signup",
)
FORM_ROTATION = {form_id: i for i, form_id in enumerate(FORM_IDS)}


@dataclass
class Outcome:
    """How a handoff ended, and when (the stage it left the contact in)."""

    stage: str
    at: int


@dataclass(slots=True)
class LeadState:
    """One lead while it is simulated: its traits, what is known about it, and its CRM record."""

    i: int
    cid: str
    email: str
    company: int
    country: int
    seniority: int
    need: int
    personal: bool
    fit: float
    intent: int
    eng: float
    t0: int
    title: str
    visitor: int = 0
    visitor2: int = 0
    first_touch: tuple[int, int] = (0, -1)  # (instant, combo) of the earliest visit
    events: list[tuple[int, int, str]] = field(default_factory=list)  # heap of (instant, serial, form or "score")
    serial: int = 0
    promoted: tuple[int, str] | None = None
    phone: str = ""
    scored_mql: bool = False
    demo_asked: bool = False
    pricing: list[int] = field(default_factory=list)  # pricing-page visits
    known: dict[str, Any] = field(default_factory=dict)  # profile answers given so far
    contact: list[Any] | None = None  # current CRM columns, once created
    changes: list[tuple[int, int, Any]] = field(default_factory=list)  # (instant, column, value); -1 = created
    created: int = 0
    stage: str | None = None
    busy_until: int = 0  # while a handoff runs, forms do not move the lifecycle
    deleted_at: int | None = None


class Simulation:
    """Holds the shared state of the pass (ids, round-robin pointers) and writes as it goes."""

    def __init__(
        self, *, leads: Leads, companies: Companies, team: Team, traffic: TrafficBook, clicks: Clicks,
        writer: ExportWriter, tt: TimeText, rng: random.Random, end_ts: int,
    ) -> None:
        self.leads, self.companies, self.team, self.traffic, self.clicks = leads, companies, team, traffic, clicks
        self.writer, self.tt, self.rng = writer, tt, rng
        self.end_ts = end_ts
        self.sessions = LeadSessionLog()
        self.n_form = self.n_lc = self.n_asg = self.n_act = self.n_deal = 0
        self._rr_sdr = 0
        self._rr_ae = 0
        self.company_growth: dict[int, tuple[int, int]] = {}  # company -> (when, new head count)

    # --- small helpers -------------------------------------------------------------------------

    def rint(self, a: int, b: int) -> int:
        """A uniform integer in ``[a, b]`` from one draw (``Random.randint`` is several times slower)."""
        return a + int(self.rng.random() * (b - a + 1))

    def ts(self, t: int) -> str:
        """CRM text of instant ``t``: naive New York time, one in twenty with an explicit offset."""
        rng = self.rng
        return self.tt.crm(t, rng.randrange(5) if rng.random() < 0.05 else -1)

    def iso(self, t: int) -> str:
        r = self.rng.random()
        return self.tt.iso(t, 0 if r < 0.55 else 1 if r < 0.75 else 2 if r < 0.9 else 3)

    def lifecycle(self, s: LeadState, frm: str | None, to: str, t: int, by: str) -> None:
        self.n_lc += 1
        self.writer.emit("lifecycle_changes", t, (f"LC-{self.n_lc:08d}", s.cid, frm, to, self.ts(t), by), mutable=False)
        s.changes.append((t, C_STAGE, to))

    def assign(self, s: LeadState, owner: str | None, t: int, by: str) -> None:
        self.n_asg += 1
        self.writer.emit("owner_assignments", t, (f"ASG-{self.n_asg:08d}", s.cid, owner, self.ts(t), by), mutable=False)
        s.changes.append((t, C_OWNER, owner))

    def activity(
        self, cid: str, owner: str | None, kind: str, direction: str | None, occurred: int, outcome: str | None,
        created: int, update: tuple[int, str] | None = None,
    ) -> None:
        """One activity; ``update`` = (when, outcome) writes a second version with the outcome filled in."""
        self.n_act += 1
        aid = f"ACT-{self.n_act:08d}"
        occurred_s, created_s = self.ts(occurred), self.ts(created)
        self.writer.emit("activities", created,
                         (aid, cid, owner, kind, direction, occurred_s, outcome, created_s, self.ts(created)))
        if update is not None:
            self.writer.emit("activities", update[0],
                             (aid, cid, owner, kind, direction, occurred_s, update[1], created_s, self.ts(update[0])))

    def next_sdr(self, t: int, exclude: str | None = None) -> User:
        """Round robin over the SDRs active at ``t``."""
        sdrs = self.team.sdrs
        for _ in range(len(sdrs)):
            rep = sdrs[self._rr_sdr % len(sdrs)]
            self._rr_sdr += 1
            if rep.is_active(t) and rep.owner_id != exclude:
                return rep
        raise RuntimeError("no active SDR")

    def next_ae(self) -> User:
        rep = self.team.aes[self._rr_ae % len(self.team.aes)]
        self._rr_ae += 1
        return rep

    def log_session(self, visitor: int, start: int, page: int, combo: int) -> None:
        rng = self.rng
        if rng.random() < 0.3:
            duration, pageviews = self.rint(5, 40), 1
        else:
            duration = int(rng.expovariate(1 / 240)) + 30
            pageviews = 1 + min(40, int(duration / 90 * rng.uniform(0.5, 1.5)))
        self.sessions.add(visitor, start, duration, page, combo, pageviews)

    # --- companies ---------------------------------------------------------------------------

    def write_companies(self) -> None:
        """Companies exist from the first form of any of their people; some are enriched later,
        a few get a duplicate record that is deleted again."""
        rng, co = self.rng, self.companies
        first_seen: dict[int, int] = {}
        for c, t in zip(self.leads.company.tolist(), self.leads.first_form_at.tolist()):
            if c not in first_seen:
                first_seen[c] = t  # leads are in time order: the first one seen is the earliest
        n_dup = 0
        for c, t in sorted(first_seen.items(), key=lambda kv: (kv[1], kv[0])):
            created = t + self.rint(20, 600)
            employees = int(co.employees[c])
            revenue = float(co.revenue[c])
            industry = INDUSTRIES[int(co.industry[c])]
            known_industry = industry if rng.random() > 0.1 else None
            known_employees = employees if rng.random() > 0.08 else None
            known_revenue = f"{revenue:.2f}" if rng.random() > 0.15 else None
            country = COUNTRIES[int(co.country[c])]
            cid = f"ACC-{c + 1:07d}"

            def row(emp: int | None, rev: str | None, ind: str | None, at: int, deleted: str = "false",
                    company_id: str = cid, name: str = co.name[c]) -> tuple:
                return (company_id, name, co.domain[c], ind, emp, rev, country, self.ts(created), deleted, self.ts(at))

            self.writer.emit("companies", created, row(known_employees, known_revenue, known_industry, created))
            if rng.random() < 0.15:
                # Enrichment: the head count is refreshed (companies grow) and gaps are filled.
                at = created + self.rint(2, 60) * DAY + self.rint(0, DAY - 1)
                grown = int(employees * rng.uniform(1.2, 2.2))
                self.company_growth[c] = (at, grown)
                rev2 = f"{revenue * grown / employees:.2f}"
                self.writer.emit("companies", at, row(grown, rev2, industry, at))
            if rng.random() < 0.015:
                # Someone created the same company again by hand; it is merged (deleted) days later.
                n_dup += 1
                dup_id = f"ACC-{len(co) + n_dup:07d}"  # a normal-looking id after the real ones
                made = created + self.rint(1, 30) * DAY + self.rint(0, DAY - 1)
                gone = made + self.rint(1, 10) * DAY + self.rint(0, DAY - 1)
                name = co.name[c].upper() if rng.random() < 0.5 else co.name[c] + " Inc"
                dup_created = made

                def dup_row(at: int, deleted: str) -> tuple:
                    return (dup_id, name, co.domain[c], None, None, None, country, self.ts(dup_created), deleted, self.ts(at))

                self.writer.emit("companies", made, dup_row(made, "false"))
                self.writer.emit("companies", gone, dup_row(gone, "true"))

    def employees_at(self, c: int, t: int) -> int:
        growth = self.company_growth.get(c)
        if growth is not None and t >= growth[0]:
            return growth[1]
        return int(self.companies.employees[c])

    # --- leads -------------------------------------------------------------------------------

    def run(self) -> None:
        """Simulate every lead (contacts, forms, sessions, handoffs, deals)."""
        self.write_companies()
        n = len(self.leads)
        L = self.leads
        for lo in range(0, n, CHUNK):
            hi = min(n, lo + CHUNK)
            cols = zip(
                range(lo, hi), L.company[lo:hi].tolist(), L.country[lo:hi].tolist(), L.seniority[lo:hi].tolist(),
                L.need[lo:hi].tolist(), L.personal_email[lo:hi].tolist(), L.fit[lo:hi].tolist(),
                L.intent[lo:hi].tolist(), L.engagement[lo:hi].tolist(), L.first_form_at[lo:hi].tolist(),
            )
            for i, company, country, seniority, need, personal, fit, intent, eng, t0 in cols:
                self.lead(LeadState(i, f"CON-{i + 1:07d}", L.email[i], company, country, seniority, need,
                                    personal, fit, intent, eng, t0, L.title[i]))

    def plan_forms(self, intent: int, eng: float, t0: int) -> list[tuple[int, str]]:
        """The forms a lead will submit: (instant, form type), the first at ``t0``."""
        rng = self.rng
        if intent == INTENT_LOW:
            n = 1 + min(4, int(rng.expovariate(1 / (0.4 + 0.8 * eng))))
            types = ["newsletter" if rng.random() < (0.62 if k == 0 else 0.45) else "content_download" for k in range(n)]
        elif intent == INTENT_MID:
            n = 2 + min(3, int(rng.expovariate(1 / (0.5 + eng))))
            types = ["newsletter" if rng.random() < 0.5 else "content_download"]
            for _ in range(n - 1):
                r = rng.random()
                types.append("webinar" if r < 0.45 else "trial" if r < 0.8 else "content_download")
            if not any(t in ("webinar", "trial") for t in types):
                types[-1] = "webinar"
            if rng.random() < 0.3:
                types = types[1:]  # some start straight with the webinar or trial
        else:
            n = 1 + min(3, int(rng.expovariate(1 / (0.6 + eng))))
            types = [("newsletter", "content_download", "webinar")[rng.randrange(3)] for _ in range(n - 1)]
            types.append("contact_sales" if rng.random() < 0.62 else "demo_request")
        forms = []
        t = t0
        for k, form_type in enumerate(types):
            if k:
                t += int(rng.expovariate(1 / (9 * DAY))) + self.rint(600, DAY)
            forms.append((t, form_type))
        return forms

    def visits(self, s: LeadState) -> None:
        """The lead's visits outside forms: before the first one (the first touch) and after."""
        rng, traffic, t0, eng = self.rng, self.traffic, s.t0, s.eng
        buyer = s.intent != INTENT_LOW
        for _ in range(min(8, int(rng.expovariate(1 / (1.2 + 2.0 * eng))))):
            t = t0 - int(rng.expovariate(1 / (8 * DAY))) - self.rint(600, 4 * 3600)
            combo = traffic.pick(t, rng)
            pages = traffic.pages[combo]
            page = PRICING_PAGE if rng.random() < 0.05 + 0.25 * eng * buyer else pages[int(rng.random() * len(pages))]
            self.log_session(s.visitor, t, page, combo)
            if page == PRICING_PAGE:
                s.pricing.append(t)
            if t < s.first_touch[0]:
                s.first_touch = (t, combo)
        # Engaged people come back; buyers look at the pricing page.
        p_pricing = 0.04 + (0.35 * eng if buyer else 0.05)
        for _ in range(min(12, int(rng.expovariate(1 / (0.6 + 3.0 * eng))))):
            t = t0 + int(rng.expovariate(1 / (14 * DAY))) + self.rint(3600, DAY)
            if t >= self.end_ts:
                continue
            combo = traffic.pick(t, rng)
            pages = traffic.pages[combo]
            page = PRICING_PAGE if rng.random() < p_pricing else pages[int(rng.random() * len(pages))]
            self.log_session(s.visitor2, t, page, combo)
            if page == PRICING_PAGE:
                s.pricing.append(t)

    def lead(self, s: LeadState) -> None:
        """Everything one lead does, and everything the company does about it."""
        rng, end_ts = self.rng, self.end_ts
        s.visitor = 2 * s.i
        s.visitor2 = 2 * s.i + 1 if rng.random() < 0.1 else s.visitor  # a second device after the first form
        s.first_touch = (s.t0, -1)
        s.events = [(t, k, f) for k, (t, f) in enumerate(self.plan_forms(s.intent, s.eng, s.t0))]
        s.serial = len(s.events)
        self.visits(s)
        if s.title in PROMOTIONS and rng.random() < 0.12:
            s.promoted = (s.t0 + self.rint(2, 40) * DAY, PROMOTIONS[s.title])
        s.phone = (f"{COUNTRY_PHONE_PREFIX[COUNTRIES[s.country]]} {self.rint(200, 999)} "
                   f"{self.rint(100, 999)} {self.rint(1000, 9999)}")
        s.scored_mql = s.intent == INTENT_MID and rng.random() < 0.2 + 0.6 * s.fit

        events = s.events
        while events:
            t, _, what = heapq.heappop(events)
            if t >= end_ts or (s.deleted_at is not None and t >= s.deleted_at):
                break
            if what == "score":
                if s.stage != "lead" or t < s.busy_until:
                    continue
                t += self.rint(300, 1800)  # the scoring job runs every half hour
                self.lifecycle(s, "lead", "mql", t, "workflow")
                s.stage = "mql"
            else:
                t = self.submit(s, t, what)
            if s.stage == "mql" and t >= s.busy_until:
                outcome = self.handoff(s, t)
                s.stage, s.busy_until = outcome.stage, outcome.at
                if s.stage == "disqualified" and outcome.at < end_ts:
                    s.deleted_at = self.maybe_delete(s, outcome.at)
                if s.stage == "recycled" and rng.random() < 0.7:
                    # Recycled leads come back: a webinar or a demo request weeks later is a new handoff.
                    back = outcome.at + 5 * DAY + int(rng.expovariate(1 / (20 * DAY)))
                    r = rng.random()
                    self.push(s, back, "webinar" if r < 0.45 else "demo_request" if r < 0.7 else "contact_sales")
        if s.contact is None:
            return
        if s.intent == INTENT_LOW and s.deleted_at is None and rng.random() < 0.004:
            # A data-deletion request: the contact is deleted some weeks later.
            s.deleted_at = max(c[0] for c in s.changes) + self.rint(5, 60) * DAY
            s.changes.append((s.deleted_at, C_DELETED, "true"))
        self.write_contact(s)

    def push(self, s: LeadState, t: int, what: str) -> None:
        s.serial += 1
        heapq.heappush(s.events, (t, s.serial, what))

    def submit(self, s: LeadState, t: int, form_type: str) -> int:
        """One form submission: its visit, the form row, the CRM sync and the lifecycle it moves.

        Returns the instant the CRM synced it (when any lifecycle change it caused happened).
        """
        rng, traffic = self.rng, self.traffic
        v = s.visitor if s.stage is None else s.visitor2
        form_id, page = self.form_page(form_type)
        combo = traffic.pick(t, rng)
        self.log_session(v, t - self.rint(60, 900), PAGE_INDEX[page], combo)
        if s.first_touch[1] < 0:
            s.first_touch = (t, combo)
        asked = self.form_fields(form_type, form_id, s.known)
        self.n_form += 1
        row: dict[str, Any] = {
            "submission_id": f"FS-{self.n_form:08d}", "visitor_id": f"{scramble(v, VISITOR_SALT):012x}",
            "submitted_at": self.iso(t), "form_id": form_id, "form_type": form_type, "page_url": SITE + page,
            "campaign_id": self.campaign_of(combo), "email": self.messy(s.email),
        }
        for f in asked:
            row[f] = s.known[f] = self.profile_value(s, f, t)
        self.writer.emit("form_submissions", t, row, mutable=False)
        if form_type == "demo_request":
            s.demo_asked = True

        sync = t + self.rint(20, 240)  # the CRM syncs the form a few minutes later
        company_id = f"ACC-{s.company + 1:07d}"
        if s.contact is None:
            s.created = sync
            linked = not s.personal or "company_domain" in asked  # the CRM links companies by e-mail domain
            s.contact = [s.cid, s.email, None, None, None, company_id if linked else None,
                         None, None, None, self.source_of(s.first_touch[1]), self.ts(sync), "false"]
            s.changes.append((sync, -1, None))  # the creation version
        for f, col in (("first_name", C_FIRST), ("last_name", C_LAST), ("job_title", C_TITLE)):
            if f in asked:
                s.changes.append((sync, col, row[f]))
        if s.personal and "company_domain" in asked:
            s.changes.append((sync, C_COMPANY, company_id))

        to = None
        if s.stage is None:
            to = "mql" if form_type in ("contact_sales", "demo_request") else \
                "lead" if form_type in ("webinar", "trial") else "subscriber"
        elif t >= s.busy_until:
            if form_type in ("contact_sales", "demo_request") and s.stage in ("subscriber", "lead", "recycled"):
                to = "mql"
            elif form_type in ("webinar", "trial") and s.stage == "recycled":
                to = "mql"
            elif form_type in ("webinar", "trial") and s.stage == "subscriber":
                to = "lead"
        if to is not None:
            self.lifecycle(s, s.stage, to, sync, "workflow")
            s.stage = to
            if to == "lead" and s.scored_mql:
                self.push(s, self.scoring_trigger(s, sync), "score")
        return sync

    def maybe_delete(self, s: LeadState, at: int) -> int | None:
        """Spam and duplicate contacts are often deleted a few days after being thrown out."""
        status = None
        for _, col, value in s.changes:
            if col == C_STATUS:
                status = value
        share = 0.4 if status == "spam" else 0.7 if status == "duplicate" else 0.0
        if self.rng.random() < share:
            when = at + self.rint(1, 7) * DAY + self.rint(0, DAY - 1)
            s.changes.append((when, C_DELETED, "true"))
            return when
        return None

    def write_contact(self, s: LeadState) -> None:
        """One contact version per instant at which something changed."""
        changes = sorted(s.changes, key=lambda c: c[0])
        state = s.contact
        assert state is not None
        k, n = 0, len(changes)
        while k < n:
            t = changes[k][0]
            while k < n and changes[k][0] == t:
                _, col, value = changes[k]
                if col >= 0:
                    state[col] = value
                k += 1
            if s.deleted_at is not None and t > s.deleted_at:
                break
            self.writer.emit("contacts", t, (*state, self.ts(t)))

    def scoring_trigger(self, s: LeadState, after: int) -> int:
        """When lead scoring makes a lead an MQL: at its next pricing-page visit."""
        for t in sorted(s.pricing):
            if t > after:
                return t
        t = after + int(self.rng.expovariate(1 / (6 * DAY))) + 3600
        self.log_session(s.visitor2, t, PRICING_PAGE, self.traffic.pick(t, self.rng))
        s.pricing.append(t)
        return t

    # --- forms -------------------------------------------------------------------------------

    def form_page(self, form_type: str) -> tuple[str, str]:
        rng = self.rng
        if form_type == "newsletter":
            return "newsletter-footer", f"/blog/{BLOG_SLUGS[rng.randrange(len(BLOG_SLUGS))]}" if rng.random() < 0.7 else "/"
        if form_type == "content_download":
            slug = EBOOK_SLUGS[rng.randrange(len(EBOOK_SLUGS))]
            return f"ebook-{slug}", f"/ebook/{slug}"
        if form_type == "webinar":
            slug = WEBINAR_SLUGS[rng.randrange(len(WEBINAR_SLUGS))]
            return f"webinar-{slug}", f"/webinars/{slug}"
        if form_type == "contact_sales":
            return "contact-sales", "/contact"
        if form_type == "demo_request":
            return "demo-request", "/demo"
        return "trial-signup", "/trial"

    def form_fields(self, form_type: str, form_id: str, known: dict[str, Any]) -> list[str]:
        """The base fields of the form plus 2-3 progressive questions: what is not known yet first."""
        # Sales forms ask three questions; marketing forms two or three.
        count = 3 if form_type in ("contact_sales", "demo_request", "trial") else 2 + (self.rng.random() < 0.5)
        rot = FORM_ROTATION[form_id]
        order = PROFILE_FIELDS[rot % len(PROFILE_FIELDS):] + PROFILE_FIELDS[: rot % len(PROFILE_FIELDS)]
        unknown = [f for f in order if f not in known]
        again = [f for f in order if f in known]
        base = FORM_BASE_FIELDS[form_type]
        picked = [f for f in unknown if f not in base][:count]
        if len(picked) < count:
            picked += [f for f in again if f not in base][: count - len(picked)]
        if self.rng.random() < 0.3:
            # Forms re-confirm a stale answer now and then: titles and head counts change.
            stale = [f for f in ("job_title", "company_size", "industry") if f in known and f not in picked]
            if stale:
                picked[-1] = stale[self.rng.randrange(len(stale))]
        return [*base, *picked]

    def profile_value(self, s: LeadState, field: str, t: int) -> Any:
        """What the person types into ``field`` at ``t``: the truth, sometimes updated or at odds."""
        L, co, rng, i, company = self.leads, self.companies, self.rng, s.i, s.company
        if field == "first_name":
            return L.first_name[i]
        if field == "last_name":
            return L.last_name[i]
        if field == "company_name":
            return co.name[company]
        if field == "company_domain":
            return co.domain[company]
        if field == "job_title":
            return s.promoted[1] if s.promoted is not None and t >= s.promoted[0] else s.title
        if field == "company_size":
            employees = self.employees_at(company, t)
            band = sum(1 for floor in COMPANY_SIZE_FLOORS if employees >= floor) - 1
            return COMPANY_SIZE_BANDS[band]
        if field == "industry":
            truth = INDUSTRIES[int(co.industry[company])]
            if "industry" in s.known and rng.random() < 0.15:
                return INDUSTRIES[rng.randrange(len(INDUSTRIES))]  # a different answer on another form
            return truth
        if field == "annual_revenue":
            revenue = float(co.revenue[company]) * self.employees_at(company, t) / max(1, int(co.employees[company]))
            band = sum(1 for floor in REVENUE_FLOORS if revenue >= floor) - 1
            return REVENUE_BANDS[band]
        if field == "need":
            return NEEDS[s.need]
        if field == "country":
            return COUNTRIES[s.country]
        if field == "phone":
            return s.phone
        raise KeyError(field)

    def messy(self, email: str) -> str:
        """The address as typed: now and then in capitals or with stray spaces."""
        r = self.rng.random()
        if r < 0.03:
            return email.upper()
        if r < 0.06:
            local, _, domain = email.partition("@")
            return ".".join(p.capitalize() for p in local.split(".")) + "@" + domain.capitalize()
        if r < 0.09:
            return " " + email if r < 0.075 else email + "  "
        return email

    def campaign_of(self, combo: int) -> str | None:
        k = self.traffic.combos[combo].campaign
        return self.traffic.campaigns[k].campaign_id if k >= 0 else None

    def source_of(self, combo: int) -> str:
        if combo < 0:
            return "direct"
        return self.traffic.combos[combo].channel

    # --- the handoff -------------------------------------------------------------------------

    def handoff(self, s: LeadState, t_h: int) -> Outcome:
        """Routing, attempts and outcome of one handoff at ``t_h``; returns when it was resolved."""
        rng = self.rng
        cid, changes, fit, demo, created = s.cid, s.changes, s.fit, s.demo_asked, s.created
        far = t_h + 400 * DAY  # "never" within any period
        changes.append((t_h, C_STATUS, "new"))

        if rng.random() < 0.02 and t_h - created > DAY:
            # Someone called the contact before it was a handoff (an event follow-up): not a touch
            # of this handoff, which the models must ignore.
            rep = self.team.sdrs[rng.randrange(len(self.team.sdrs))]
            t = rep.cal().previous_working_instant(t_h - 600, created + 3600)
            if t is not None and rep.is_active(t):
                t = max(created + 3600, t - self.rint(0, 3 * 3600))
                t = rep.cal().next_open(t) or t
                if rep.cal().is_working(t) and t < t_h:
                    self.activity(cid, rep.owner_id, "call", "outbound", t, "no_answer" if rng.random() < 0.6 else "voicemail", t + 60)

        # Routing: usually minutes, sometimes hours, sometimes never.
        r = rng.random()
        if r < 0.03:
            self.assign(s, None, t_h + self.rint(30, 300), "rule")
            return Outcome("mql", far)
        if r < 0.13:
            t_a = t_h + self.rint(3600, 30 * 3600)
        else:
            t_a = t_h + 30 + int(60 * min(45.0, math.exp(rng.gauss(math.log(3.0), 0.8))))
        owner = self.next_sdr(t_a)
        self.assign(s, owner.owner_id, t_a, "rule")
        clock = t_a

        # Junk is thrown out quickly, before anyone calls.
        r = rng.random()
        if r < 0.06:
            status = "spam" if r < 0.04 else "duplicate"
            t_x = owner.cal().add(t_a, self.rint(5, 90) * 60)
            if t_x is None:
                return Outcome("mql", far)
            self.activity(cid, owner.owner_id, "note", None, t_x, None, t_x)
            self.lifecycle(s, "mql", "disqualified", t_x + 30, owner.owner_id)
            changes.append((t_x + 30, C_STATUS, status))
            return Outcome("disqualified", t_x + 30)

        if rng.random() < 0.05:
            # Reassigned before the first touch: the clock restarts for the new owner.
            t_r = owner.cal().add(t_a, self.rint(15, 300) * 60)
            if t_r is not None:
                new = self.next_sdr(t_r, exclude=owner.owner_id)
                self.assign(s, new.owner_id, t_r, owner.owner_id)
                owner, clock = new, t_r

        if rng.random() < 0.05:
            # Never touched: at most a reminder task.
            if rng.random() < 0.5:
                t_task = owner.cal().add(clock, self.rint(1, 30) * 60)
                if t_task is not None:
                    self.activity(cid, owner.owner_id, "task", None, t_task, None, t_task)
            return Outcome("mql", far)

        priority = 0.35 if demo else 0.7 if fit >= 0.65 else 1.0
        delay = owner.speed * priority * math.exp(rng.gauss(0.0, 0.8))
        t1 = owner.cal().add(clock, delay * 60)
        if t1 is None or not owner.is_active(t1):
            # The owner left before getting to it: the manager hands it to someone else.
            left = owner.active_until if owner.active_until is not None else clock
            t_r = max(clock, left) + self.rint(2, 20) * 3600
            new = self.next_sdr(t_r, exclude=owner.owner_id)
            self.assign(s, new.owner_id, t_r, self.team.manager.owner_id)
            owner = new
            t1 = owner.cal().add(t_r, owner.speed * priority * math.exp(rng.gauss(0.0, 0.8)) * 60)
            if t1 is None:
                return Outcome("mql", far)
        return self.attempts(s, owner, t1, far)

    def attempts(self, s: LeadState, owner: User, t1: int, far: int) -> Outcome:
        """Outbound attempts until the lead is reached or the rep gives up, then the outcome."""
        rng = self.rng
        cid, changes, fit, eng, demo = s.cid, s.changes, s.fit, s.eng, s.demo_asked
        cal = owner.cal()
        oid = owner.owner_id
        p_reach = 0.2 + 0.25 * fit + 0.2 * eng + (0.15 if demo else 0.0)
        t = t1
        reached: int | None = None
        reach_call: tuple | None = None
        max_attempts = self.rint(3, 8)
        for k in range(max_attempts):
            if k == 0:
                changes.append((t, C_STATUS, "attempting"))
            is_call = rng.random() < (0.85 if demo and k == 0 else 0.65)
            hit = rng.random() < p_reach
            logged = cal.add(t, self.rint(1, 10) * 60) or t + 60
            if is_call:
                if hit:
                    # Written once the call's result (connected or a booked meeting) is decided.
                    reached = t
                    reach_call = (t, logged)
                else:
                    outcome = "no_answer" if rng.random() < 0.6 else "voicemail"
                    later = cal.add(logged, self.rint(5, 300) * 60) if rng.random() < 0.15 else None
                    if later is not None:
                        # Logged first, outcome filled in later the same day or the next.
                        self.activity(cid, oid, "call", "outbound", t, None, logged, (later, outcome))
                    else:
                        self.activity(cid, oid, "call", "outbound", t, outcome, logged)
                if rng.random() < 0.3:
                    note = cal.add(t, self.rint(2, 15) * 60)
                    if note is not None:
                        self.activity(cid, oid, "note", None, note, None, note)
            elif hit:
                reply = t + int(rng.expovariate(1 / (5 * 3600))) + 300
                seen = cal.next_open(reply + 60)
                marked = cal.add(seen, self.rint(1, 20) * 60) if seen is not None else None
                self.activity(cid, oid, "email", "outbound", t, "none", logged,
                              (marked, "replied") if marked is not None else None)
                self.activity(cid, oid, "email", "inbound", reply, None, reply + self.rint(5, 120))
                reached = reply
            else:
                self.activity(cid, oid, "email", "outbound", t, "none", logged)
            if reached is not None:
                break
            gap = cal.add(t, rng.uniform(0.3, 2.0) * WORKDAY_MIN * 60)
            if gap is None or gap >= self.end_ts:
                return Outcome("mql", far)
            t = gap
        if reached is None:
            if rng.random() < 0.3:
                # Unresponsive: recycled to marketing after the last attempt.
                when = cal.add(t, self.rint(30, 240) * 60) or t + 3600
                self.lifecycle(s, "mql", "recycled", when, oid)
                changes.append((when, C_STATUS, "bad_timing"))
                return Outcome("recycled", when)
            return Outcome("mql", far)

        changes.append((reached, C_STATUS, "connected"))
        r = rng.random()
        p_sql = 0.1 + 0.6 * fit + 0.1 * eng + (0.1 if demo else 0.0)
        decided = cal.add(reached, self.rint(5, 60) * 60) or reached + 3600
        if reach_call is not None and r >= 0.02 and r < 0.02 + p_sql:
            # A good call books a meeting; the meeting qualifies the lead.
            t_call, logged = reach_call
            meeting = cal.add(t_call, rng.uniform(0.5, 4.0) * WORKDAY_MIN * 60)
            self.activity(cid, oid, "call", "outbound", t_call, "booked_meeting", logged)
            if meeting is None:
                return Outcome("mql", far)
            held = rng.random() > 0.1
            done = cal.add(meeting, 45 * 60) or meeting + 2700
            self.activity(cid, oid, "meeting", "outbound", meeting, None, logged,
                          (done, "connected" if held else "no_answer"))
            if not held:
                return Outcome("mql", far)
            return self.accept(s, owner, done + self.rint(60, 1800))
        if reach_call is not None:
            t_call, logged = reach_call
            self.activity(cid, oid, "call", "outbound", t_call, "connected", logged)
        if r < 0.02:
            self.lifecycle(s, "mql", "disqualified", decided, oid)
            changes.append((decided, C_STATUS, "do_not_contact"))
            return Outcome("disqualified", decided)
        if reach_call is None and r < 0.02 + p_sql:
            return self.accept(s, owner, decided)
        rest = rng.random()
        if rest < 0.16:
            self.lifecycle(s, "mql", "recycled", decided, oid)
            changes.append((decided, C_STATUS, "bad_timing"))
            return Outcome("recycled", decided)
        if rest < 0.8:
            self.lifecycle(s, "mql", "disqualified", decided, oid)
            changes.append((decided, C_STATUS, "unqualified"))
            return Outcome("disqualified", decided)
        return Outcome("mql", far)

    # --- accepted leads and deals ------------------------------------------------------------

    def accept(self, s: LeadState, sdr: User, t_sql: int) -> Outcome:
        """Sales accepted the lead: sql, an AE takes over, a deal is created and won or lost."""
        rng = self.rng
        cid, changes, fit, demo, company = s.cid, s.changes, s.fit, s.demo_asked, s.company
        far = t_sql + 400 * DAY
        self.lifecycle(s, "mql", "sql", t_sql, sdr.owner_id)
        changes.append((t_sql, C_STATUS, "qualified"))
        ae = self.next_ae()
        cal = ae.cal()
        t_own = t_sql + self.rint(60, 1200)
        self.assign(s, ae.owner_id, t_own, sdr.owner_id)
        if s.personal:
            changes.append((t_own, C_COMPANY, f"ACC-{company + 1:07d}"))  # the rep links the company

        employees = self.employees_at(company, t_sql)
        base = 6000 + 22 * min(employees, 3000) ** 0.8
        amount = round(base * rng.uniform(0.6, 1.5), -2)
        currency = "EUR" if rng.random() < 0.05 else "USD"
        self.n_deal += 1
        deal_id = f"DEAL-{self.n_deal:07d}"
        company_id = f"ACC-{company + 1:07d}"
        t_deal = cal.add(t_own, self.rint(10, 240) * 60)
        if t_deal is None:
            return Outcome("sql", far)
        created_s = self.ts(t_deal)

        def version(at: int, stage: str, amt: float, closed: int | None = None, won: bool | None = None,
                    reason: str | None = None, deleted: str = "false", did: str = deal_id) -> None:
            self.writer.emit("deals", at, (
                did, cid, company_id, ae.owner_id, created_s, stage, f"{amt:.2f}", currency,
                self.ts(closed) if closed is not None else None,
                None if won is None else ("true" if won else "false"), reason, deleted, self.ts(at)))

        version(t_deal, "qualification", amount)
        if rng.random() < 0.05:
            # A duplicate deal created by mistake and deleted the next day.
            self.n_deal += 1
            dup = f"DEAL-{self.n_deal:07d}"
            version(t_deal + 120, "qualification", amount, did=dup)
            gone = cal.add(t_deal, WORKDAY_MIN * 60) or t_deal + DAY
            version(gone, "qualification", amount, deleted="true", did=dup)

        # Discovery meeting by the AE; the lead becomes an opportunity.
        t_demo = cal.add(t_deal, rng.uniform(0.5, 5.0) * WORKDAY_MIN * 60)
        if t_demo is None:
            return Outcome("sql", far)
        self.activity(cid, ae.owner_id, "meeting", "outbound", t_demo, None, t_deal,
                      (cal.add(t_demo, 60 * 60) or t_demo + 3600, "connected"))
        t_opp = cal.add(t_demo, self.rint(60, 240) * 60)
        if t_opp is None:
            return Outcome("sql", far)
        self.lifecycle(s, "sql", "opportunity", t_opp, ae.owner_id)
        version(t_opp, "discovery", amount)
        t_prop = cal.add(t_opp, rng.uniform(1, 8) * WORKDAY_MIN * 60)
        if t_prop is None:
            return Outcome("opportunity", far)
        amount = round(amount * rng.uniform(0.85, 1.25), -2)
        version(t_prop, "proposal", amount)
        self.activity(cid, ae.owner_id, "call", "outbound", cal.add(t_prop, 30 * 60) or t_prop,
                      "connected" if rng.random() < 0.7 else "voicemail", cal.add(t_prop, 40 * 60) or t_prop + 2400)
        t_close = cal.add(t_prop, rng.uniform(3, 25) * WORKDAY_MIN * 60)
        if t_close is None:
            return Outcome("opportunity", far)
        if rng.random() < 0.5:
            t_neg = cal.add(t_prop, (t_close - t_prop) * rng.uniform(0.3, 0.8) / 3)
            if t_neg is not None and t_neg < t_close:
                version(t_neg, "negotiation", amount)

        # Win chance: fit, and engagement shown before the lead was accepted.
        n_pricing = sum(1 for p in s.pricing if p < t_sql)
        n_clicks = self.clicks.before(s.i, t_sql)
        logit = -5.8 + 7.0 * fit + 0.9 * demo + 0.35 * min(n_pricing, 3) + 0.3 * min(n_clicks, 4)
        won = rng.random() < 1 / (1 + math.exp(-logit))
        if won:
            version(t_close, "closed_won", amount, t_close, True)
            self.lifecycle(s, "opportunity", "customer", t_close + self.rint(60, 3600), ae.owner_id)
            return Outcome("customer", far)
        reason = LOST_REASONS[rng.randrange(len(LOST_REASONS))]
        version(t_close, "closed_lost", amount, t_close, False, reason)
        return Outcome("opportunity", far)
