"""Who the leads are: companies, people, their true profile, fit, intent and engagement.

Drawn vectorised with numpy for any number of leads. The *true* profile drives behaviour
(forms report it, sometimes stale or conflicting); ``fit`` is the hidden profile quality that
makes deals win, so an ICP learned from the reported profile has something real to find.
Leads are ordered by the time of their first form submission, which is also their contact order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from lead_sla.demo.timefmt import epoch
from lead_sla.demo.vocabulary import (
    COMPANY_NAME_STEMS, COMPANY_NAME_SUFFIX, COMPANY_SIZE_FLOORS, COUNTRIES, COUNTRY_TLD, COUNTRY_UTC_OFFSET,
    COUNTRY_WEIGHTS, FIRST_NAMES, INDUSTRIES, INDUSTRY_WEIGHTS, JOB_TITLES, LAST_NAMES, NEED_WEIGHTS, NEEDS,
    PERSONAL_EMAIL_DOMAINS, REVENUE_FLOORS, SENIORITIES, SENIORITY_WEIGHTS,
)

SIZE_BAND_WEIGHTS = (0.12, 0.25, 0.27, 0.20, 0.10, 0.06)
SIZE_BAND_CEILINGS = (10, 50, 200, 1000, 5000, 60000)
INTENT_LOW, INTENT_MID, INTENT_HIGH = 0, 1, 2
# Points of the hidden fit (sum 100): need and seniority matter most, as the ICP's revision found.
FIT_POINTS = {"industry": 15, "size": 20, "revenue": 12, "need": 25, "seniority": 20, "country": 8}


@dataclass
class Companies:
    name: list[str]
    domain: list[str]
    industry: np.ndarray  # index into INDUSTRIES
    employees: np.ndarray  # true head count (at creation)
    revenue: np.ndarray  # USD
    country: np.ndarray  # index into COUNTRIES

    def __len__(self) -> int:
        return len(self.name)


@dataclass
class Leads:
    """Per-lead columns, ordered by first form submission."""

    company: np.ndarray
    country: np.ndarray
    seniority: np.ndarray
    title: list[str]
    need: np.ndarray
    first_name: list[str]
    last_name: list[str]
    email: list[str]  # normalized (trimmed, lower case)
    personal_email: np.ndarray  # bool: a free-mail address, not the company's domain
    fit: np.ndarray  # 0..1
    intent: np.ndarray  # INTENT_*
    engagement: np.ndarray  # 0..1
    first_form_at: np.ndarray  # epoch seconds

    def __len__(self) -> int:
        return len(self.email)


def _band_index(values: np.ndarray, floors: tuple[float, ...]) -> np.ndarray:
    return np.searchsorted(np.array(floors), values, side="right") - 1


def build_companies(n: int, gen: np.random.Generator) -> Companies:
    """``n`` companies with unique domains and a consistent size, revenue and industry."""
    industry = gen.choice(len(INDUSTRIES), size=n, p=np.array(INDUSTRY_WEIGHTS) / sum(INDUSTRY_WEIGHTS))
    band = gen.choice(len(SIZE_BAND_WEIGHTS), size=n, p=SIZE_BAND_WEIGHTS)
    lo = np.array(COMPANY_SIZE_FLOORS, dtype=float)[band]
    hi = np.array(SIZE_BAND_CEILINGS, dtype=float)[band]
    employees = np.exp(gen.uniform(np.log(lo), np.log(hi + 1))).astype(np.int64).clip(1, 250000)
    per_head = np.exp(gen.normal(np.log(160_000), 0.55, n))
    revenue = np.round(employees * per_head, -3)
    country = gen.choice(len(COUNTRIES), size=n, p=np.array(COUNTRY_WEIGHTS) / sum(COUNTRY_WEIGHTS))
    stems = gen.integers(0, len(COMPANY_NAME_STEMS), size=(n, 2))
    suffix = gen.integers(0, 4, size=n)
    names: list[str] = []
    domains: list[str] = []
    seen_domain: dict[str, int] = {}
    seen_name: dict[str, int] = {}
    for i, (s1, s2, sx, ind, ctry) in enumerate(zip(stems[:, 0].tolist(), stems[:, 1].tolist(), suffix.tolist(),
                                                    industry.tolist(), country.tolist())):
        base = f"{COMPANY_NAME_STEMS[s1]} {COMPANY_NAME_SUFFIX[INDUSTRIES[ind]][sx]}"
        repeat = seen_name.get(base, 0)
        seen_name[base] = repeat + 1
        if repeat:
            # Common names get a second stem, like real companies do ("Acme Bluepeak Labs").
            base = f"{COMPANY_NAME_STEMS[s1]} {COMPANY_NAME_STEMS[s2]} {COMPANY_NAME_SUFFIX[INDUSTRIES[ind]][sx]}"
        slug = "".join(ch for ch in base.lower() if ch.isalnum())
        domain = f"{slug}.{COUNTRY_TLD[COUNTRIES[ctry]]}"
        k = seen_domain.get(domain, 0)
        seen_domain[domain] = k + 1
        if k:
            domain = f"{slug}{k + 1}.{COUNTRY_TLD[COUNTRIES[ctry]]}"
        names.append(base)
        domains.append(domain)
    return Companies(names, domains, industry, employees, revenue, country)


def fit_score(industry: np.ndarray, size_band: np.ndarray, revenue_band: np.ndarray, need: np.ndarray,
              seniority: np.ndarray, country: np.ndarray) -> np.ndarray:
    """Hidden profile fit in 0..1 from true attributes (indices into the vocabulary tuples)."""
    p = FIT_POINTS
    score = (
        p["industry"] * np.isin(industry, [0, 1])  # software, fintech
        + p["size"] * np.isin(size_band, [2, 3]) + p["size"] * 0.4 * np.isin(size_band, [1, 4])
        + p["revenue"] * np.isin(revenue_band, [2, 3])
        + p["need"] * np.isin(need, [0, 1]) + p["need"] * 0.4 * (need == 2)
        + p["seniority"] * np.isin(seniority, [0, 1, 2]) + p["seniority"] * 0.3 * (seniority == 3)
        + p["country"] * np.isin(country, [0, 2, 3])  # US, GB, DE
    )
    return score / 100.0


def build_leads(n: int, companies: Companies, first_day: date, last_day: date, gen: np.random.Generator) -> Leads:
    """``n`` people who each submit a first form during the period, ordered by that instant."""
    n_companies = len(companies)
    # Few companies bring many leads, most bring one or two.
    weight = gen.pareto(1.3, n_companies) + 1.0
    company = gen.choice(n_companies, size=n, p=weight / weight.sum())
    own_country = companies.country[company]
    country = np.where(gen.random(n) < 0.9, own_country,
                       gen.choice(len(COUNTRIES), size=n, p=np.array(COUNTRY_WEIGHTS) / sum(COUNTRY_WEIGHTS)))
    seniority = gen.choice(len(SENIORITIES), size=n, p=SENIORITY_WEIGHTS)
    title_pick = gen.integers(0, 1000, n)
    need = gen.choice(len(NEEDS), size=n, p=NEED_WEIGHTS)
    first = gen.integers(0, len(FIRST_NAMES), n)
    last = gen.integers(0, len(LAST_NAMES), n)
    style = gen.choice(4, size=n, p=(0.55, 0.2, 0.13, 0.12))  # first.last, flast, first, free-mail
    mail_no = gen.integers(1, 99, n)

    size_band = _band_index(companies.employees[company], COMPANY_SIZE_FLOORS)
    revenue_band = _band_index(companies.revenue[company], REVENUE_FLOORS)
    fit = fit_score(companies.industry[company], size_band, revenue_band, need, seniority, country)
    fit = np.clip(fit + gen.normal(0.0, 0.05, n), 0.0, 1.0)

    # Buyers are rare; better-fitting companies are a little more often in market.
    r = gen.random(n)
    p_high = 0.055 + 0.08 * fit
    p_mid = 0.07 + 0.05 * fit
    intent = np.where(r < p_high, INTENT_HIGH, np.where(r < p_high + p_mid, INTENT_MID, INTENT_LOW))
    engagement = np.clip(gen.beta(2.0, 5.0, n) + 0.18 * (intent == INTENT_HIGH) + 0.1 * (intent == INTENT_MID), 0, 1)

    # First form: weekdays busier than weekends, the hour follows the person's own day.
    n_days = (last_day - first_day).days + 1
    day_idx = np.arange(n_days)
    weekday = (np.array([first_day.weekday()]) + day_idx) % 7
    day_w = np.where(weekday >= 5, 0.45, 1.0) * (1.0 + 0.25 * day_idx / max(1, n_days))
    day = gen.choice(n_days, size=n, p=day_w / day_w.sum())
    hour_w = np.array([0.4, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 2.0, 3.0, 3.5, 3.6, 3.4, 3.0, 3.3, 3.4, 3.2, 2.8,
                       2.2, 1.7, 1.5, 1.4, 1.2, 0.9, 0.6])
    local_hour = gen.choice(24, size=n, p=hour_w / hour_w.sum())
    offset = np.array([COUNTRY_UTC_OFFSET[c] for c in COUNTRIES])[country]
    t = (epoch(first_day) + day * 86400 + (local_hour - offset) * 3600 + gen.integers(0, 3600, n)).astype(np.int64)
    t = np.clip(t, epoch(first_day) + 60, epoch(last_day) + 86399 - 60)

    order = np.argsort(t, kind="stable")
    company, country, seniority, need = company[order], country[order], seniority[order], need[order]
    first, last, style, mail_no = first[order], last[order], style[order], mail_no[order]
    title_pick, fit, intent, engagement, t = title_pick[order], fit[order], intent[order], engagement[order], t[order]

    titles: list[str] = []
    emails: list[str] = []
    firsts: list[str] = []
    lasts: list[str] = []
    used: set[str] = set()
    for sen, tp, fi, la, st, no, co in zip(seniority.tolist(), title_pick.tolist(), first.tolist(), last.tolist(),
                                           style.tolist(), mail_no.tolist(), company.tolist()):
        options = JOB_TITLES[SENIORITIES[sen]]
        titles.append(options[tp % len(options)])
        fn, ln = FIRST_NAMES[fi], LAST_NAMES[la]
        firsts.append(fn)
        lasts.append(ln)
        f, l = fn.lower(), ln.lower()
        if st == 3:
            local, domain = f"{f}.{l}{no}", PERSONAL_EMAIL_DOMAINS[no % len(PERSONAL_EMAIL_DOMAINS)]
        else:
            local = f"{f}.{l}" if st == 0 else f"{f[0]}{l}" if st == 1 else f
            domain = companies.domain[co]
        email = f"{local}@{domain}"
        k = 1
        while email in used:  # two people must never share an address: it is the identity key
            k += 1
            email = f"{local}{k}@{domain}"
        used.add(email)
        emails.append(email)
    return Leads(company, country, seniority, titles, need, firsts, lasts, emails, style == 3,
                 fit, intent, engagement, t)
