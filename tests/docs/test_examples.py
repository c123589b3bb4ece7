"""The README's analyst questions: each example query runs on a published demo and answers."""

from __future__ import annotations

import pytest

from tests.support.project import PROJECT_ROOT
from tests.support.published import PublishedDemo

EXAMPLES = sorted((PROJECT_ROOT / "docs" / "examples").glob("*.sql"))
pytestmark = pytest.mark.slow


def test_the_readme_shows_every_example():
    readme = (PROJECT_ROOT / "README.md").read_text()
    for example in EXAMPLES:
        assert example.read_text().strip() in readme, f"{example.name} is not in the README as written"


# Examples about closed cohorts answer on the demo with history: the 30-day demo's only month is still
# inside its outcome window (handoffs) and its content window (engagements).
NEED_HISTORY = {"does_speed_win", "which_content_converts"}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_each_example_answers_on_the_published_copy(request: pytest.FixtureRequest, example):
    demo: PublishedDemo = request.getfixturevalue("published_history" if example.stem in NEED_HISTORY else "published")
    rows = demo.query(example.read_text())
    assert rows, f"{example.name} returned no rows on the published demo"



def test_the_dbt_docs_are_published_beside_the_data(published: PublishedDemo):
    page = published.settings.published_dir / "dbt_docs" / "index.html"
    text = page.read_text()
    # The static site embeds the manifest: every mart and its documented columns are in the page.
    for mart in ("fct_sales_sla", "fct_sales_sla_daily", "fct_marketing_sla", "dim_leads", "fct_icp_evidence"):
        assert mart in text


def test_the_data_quality_results_are_published_beside_the_data(published: PublishedDemo):
    """Every expectation the published run checked is on the page (its rows are in the warehouse's
    dq.validation_results, which is not published)."""
    import json

    import duckdb

    from lead_sla.publish.quality_page import results_page_path

    run_id = json.loads((published.settings.published_dir / "manifest.json").read_text())["run_id"]
    page = results_page_path(published.settings.published_dir).read_text()
    conn = duckdb.connect(str(published.settings.warehouse), read_only=True)
    try:
        checked = conn.execute("select count(*) from dq.validation_results where run_id = ?", [run_id]).fetchone()[0]
    finally:
        conn.close()
    assert f"<title>Data-quality checks — run {run_id} ({published.run_date})</title>" in page
    assert "<strong>Every critical check passed</strong>" in page and "Stages checked: raw, marts, scores." in page
    assert f"Published day: {published.run_date}." in page  # rewritten once the day was published
    in_stages = page.split('<h2 id="stage-', 1)[1]  # past the failed ones, which show twice
    assert checked > 250 and in_stages.count("<tr data-suite=") == checked
