/** The HTML report's style sheet (named by its hash in the page's Content-Security-Policy). */
export const STYLE = `
:root { color-scheme: light dark; --muted: #6b7280; --line: #d1d5db; --pass: #15803d; --fail: #b91c1c;
  --error: #b45309; --panel: rgba(127, 127, 127, 0.08); }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px;
  padding: 16px; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 17px; margin: 24px 0 8px; }
h3 { font-size: 14px; margin: 12px 0 4px; }
.muted { color: var(--muted); }
.badge { border-radius: 4px; color: #fff; display: inline-block; font-size: 12px; font-weight: 600;
  padding: 1px 6px; text-transform: uppercase; }
.passed { background: var(--pass); }
.failed { background: var(--fail); }
.errored { background: var(--error); }
.stats { display: grid; gap: 8px; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); margin: 12px 0; }
.stat { background: var(--panel); border-radius: 6px; padding: 8px 10px; }
.stat .value { font-size: 18px; font-weight: 600; }
.chart svg { display: block; max-width: 100%; }
.legend span { margin-right: 12px; }
.swatch { display: inline-block; height: 10px; margin-right: 4px; width: 10px; }
.k0 { background: #2563eb; fill: #2563eb; } .k1 { background: #7c3aed; fill: #7c3aed; }
.k2 { background: #a855f7; fill: #a855f7; } .k3 { background: #0d9488; fill: #0d9488; }
.k4 { background: #ea580c; fill: #ea580c; } .k5 { background: #6b7280; fill: #6b7280; }
.chart text { fill: currentColor; font-size: 12px; }
.controls { align-items: center; display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0; }
.controls button { background: var(--panel); border: 1px solid var(--line); border-radius: 4px; color: inherit;
  cursor: pointer; padding: 3px 8px; }
.controls button[aria-pressed="true"] { border-color: currentColor; font-weight: 600; }
.controls input { flex: 1; min-width: 220px; padding: 4px 6px; }
.table { border-top: 1px solid var(--line); }
.row { border-bottom: 1px solid var(--line); cursor: pointer; display: grid; gap: 8px;
  grid-template-columns: 48px minmax(120px, 2fr) 80px 56px 64px 88px minmax(120px, 3fr); padding: 4px 2px; }
.row.head { cursor: default; font-weight: 600; }
.row.head span[data-sort] { cursor: pointer; text-decoration: underline dotted; }
.row > span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.row:focus { outline: 2px solid #2563eb; }
.detail { background: var(--panel); border-bottom: 1px solid var(--line); padding: 8px 12px; }
pre { background: var(--panel); border-radius: 4px; margin: 4px 0; max-height: 32em; overflow: auto; padding: 6px;
  white-space: pre-wrap; word-break: break-word; overflow-wrap: anywhere; }
table.assertions { border-collapse: collapse; width: 100%; }
table.assertions td, table.assertions th { border-bottom: 1px solid var(--line); padding: 3px 6px; text-align: left;
  vertical-align: top; }
td.nested { padding-left: 24px; }
.pair { display: grid; gap: 8px; grid-template-columns: 1fr 1fr; }
.flip { border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; padding: 8px; }
.more { margin: 8px 0; }
.history .axis { stroke: var(--line); }
.history .pass-line { fill: none; stroke: #2563eb; stroke-width: 2; }
.history .pass-dot, .pass-swatch { background: #2563eb; fill: #2563eb; }
.history .cost-bar, .cost-swatch { background: #ea580c; fill: #ea580c; fill-opacity: 0.5; }
.history text { fill: currentColor; font-size: 12px; }
table.over-time { border-collapse: collapse; }
table.over-time td, table.over-time th { border-bottom: 1px solid var(--line); padding: 3px 6px; text-align: left; }
.verdicts span { font-family: monospace; margin-right: 2px; }
.v-p { color: var(--pass); } .v-f { color: var(--fail); } .v-e { color: var(--error); } .v-none { color: var(--muted); }
`
