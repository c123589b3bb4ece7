"""The demo company's vocabulary: every categorical value the simulation writes.

The ICP configuration (config/icp.yml) and the dbt models match on these exact strings, so they
are defined once here. Lists are tuples: their order feeds seeded random draws, so reordering
them changes the generated data (but never its determinism).
"""

from __future__ import annotations

from datetime import date, timedelta

# --- the simulated vendor ---------------------------------------------------------------------

VENDOR_DOMAIN = "routewise.example"  # a reserved TLD: no real company is addressed
SITE = f"https://www.{VENDOR_DOMAIN}"

# --- profile attributes -----------------------------------------------------------------------

INDUSTRIES = (
    "software", "fintech", "healthcare", "manufacturing", "retail",
    "education", "logistics", "media", "government", "nonprofit",
)
INDUSTRY_WEIGHTS = (0.17, 0.09, 0.10, 0.11, 0.10, 0.08, 0.09, 0.09, 0.07, 0.10)

COMPANY_SIZE_BANDS = ("1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+")
# Lower bounds of the bands, for turning a CRM employee_count into its band.
COMPANY_SIZE_FLOORS = (1, 11, 51, 201, 1001, 5001)

REVENUE_BANDS = ("<1M", "1M-10M", "10M-50M", "50M-250M", "250M+")
REVENUE_FLOORS = (0.0, 1e6, 1e7, 5e7, 2.5e8)

NEEDS = ("lead_routing", "sla_reporting", "lead_scoring", "attribution", "other")
NEED_WEIGHTS = (0.27, 0.18, 0.22, 0.21, 0.12)

COUNTRIES = ("US", "CA", "GB", "DE", "PL", "FR", "ES", "BR", "IN", "AU")
COUNTRY_WEIGHTS = (0.38, 0.06, 0.11, 0.09, 0.06, 0.06, 0.05, 0.06, 0.08, 0.05)
# A representative UTC offset (hours) per country: when its people fill in forms and read e-mail.
COUNTRY_UTC_OFFSET = {"US": -5.5, "CA": -5.0, "GB": 0.0, "DE": 1.0, "PL": 1.0, "FR": 1.0,
                      "ES": 1.0, "BR": -3.0, "IN": 5.5, "AU": 10.0}
COUNTRY_PHONE_PREFIX = {"US": "+1", "CA": "+1", "GB": "+44", "DE": "+49", "PL": "+48", "FR": "+33",
                        "ES": "+34", "BR": "+55", "IN": "+91", "AU": "+61"}
COUNTRY_TLD = {"US": "com", "CA": "ca", "GB": "co.uk", "DE": "de", "PL": "pl", "FR": "fr",
               "ES": "es", "BR": "com.br", "IN": "in", "AU": "com.au"}

