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


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_each_example_answers_on_the_published_copy(published: PublishedDemo, example):
    rows = published.query(example.read_text())
    assert rows, f"{example.name} returned no rows on the published demo"

