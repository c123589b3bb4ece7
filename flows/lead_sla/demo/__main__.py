"""``python -m lead_sla.demo OUT [--leads N] [--days D] [--seed S] [--end-date YYYY-MM-DD]``.

For measuring and debugging the generator without the CLI; the CLI's ``generate`` command is the
supported way in.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from lead_sla.demo.generator import generate


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m lead_sla.demo")
    parser.add_argument("out", type=Path)
    parser.add_argument("--leads", type=int, default=3000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end-date", type=date.fromisoformat, default=date(2026, 10, 31))
    args = parser.parse_args()
    summary = generate(args.out, leads=args.leads, days=args.days, seed=args.seed, end_date=args.end_date)
    print(f"{summary.files_written} files, {summary.start_date}..{summary.end_date}, {summary.seconds:.1f}s")
    for stream, rows in summary.rows_per_stream.items():
        print(f"  {stream:<18} {rows:>12,}")
    print(f"  malformed rows: {len(summary.malformed_rows)}")


if __name__ == "__main__":
    main()