# Seniority levels as config/icp.yml names them, and job titles that make each recognisable.
SENIORITIES = ("c_level", "vp", "director", "manager", "individual")
SENIORITY_WEIGHTS = (0.06, 0.10, 0.18, 0.30, 0.36)
JOB_TITLES: dict[str, tuple[str, ...]] = {
    "c_level": ("CEO", "CTO", "CMO", "Chief Revenue Officer", "Chief Operating Officer", "Chief Marketing Officer"),
    "vp": ("VP Sales", "VP of Marketing", "VP Revenue Operations", "VP Customer Success", "VP Growth"),
    "director": ("Director of Sales", "Director of Marketing", "Director Revenue Operations",
                 "Director of Demand Generation", "Director, Sales Development"),
    "manager": ("Marketing Manager", "Sales Manager", "Revenue Operations Manager", "Demand Generation Manager",
                "Marketing Operations Manager", "Sales Development Manager", "Account Manager"),
    "individual": ("Marketing Analyst", "Sales Operations Analyst", "Data Engineer", "Marketing Specialist",
                   "CRM Specialist", "Sales Development Representative", "Growth Analyst", "Software Engineer"),
}
# A promotion moves a title one level up within the same function.
PROMOTIONS = {
    "Marketing Analyst": "Marketing Manager", "Sales Operations Analyst": "Revenue Operations Manager",
    "Marketing Specialist": "Marketing Manager", "CRM Specialist": "Marketing Operations Manager",
    "Sales Development Representative": "Sales Development Manager", "Growth Analyst": "Demand Generation Manager",
    "Marketing Manager": "Director of Marketing", "Sales Manager": "Director of Sales",
    "Revenue Operations Manager": "Director Revenue Operations",
    "Demand Generation Manager": "Director of Demand Generation",
    "Sales Development Manager": "Director, Sales Development",
    "Director of Sales": "VP Sales", "Director of Marketing": "VP of Marketing",
    "Director Revenue Operations": "VP Revenue Operations",
}

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra", "Steven", "Ashley",
    "Paul", "Emily", "Andrew", "Michelle", "Joshua", "Amanda", "Kenneth", "Melissa", "Kevin", "Laura",
    "Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Lukas", "Mia", "Felix", "Lena",
    "Jakub", "Zofia", "Piotr", "Anna", "Tomasz", "Katarzyna", "Louis", "Camille", "Hugo", "Chloe",
    "Pablo", "Lucia", "Javier", "Carmen", "Gabriel", "Beatriz", "Rafael", "Larissa", "Arjun", "Priya",
    "Rahul", "Ananya", "Vikram", "Sneha", "Jack", "Charlotte", "Noah", "Olivia", "Liam", "Sophie",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young",
    "Evans", "Hughes", "Wright", "Patel", "Shah", "Kumar", "Singh", "Sharma", "Mueller", "Schmidt",
    "Schneider", "Fischer", "Weber", "Becker", "Nowak", "Kowalski", "Wisniewski", "Wojcik", "Dubois", "Laurent",
    "Bernard", "Moreau", "Fernandez", "Ruiz", "Silva", "Santos", "Oliveira", "Costa", "Kelly", "Murphy",
)
COMPANY_NAME_STEMS = (
    "Acme", "Northwind", "Bluepeak", "Cobalt", "Vantor", "Brightline", "Keystone", "Lumen", "Orbital", "Pinecrest",
    "Quantix", "Redwood", "Silverleaf", "Tidal", "Umbra", "Vertex", "Westfield", "Zenith", "Alder", "Beacon",
    "Cascade", "Drift", "Ember", "Fjord", "Granite", "Harbor", "Ironclad", "Juniper", "Kestrel", "Lattice",
    "Meridian", "Nimbus", "Onyx", "Prism", "Quarry", "Ridge", "Summit", "Trellis", "Upland", "Vista",
)
COMPANY_NAME_SUFFIX = {
    "software": ("Labs", "Software", "Cloud", "Systems"), "fintech": ("Pay", "Capital", "Finance", "Ledger"),
    "healthcare": ("Health", "Care", "Medical", "Clinics"), "manufacturing": ("Industries", "Manufacturing", "Works", "Tools"),
    "retail": ("Retail", "Stores", "Market", "Goods"), "education": ("Learning", "Academy", "Education", "Schools"),
    "logistics": ("Logistics", "Freight", "Shipping", "Transport"), "media": ("Media", "Studios", "Press", "Publishing"),
    "government": ("Agency", "Council", "Authority", "Services"), "nonprofit": ("Foundation", "Trust", "Alliance", "Fund"),
}
PERSONAL_EMAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me")

# --- marketing --------------------------------------------------------------------------------

FORM_TYPES = ("newsletter", "content_download", "webinar", "contact_sales", "demo_request", "trial")
# Fields every form of a type asks, besides the 2-3 rotating profile fields.
FORM_BASE_FIELDS: dict[str, tuple[str, ...]] = {
    "newsletter": (),
    "content_download": ("first_name",),
    "webinar": ("first_name", "last_name"),
    "contact_sales": ("first_name", "last_name", "company_name"),
    "demo_request": ("first_name", "last_name", "company_name"),
    "trial": ("first_name", "last_name", "company_name"),
}
# The rotating profile questions of progressive forms, in the order a form asks what is not yet known.
PROFILE_FIELDS = ("job_title", "company_size", "industry", "country", "need", "annual_revenue", "company_domain", "phone", "last_name")

CHANNELS = ("paid_search", "organic_search", "social", "email", "referral", "display", "events", "partner")
# utm_source choices and the utm_medium of each channel: tags always agree with the campaign's channel.
CHANNEL_UTM: dict[str, tuple[tuple[str, ...], str]] = {
    "paid_search": (("google", "bing"), "cpc"),
    "organic_search": (("google", "bing"), "organic"),
    "social": (("linkedin", "facebook", "twitter"), "social"),
    "email": (("newsletter", "nurture"), "email"),
    "referral": (("g2", "capterra"), "referral"),
    "display": (("google_display", "criteo"), "display"),
    "events": (("saastr", "revops_summit"), "event"),
    "partner": (("hubspot_marketplace", "salesforce_appexchange"), "partner"),
}
# Where a visitor arriving through a utm_source came from.
SOURCE_REFERRER = {
    "google": "https://www.google.com/", "bing": "https://www.bing.com/",
    "linkedin": "https://www.linkedin.com/", "facebook": "https://www.facebook.com/", "twitter": "https://t.co/",
    "newsletter": None, "nurture": None,
    "g2": "https://www.g2.com/", "capterra": "https://www.capterra.com/",
    "google_display": "https://googleads.g.doubleclick.net/", "criteo": "https://www.criteo.com/",
    "saastr": "https://www.saastr.com/", "revops_summit": "https://revopssummit.example/",
    "hubspot_marketplace": "https://ecosystem.hubspot.com/", "salesforce_appexchange": "https://appexchange.salesforce.com/",
}
CAMPAIGN_THEMES = ("Lead routing", "SLA reporting", "Speed to lead", "Lead scoring", "Attribution", "RevOps")

