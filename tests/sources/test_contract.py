"""The raw contract has one home, streams.py: the dbt sources and the raw suites' contract checks are
generated from it, and what is committed is what it generates."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lead_sla.cli import app
from lead_sla.quality.suites import load_suite
from lead_sla.sources.contract import ContractError, differing_files, generated_files, write_files
from lead_sla.sources.streams import STREAMS, STREAMS_BY_NAME, Column, Stream

from ..conftest import PROJECT_ROOT

runner = CliRunner()

CRM_SOURCES = Path("dbt_project/models/staging/crm/_crm__sources.yml")
MARKETING_SOURCES = Path("dbt_project/models/staging/marketing/_marketing__sources.yml")


def _replace_stream(name: str, **changes: object) -> tuple[Stream, ...]:
    return tuple(dataclasses.replace(s, **changes) if s.name == name else s for s in STREAMS)


def _with_column(stream: Stream, column: Column) -> tuple[Column, ...]:
    return (*stream.columns, column)


def test_what_is_committed_is_what_streams_py_generates() -> None:
    assert differing_files(PROJECT_ROOT) == [], "run `lead-sla dev contract` and commit what it writes"


def _contract_copy(tmp_path: Path) -> Path:
    """The generated files of the checkout, copied under a project root of their own."""
    for generated in generated_files():
        target = tmp_path / generated.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PROJECT_ROOT / generated.path, target)
    return tmp_path


@pytest.mark.parametrize(
    ("streams", "differing"),
    [
        pytest.param(
            _replace_stream("contacts", columns=tuple(
                dataclasses.replace(c, values=(*c.values, "nurture")) if c.name == "lead_status" else c
                for c in STREAMS_BY_NAME["contacts"].columns)),
            [CRM_SOURCES, Path("expectations/raw/contract/contacts.yml")],
            id="enum-value-added",
        ),
        pytest.param(
            _replace_stream("web_sessions", columns=_with_column(STREAMS_BY_NAME["web_sessions"], Column("device"))),
            [MARKETING_SOURCES, Path("expectations/raw/contract/web_sessions.yml")],
            id="column-added",
        ),
        pytest.param(
            _replace_stream("deals", columns=tuple(
                dataclasses.replace(c, required=True, why="A deal without its owner wins for nobody.")
                if c.name == "owner_id" else c for c in STREAMS_BY_NAME["deals"].columns)),
            [CRM_SOURCES, Path("expectations/raw/contract/deals.yml")],
            id="column-made-required",
        ),
        pytest.param(
            tuple(s for s in STREAMS if s.name != "user_absences"),
            [CRM_SOURCES, Path("expectations/raw/contract/user_absences.yml")],
            id="stream-removed",
        ),
    ],
)
def test_a_change_to_streams_py_is_a_difference_until_regenerated(
    tmp_path: Path, streams: tuple[Stream, ...], differing: list[Path]
) -> None:
    root = _contract_copy(tmp_path)
    assert differing_files(root, streams) == differing
    assert write_files(root, streams) == differing
    assert differing_files(root, streams) == []


def test_the_generated_suite_checks_what_streams_py_declares(tmp_path: Path) -> None:
    """A required column gets a critical not-null check with its why, a new enum value its set."""
    streams = _replace_stream("deals", columns=tuple(
        dataclasses.replace(c, required=True, why="A deal without its owner wins for nobody.") if c.name == "owner_id"
        else dataclasses.replace(c, kind="enum", values=("open", "won", "lost")) if c.name == "stage" else c
        for c in STREAMS_BY_NAME["deals"].columns))
    root = _contract_copy(tmp_path)
    write_files(root, streams)
    checks = yaml.safe_load((root / "expectations/raw/contract/deals.yml").read_text())["expectations"]
    assert {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "owner_id"}, "severity": "critical",
            "why": "A deal without its owner wins for nobody."} in checks
    assert [e["kwargs"]["value_set"] for e in checks
            if e["type"] == "expect_column_values_to_be_in_set" and e["kwargs"]["column"] == "stage"] == [["open", "won", "lost"]]
    sources = yaml.safe_load((root / CRM_SOURCES).read_text())["sources"][0]["tables"]
    deals = next(t for t in sources if t["name"] == "deals")
    assert {"name": "stage", "description": "enum as text; one of open, won, lost"} in deals["columns"]


def test_a_required_column_must_say_why() -> None:
    streams = _replace_stream("deals", columns=tuple(
        dataclasses.replace(c, required=True) if c.name == "owner_id" else c for c in STREAMS_BY_NAME["deals"].columns))
    with pytest.raises(ContractError, match=r"stream 'deals', column 'owner_id' is required but says no `why`"):
        generated_files(streams)


def test_an_enum_without_values_is_refused() -> None:
    streams = _replace_stream("deals", columns=tuple(
        dataclasses.replace(c, kind="enum") if c.name == "stage" else c for c in STREAMS_BY_NAME["deals"].columns))
    with pytest.raises(ContractError, match=r"stream 'deals', enum column 'stage' lists no values"):
        generated_files(streams)


def test_every_raw_suite_joins_its_generated_contract() -> None:
    """The suite a run validates is the contract checks followed by the suite's own (freshness)."""
    for stream in STREAMS:
        suite = load_suite(PROJECT_ROOT / "expectations" / "raw" / f"{stream.name}.yml").spec
        contract = yaml.safe_load((PROJECT_ROOT / "expectations/raw/contract" / f"{stream.name}.yml").read_text())
        assert suite.table == f"raw.{stream.name}" and suite.key == (stream.key,)
        assert [e.label for e in suite.expectations[:len(contract["expectations"])]] == [
            e.get("name") or _label(e) for e in contract["expectations"]
        ]


def _label(expectation: dict) -> str:
    kwargs = expectation["kwargs"]
    columns = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return f"{expectation['type']}({', '.join(columns)})"


def _project(tmp_path: Path) -> Path:
    root = _contract_copy(tmp_path / "project")
    (root / "pyproject.toml").write_text("[project]\nname = 'copy'\n")
    return root


def test_dev_contract_check_names_each_differing_file_and_writing_fixes_them(tmp_path: Path) -> None:
    root = _project(tmp_path)
    env = {"LEAD_SLA_PROJECT_ROOT": str(root)}
    assert runner.invoke(app, ["dev", "contract", "--check"], env=env).exit_code == 0

    suite = root / "expectations/raw/contract/contacts.yml"
    suite.write_text(suite.read_text().replace("do_not_contact", "do_not_call"))
    (root / MARKETING_SOURCES).unlink()
    checked = runner.invoke(app, ["dev", "contract", "--check"], env=env)
    assert checked.exit_code == 1
    assert "differs from streams.py: dbt_project/models/staging/marketing/_marketing__sources.yml" in checked.output
    assert "differs from streams.py: expectations/raw/contract/contacts.yml" in checked.output
    assert "2 generated file(s) differ" in checked.output
    assert "do_not_call" in suite.read_text(), "--check writes nothing"

    written = runner.invoke(app, ["dev", "contract"], env=env)
    assert written.exit_code == 0, written.output
    assert "wrote expectations/raw/contract/contacts.yml" in written.output
    assert runner.invoke(app, ["dev", "contract", "--check"], env=env).exit_code == 0
    assert (root / MARKETING_SOURCES).read_text() == (PROJECT_ROOT / MARKETING_SOURCES).read_text()
