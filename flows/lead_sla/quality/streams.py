"""Checks that need a source stream the night did not have: skipped and recorded as skipped.

Every stream but contacts and lifecycle changes is optional. A check over an absent stream would
pass on nothing (every session counted once, when there are no sessions) or fail for no fault of
the data; neither is true, so it is not evaluated and its outcome says ``skipped`` and why.

What a check needs is declared in its suite: ``requires_streams`` on the suite (every expectation,
the row counts included) or on one expectation. A raw suite guarding ``raw.<stream>`` of an optional
stream needs that stream without saying so. Which streams the night had is read from
``ops.night_streams`` (written by the build, ``lead_sla.ops.streams``); a warehouse without that
record skips nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lead_sla.quality.engine import BoundExpectation
from lead_sla.quality.outcomes import ExpectationOutcome
from lead_sla.quality.suites import ExpectationSpec, Suite
from lead_sla.sources.check import REQUIRED_STREAMS
from lead_sla.sources.streams import STREAMS

SKIPPED_PREFIX = "skipped: "
_OPTIONAL = frozenset(stream.name for stream in STREAMS) - frozenset(REQUIRED_STREAMS)


def suite_streams(suite: Suite) -> tuple[str, ...]:
    """The optional streams every check of ``suite`` needs: its declaration, and for a raw suite
    of an optional stream, that stream."""
    streams = list(suite.spec.requires_streams)
    schema, name = suite.spec.table.split(".", 1)
    if suite.stage == "raw" and schema == "raw" and name in _OPTIONAL:
        streams.append(name)
    return tuple(dict.fromkeys(streams))


def expectation_streams(suite: Suite, spec: ExpectationSpec) -> tuple[str, ...]:
    """The optional streams one expectation of ``suite`` needs (the suite's and its own)."""
    return tuple(dict.fromkeys([*suite_streams(suite), *spec.requires_streams]))


def skip_reason(missing: Iterable[str]) -> str:
    """The observed value of a skipped check: which streams the night had no data for."""
    names = sorted(missing)
    return (f"{SKIPPED_PREFIX}no {', '.join(names)} data in this build (an optional stream the source mapping does not "
            f"provide, or that is empty); the check needs {'it' if len(names) == 1 else 'them'}")


def skipped_outcome(suite: Suite, spec: ExpectationSpec, missing: Iterable[str]) -> ExpectationOutcome:
    return ExpectationOutcome(suite.name, suite.spec.table, spec.label, spec.type, spec.severity, None,
                              skip_reason(missing), None, None, spec.why)


def split_by_streams(
    suite: Suite, bound: Sequence[BoundExpectation], absent: frozenset[str]
) -> tuple[list[BoundExpectation], list[ExpectationOutcome]]:
    """The expectations of ``suite`` to evaluate, and the skipped outcomes of those needing an absent stream."""
    evaluate: list[BoundExpectation] = []
    skipped: list[ExpectationOutcome] = []
    for b in bound:
        missing = [s for s in expectation_streams(suite, b.spec) if s in absent]
        if missing:
            skipped.append(skipped_outcome(suite, b.spec, missing))
        else:
            evaluate.append(b)
    return evaluate, skipped