BLOG_SLUGS = ("speed-to-lead-benchmarks", "mql-vs-sql", "round-robin-routing", "sla-between-sales-and-marketing",
              "lead-scoring-101", "attribution-models", "revops-stack-2026", "progressive-profiling")
WEBINAR_SLUGS = ("fix-your-lead-handoff", "sla-dashboards-live", "routing-at-scale", "revops-office-hours")
EBOOK_SLUGS = ("lead-routing-playbook", "marketing-sales-sla-template", "icp-workbook", "attribution-guide")
LANDING_PAGES = (
    "/", "/pricing", "/demo", "/trial", "/contact", "/product/routing", "/product/sla-reports", "/customers",
    *(f"/blog/{s}" for s in BLOG_SLUGS),
    *(f"/webinars/{s}" for s in WEBINAR_SLUGS),
    *(f"/ebook/{s}" for s in EBOOK_SLUGS),
)
PAGE_INDEX = {page: i for i, page in enumerate(LANDING_PAGES)}
PRICING_PAGE = PAGE_INDEX["/pricing"]
# Landing pages by the channel that brought the visitor (sessions tagged with a campaign).
CHANNEL_PAGES: dict[str, tuple[str, ...]] = {
    "paid_search": ("/", "/pricing", "/demo", "/product/routing", "/product/sla-reports"),
    "organic_search": tuple(f"/blog/{s}" for s in BLOG_SLUGS) + ("/", "/customers"),
    "social": tuple(f"/blog/{s}" for s in BLOG_SLUGS[:4]) + tuple(f"/ebook/{s}" for s in EBOOK_SLUGS),
    "email": tuple(f"/webinars/{s}" for s in WEBINAR_SLUGS) + tuple(f"/blog/{s}" for s in BLOG_SLUGS[4:]),
    "referral": ("/", "/customers", "/pricing"),
    "display": tuple(f"/ebook/{s}" for s in EBOOK_SLUGS) + ("/",),
    "events": tuple(f"/webinars/{s}" for s in WEBINAR_SLUGS) + ("/demo",),
    "partner": ("/", "/product/routing", "/pricing", "/trial"),
    "direct": ("/", "/customers", "/product/routing", "/demo", "/pricing", "/"),
}
UNTAGGED_REFERRERS = ("https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/",
                      "https://news.ycombinator.com/", "https://www.reddit.com/")

# --- CRM --------------------------------------------------------------------------------------

# Where the sales team sits: (IANA zone, ISO country).
# Offices: time zone, country and ISO 3166-2 subdivision (whose regional holidays the reps take).
REP_LOCATIONS = (
    ("America/New_York", "US", "US-NY"), ("America/Los_Angeles", "US", "US-CA"), ("Europe/London", "GB", "GB-ENG"),
    ("Europe/Warsaw", "PL", "PL-14"), ("Europe/Berlin", "DE", "DE-BE"),
)
MARKETING_LOCATION = REP_LOCATIONS[0]
WORK_HOURS = (("09:00", "17:00"), ("08:00", "16:00"), ("09:30", "18:00"))
# A rep's typical first-touch delay in business minutes: some reps are fast, some slow.
REP_SPEEDS = (25.0, 45.0, 90.0, 160.0, 300.0, 520.0)

DEAL_STAGES_OPEN = ("qualification", "discovery", "proposal", "negotiation")
LOST_REASONS = ("no_budget", "chose_competitor", "no_decision", "bad_timing", "missing_feature")
CONTACT_SOURCES = CHANNELS + ("direct",)


def company_size_band(employees: int) -> str:
    """The form band an employee count falls in."""
    band = 0
    for i, floor in enumerate(COMPANY_SIZE_FLOORS):
        if employees >= floor:
            band = i
    return COMPANY_SIZE_BANDS[band]


def revenue_band(revenue_usd: float) -> str:
    """The form band an annual revenue in USD falls in."""
    band = 0
    for i, floor in enumerate(REVENUE_FLOORS):
        if revenue_usd >= floor:
            band = i
    return REVENUE_BANDS[band]


def company_days_off(country: str, year: int) -> tuple[date, ...]:
    """Days off of the simulated company beyond the public holidays of the ``holidays`` library.

    They mirror the additions in config/holidays.yml (Christmas Eve and New Year's Eve everywhere,
    the day after Thanksgiving in the US, Reformation Day in the Berlin office) so that no simulated
    rep works on a day the business calendar counts as a day off. Removals there (e.g. sales works
    on Columbus Day) need no mirror: a rep resting on a working day is slow, never out of hours.
    """
    days = [date(year, 12, 24), date(year, 12, 31)]
    if country == "US":
        first = date(year, 11, 1)
        thanksgiving = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
        days.append(thanksgiving + timedelta(days=1))
    if country == "DE":
        days.append(date(year, 10, 31))
    return tuple(days)
