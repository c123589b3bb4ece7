"""Great Expectations Data Docs for the runs' results, in a folder of static HTML.

GE's context stays ephemeral (nothing of GE's configuration is kept in the repository). To let the
site show more than the last call, the validation results GE renders are kept as JSON beside
the pages, in ``<docs_dir>/_validation_results/``, for the last ``keep_runs`` runs; a rerun of
the same run id and stage replaces its own results. The raw and marts stages of one run are two
calls, so both appear. The suite pages of the stage are rendered each time, from the suite files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timezone
from pathlib import Path

import great_expectations as gx
from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from lead_sla.quality.engine import BoundExpectation
from lead_sla.quality.suites import Suite

SITE_NAME = "lead_sla"
RESULTS_FOLDER = "_validation_results"
DEFAULT_KEEP_RUNS = 60


def _context(docs_dir: Path) -> gx.data_context.EphemeralDataContext:
    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    stores = dict(defaults.stores)
    stores[defaults.validation_results_store_name] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir / RESULTS_FOLDER),
        },
    }
    config = DataContextConfig(
        store_backend_defaults=defaults,
        stores=stores,
        validation_results_store_name=defaults.validation_results_store_name,
        data_docs_sites={
            SITE_NAME: {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "show_how_to_buttons": False},
            }
        },
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _run_time(key: ValidationResultIdentifier) -> datetime:
    value = key.run_id.run_time
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def build_data_docs(
    docs_dir: Path,
    *,
    suites: Sequence[tuple[Suite, Sequence[BoundExpectation]]],
    results: Mapping[str, ExpectationSuiteValidationResult],
    run_id: str,
    run_date: date,
    stage: str,
    validated_at: datetime,
    keep_runs: int = DEFAULT_KEEP_RUNS,
) -> Path:
    """Store this call's suite results and (re)build the site; returns the path of ``index.html``."""
    docs_dir = docs_dir.resolve()
    docs_dir.mkdir(parents=True, exist_ok=True)
    context = _context(docs_dir)
    for suite, bound in suites:
        context.suites.add(gx.ExpectationSuite(
            name=suite.name,
            expectations=[b.gx.copy(deep=True) for b in bound],
            meta={"stage": suite.stage, "description": suite.spec.description, "source": suite.path.name},
        ))

    store = context.validation_results_store
    stage_suites = {s.name for s, _ in suites if s.stage == stage}
    for key in store.list_keys():
        if key.run_id.run_name == run_id and key.expectation_suite_identifier.name in stage_suites:
            store.remove_key(key)

    run = RunIdentifier(run_name=run_id, run_time=validated_at.replace(tzinfo=timezone.utc))
    fresh: list[ExpectationSuiteIdentifier | ValidationResultIdentifier] = [
        ExpectationSuiteIdentifier(name=name) for name in sorted(stage_suites)
    ]
    for suite_name, result in results.items():
        result.meta["run_id"] = run
        result.meta["validation_time"] = run.run_time
        result.meta["run_date"] = run_date.isoformat()
        result.meta["stage"] = stage
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name),
            run_id=run,
            batch_identifier=f"{stage}-{run_date.isoformat()}",
        )
        store.set(key, result)
        fresh.append(key)

    keys = store.list_keys()
    latest_by_run: dict[str, datetime] = {}
    for key in keys:
        name = key.run_id.run_name
        latest_by_run[name] = max(latest_by_run.get(name, _run_time(key)), _run_time(key))
    kept = set(sorted(latest_by_run, key=lambda n: latest_by_run[n], reverse=True)[:keep_runs])
    for key in keys:
        if key.run_id.run_name not in kept:
            store.remove_key(key)

    # Render only this call's pages and the suites; the index is rebuilt from every kept result
    # (and drops the pages of results no longer kept).
    context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=fresh)
    return docs_dir / "index.html"
