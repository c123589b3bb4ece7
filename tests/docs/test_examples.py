"""The README's analyst questions: each example query runs on a published demo and answers."""

from __future__ import annotations

import pytest

from tests.conftest import PROJECT_ROOT, PublishedDemo

EXAMPLES = sorted((PROJECT_ROOT / "docs" / "examples").glob("*.sql"))
pytestmark = pytest.mark.slow


def test_the_readme_shows_every_example():
    readme = (PROJECT_ROOT / "README.md").read_text()
    for example in EXAMPLES:
        assert example.read_text().strip() in readme, f"{example.name} is not in the README as written"


# Examples about closed handoff cohorts answer on the demo with history: the 30-day demo's only month is
# still inside its outcome window.
NEED_HISTORY = {"does_speed_win"}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_each_example_answers_on_the_published_copy(request: pytest.FixtureRequest, example):
    demo: PublishedDemo = request.getfixturevalue("published_history" if example.stem in NEED_HISTORY else "published")
    rows = demo.query(example.read_text())
    assert rows, f"{example.name} returned no rows on the published demo"



def test_the_dbt_docs_are_published_beside_the_data(published: PublishedDemo):
    assert published.settings.published_dir is not None
    page = published.settings.published_dir / "dbt_docs" / "index.html"
    text = page.read_text()
    # The static site embeds the manifest: every mart and its documented columns are in the page.
    for mart in ("fct_sales_sla", "fct_sales_sla_daily", "fct_marketing_sla", "dim_leads", "fct_icp_evidence"):
        assert mart in text
