"""The page around the sections: one HTML document with its stylesheet inline and no script.

Nothing here refers to anything outside the file (no fonts, stylesheets, images or scripts), so
the report opens offline, from an e-mail attachment or a file share, and prints cleanly.
"""

from __future__ import annotations

from jinja2 import Environment, StrictUndefined

STYLE = """
:root {
  --ink: #1f2933; --muted: #52606d; --line: #e3e6ea; --panel: #ffffff;
  --page: #f4f5f7; --accent: #1f5fa8; --accent-soft: #e8f0fa;
  --good: #0f7b55; --good-soft: #e3f4ec; --warn: #a15c00; --warn-soft: #fdf1dc;
  --bad: #b42318; --bad-soft: #fde8e6;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--page); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif;
  font-variant-numeric: tabular-nums;
}
a { color: var(--accent); }
a:focus-visible, summary:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; border-radius: 3px; }
.skip { position: absolute; left: -9999px; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem .75rem; z-index: 10; }
.wrap { max-width: 1120px; margin: 0 auto; padding: 0 24px; }
header.masthead { background: #14304f; color: #fff; padding: 28px 0 22px; }
header.masthead .eyebrow { margin: 0 0 4px; font-size: 13px; letter-spacing: .08em; text-transform: uppercase; color: #b8cbe0; }
header.masthead h1 { margin: 0; font-size: 30px; line-height: 1.2; font-weight: 700; }
header.masthead .meta { margin: 8px 0 0; color: #d4e0ec; font-size: 14px; }
header.masthead code { color: #fff; background: rgba(255,255,255,.12); padding: 1px 6px; border-radius: 4px; }
nav.toc { background: #fff; border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 5; }
nav.toc ul { list-style: none; margin: 0 auto; padding: 0 24px; max-width: 1120px; display: flex; flex-wrap: wrap; gap: 4px 22px; }
nav.toc a { display: inline-block; padding: 11px 0; color: var(--muted); text-decoration: none; font-weight: 600; font-size: 14px; }
nav.toc a:hover { color: var(--accent); }
main { padding: 8px 0 40px; }
section.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 22px 26px 24px; margin: 20px 0; }
section.panel > h2 { margin: 0 0 4px; font-size: 21px; }
.lede { margin: 0 0 16px; color: var(--muted); max-width: 78ch; }
.period { display: inline-block; font-size: 12px; font-weight: 600; color: var(--accent); background: var(--accent-soft); padding: 1px 8px; border-radius: 999px; margin-left: 6px; vertical-align: 3px; }
h3 { font-size: 16px; margin: 22px 0 8px; }
.grid-2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 8px 28px; align-items: start; }
.grid-2 > *, .reps > * { min-width: 0; }
figure { margin: 8px 0 16px; }
.chart-scroll { overflow-x: auto; }
figure .chart { display: block; height: auto; max-width: 100%; }
figcaption { font-weight: 700; font-size: 15px; margin: 0 0 6px; }
figcaption span { display: block; font-weight: 400; color: var(--muted); font-size: 13px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(148px, 1fr)); gap: 12px; margin: 10px 0 0; padding: 0; list-style: none; }
.kpi { border: 1px solid var(--line); border-top: 3px solid var(--accent); border-radius: 8px; padding: 12px 14px; background: #fbfcfd; }
.kpi .label { margin: 0; font-size: 13px; color: var(--muted); font-weight: 600; line-height: 1.3; min-height: 2.6em; }
.kpi .value { margin: 4px 0 0; font-size: 26px; font-weight: 700; line-height: 1.15; white-space: nowrap; }
.kpi .sub { margin: 4px 0 0; font-size: 13px; color: var(--muted); }
.badge { display: inline-block; font-size: 12px; font-weight: 700; padding: 1px 8px; border-radius: 999px; white-space: nowrap; }
.badge.good { color: var(--good); background: var(--good-soft); }
.badge.warn { color: var(--warn); background: var(--warn-soft); }
.badge.bad { color: var(--bad); background: var(--bad-soft); }
.badge.neutral { color: var(--muted); background: #eef0f3; }
/* A table wider than its column scrolls sideways inside its box, never clipped: a shadow at an edge
   says there is more (the shadows scroll with the content and disappear at its ends), and the
   scrollbar is kept visible where the platform allows. */
.table-scroll {
  overflow-x: auto; margin: 6px 0 10px; max-width: 100%;
  scrollbar-width: thin; scrollbar-color: #9aa5b1 transparent;
  background:
    linear-gradient(to right, #fff 30%, rgba(255,255,255,0)) left / 24px 100% no-repeat local,
    linear-gradient(to left, #fff 30%, rgba(255,255,255,0)) right / 24px 100% no-repeat local,
    radial-gradient(farthest-side at 0 50%, rgba(31,41,51,.18), rgba(31,41,51,0)) left / 10px 100% no-repeat scroll,
    radial-gradient(farthest-side at 100% 50%, rgba(31,41,51,.18), rgba(31,41,51,0)) right / 10px 100% no-repeat scroll;
}
.table-scroll::-webkit-scrollbar { height: 8px; }
.table-scroll::-webkit-scrollbar-thumb { background: #9aa5b1; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
caption { text-align: left; font-weight: 700; padding: 0 0 6px; font-size: 15px; }
caption span { display: block; font-weight: 400; font-size: 13px; color: var(--muted); }
th, td { padding: 6px 9px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); text-align: left; border-bottom: 2px solid #cfd5dc; vertical-align: bottom; line-height: 1.3; }
tbody th, tfoot th { text-align: left; white-space: nowrap; }
tbody th { font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
th.num { text-align: right; }
tfoot th, tfoot td { font-weight: 700; border-top: 2px solid #cfd5dc; border-bottom: 0; }
tbody tr:hover { background: #f8fafc; }
td.reasons { color: var(--muted); min-width: 18ch; }
td.text-wrap { min-width: 24ch; }
td.reasons ul { margin: 0; padding-left: 1.1em; }
.lead-name { font-weight: 600; }
.lead-company { display: block; color: var(--muted); font-size: 13px; }
details { margin: 4px 0 12px; }
summary { cursor: pointer; color: var(--accent); font-weight: 600; font-size: 14px; padding: 4px 0; }
.reps { display: grid; grid-template-columns: 1fr; gap: 16px; }
.rep { border: 1px solid var(--line); border-radius: 10px; padding: 14px 18px 6px; }
.rep h3 { margin: 0 0 6px; display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.rep h3 .count { font-weight: 400; color: var(--muted); font-size: 14px; }
.note { font-size: 13px; color: var(--muted); }
.empty { margin: 4px 0 0; padding: 14px 16px; border: 1px dashed #cfd5dc; border-radius: 8px; color: var(--muted); background: #fafbfc; }
footer { color: var(--muted); font-size: 13px; padding: 8px 0 40px; }
footer dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0 0; }
footer dt { font-weight: 600; color: var(--ink); }
footer dd { margin: 0; }
@media (max-width: 640px) {
  .wrap, nav.toc ul { padding: 0 14px; }
  nav.toc { position: static; }
  section.panel { padding: 16px; }
  .grid-2 { grid-template-columns: 1fr; }
  header.masthead h1 { font-size: 24px; }
  .rep { padding: 12px 12px 4px; }
  caption > span { max-width: calc(100vw - 64px); }
  table.list thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.list, table.list tbody, table.list tr { display: block; }
  table.list tr { display: grid; grid-template-columns: 2.2em 1fr; padding: 8px 0; border-bottom: 1px solid var(--line); }
  table.list th, table.list td { display: block; border: 0; padding: 2px 4px; text-align: left; }
  table.list td { grid-column: 2; }
  table.list td[data-label]:not(.reasons)::before { content: attr(data-label) ": "; color: var(--muted); font-size: 13px; }
}
@media print {
  body { background: #fff; }
  nav.toc { display: none; }
  section.panel { border: 0; padding: 0; break-inside: avoid-page; }
  details { display: block; }
  header.masthead { background: #fff; color: var(--ink); }
  header.masthead .meta, header.masthead .eyebrow { color: var(--muted); }
}
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="lead-sla report">
<title>{{ title }}</title>
<style>{{ style }}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the report</a>
<header class="masthead">
  <div class="wrap">
    <p class="eyebrow">lead-sla · nightly SLA report</p>
    <h1>{{ heading }}</h1>
    <p class="meta">{{ meta }}</p>
  </div>
</header>
<nav class="toc" aria-label="Sections">
  <ul>{% for anchor, name in sections %}<li><a href="#{{ anchor }}">{{ name }}</a></li>{% endfor %}</ul>
</nav>
<main id="main" class="wrap" data-report-date="{{ run_date }}">
{% for block in blocks %}{{ block }}
{% endfor %}
</main>
<footer class="wrap">
{{ footer }}
</footer>
</body>
</html>
"""


def render_page(*, title: str, heading: str, meta: str, run_date: str, sections: list[tuple[str, str]],
                blocks: list[str], footer: str) -> str:
    """The whole document. ``blocks`` and ``footer`` are trusted HTML (built with escaping by the
    section builders); every other argument is text and is escaped."""
    from markupsafe import Markup

    env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    return env.from_string(TEMPLATE).render(
        title=title, heading=heading, meta=meta, run_date=run_date, sections=sections,
        blocks=[Markup(b) for b in blocks], footer=Markup(footer), style=Markup(STYLE),
    )
