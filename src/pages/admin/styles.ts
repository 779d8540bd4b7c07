/**
 * The dashboard's stylesheet, served from the issuer's origin (CSP style-src 'self'; no inline styles,
 * so bars are <meter> elements, not style attributes). Laptop-first: a top bar, then content up to
 * 84rem wide; the client list and its detail panel sit side by side above 72rem.
 */
export const ADMIN_STYLESHEET = `
:root { color-scheme: light dark; --fg:#1b1f24; --muted:#57606a; --bg:#f6f8fa; --card:#fff; --line:#d0d7de;
  --field:#8c959f; --accent:#0b57d0; --accent-fg:#fff; --danger:#b42318; --danger-fg:#fff; --danger-bg:#fef3f2;
  --ok:#1a7f37; --ok-bg:#dafbe1; --warn-bg:#fff8e1; --warn-fg:#6b4e00; --chip:#eef1f4; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6edf3; --muted:#9aa4ae; --bg:#0d1117; --card:#161b22;
  --line:#30363d; --field:#6e7681; --accent:#5b9cff; --accent-fg:#0d1117; --danger:#ff7b72; --danger-fg:#0d1117;
  --danger-bg:#2d1214; --ok:#3fb950; --ok-bg:#12261a; --warn-bg:#3d2e00; --warn-fg:#f2cc60; --chip:#21262d; } }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); text-underline-offset: 2px; }
header.top { display:flex; align-items:center; gap:1.5rem; padding:.6rem 1.5rem; background:var(--card);
  border-bottom:1px solid var(--line); flex-wrap: wrap; }
header.top .brand { font-weight:700; margin-right:.5rem; }
nav.main ul { display:flex; gap:.25rem; list-style:none; margin:0; padding:0; flex-wrap: wrap; }
nav.main a { display:block; padding:.35rem .7rem; border-radius:6px; color:var(--fg); text-decoration:none; }
nav.main a[aria-current=page] { background:var(--chip); font-weight:600; }
nav.main a:hover { background:var(--chip); }
header.top .who { margin-left:auto; color:var(--muted); font-size:.9rem; display:flex; gap:.75rem; align-items:center; }
main { max-width: 84rem; margin: 0 auto; padding: 1.25rem 1.5rem 3rem; }
@media (max-width: 30rem) { main { padding: 1rem .75rem 2rem; } header.top { padding:.6rem .75rem; gap:.75rem; } }
h1 { font-size:1.35rem; margin:.25rem 0 1rem; }
h2 { font-size:1.05rem; margin:1.25rem 0 .5rem; }
p { margin:.4rem 0 .8rem; }
.muted { color:var(--muted); font-size:.9rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:1rem 1.25rem; }
.grid { display:grid; gap:1rem; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); }
.stat { font-size:1.8rem; font-weight:700; margin:.1rem 0; }
.split { display:grid; gap:1rem; grid-template-columns: minmax(0, 1fr); align-items:start; }
.split > *, .grid > * { min-width:0; }
@media (min-width: 72rem) { .split.with-panel { grid-template-columns: minmax(0, 1.4fr) minmax(0, 1fr); } }
table { width:100%; border-collapse: collapse; background:var(--card); }
th, td { text-align:left; padding:.45rem .6rem; border-bottom:1px solid var(--line); vertical-align: top; }
th { font-size:.8rem; text-transform: uppercase; letter-spacing:.03em; color:var(--muted); font-weight:600; }
tr[aria-current=true] td { background:var(--chip); }
td.wrap, dd { word-break: break-word; }
/* A table wider than the screen scrolls inside its card, never the page (390 px phones). */
.table-card { border:1px solid var(--line); border-radius:10px; overflow-x:auto; }
aside table { display:block; overflow-x:auto; }
form.filters { display:flex; gap:.75rem; align-items:end; flex-wrap: wrap; margin-bottom:1rem; }
form.filters label { display:flex; flex-direction:column; font-size:.85rem; font-weight:600; gap:.2rem; }
label { font-weight:600; }
.field { display:flex; flex-direction:column; gap:.25rem; margin:.75rem 0; }
.field .hint { font-weight:400; }
input[type=text], input[type=email], input[type=password], input[type=search], input[type=date], select, textarea {
  font: inherit; padding:.4rem .55rem; border:1px solid var(--field); border-radius:6px; background:var(--card); color:inherit; }
textarea { min-height: 5rem; width:100%; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:.85rem; }
input.secret { width:100%; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
fieldset { border:1px solid var(--line); border-radius:8px; margin:.75rem 0; padding:.5rem .9rem; }
fieldset label { font-weight:400; display:block; margin:.2rem 0; }
button { font: inherit; font-weight:600; padding:.4rem .85rem; border-radius:6px; border:1px solid var(--field);
  background:var(--card); color:inherit; cursor:pointer; }
button.primary { background:var(--accent); color:var(--accent-fg); border-color:var(--accent); }
button.danger { color:var(--danger); border-color:var(--danger); }
button.danger.primary { background:var(--danger); color:var(--danger-fg); }
button:hover { filter: brightness(0.96); }
input:focus-visible, button:focus-visible, a:focus-visible, select:focus-visible, textarea:focus-visible {
  outline: 3px solid var(--accent); outline-offset: 2px; }
.actions { display:flex; gap:.5rem; flex-wrap: wrap; margin:.75rem 0; align-items:center; }
.actions form { margin:0; }
.badge { display:inline-block; font-size:.72rem; font-weight:700; padding:.05rem .5rem; border-radius:999px;
  border:1px solid var(--line); background:var(--chip); white-space:nowrap; }
.badge.ok { color:var(--ok); background:var(--ok-bg); border-color:transparent; }
.badge.off { color:var(--danger); background:var(--danger-bg); border-color:transparent; }
.badge.warn { color:var(--warn-fg); background:var(--warn-bg); border-color:transparent; }
.notice { border-left:4px solid var(--ok); background:var(--ok-bg); padding:.5rem .8rem; border-radius:4px; }
.alert { border-left:4px solid var(--danger); background:var(--danger-bg); padding:.5rem .8rem; border-radius:4px; }
.warning { background:var(--warn-bg); color:var(--warn-fg); border-radius:8px; padding:.5rem .8rem; }
dl { display:grid; grid-template-columns: max-content 1fr; gap:.3rem 1rem; margin:.5rem 0; }
dt { color:var(--muted); }
dd { margin:0; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:.85em; }
pre { background:var(--chip); padding:.6rem .8rem; border-radius:6px; overflow:auto; max-height: 22rem; }
meter { width: calc(100% - 3rem); height: .9rem; vertical-align: middle; margin-right:.4rem; }
.card.narrow { max-width: 48rem; }
caption { text-align:left; padding:.45rem .6rem; caption-side: top; }
td.time { white-space: nowrap; }
.card > h2:first-child { margin-top:0; }
.stack > * + * { margin-top:1rem; }
section.resource form { max-width: 48rem; }
.settings { grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); }
.settings dl dl { margin:0; }
li.item + li.item { border-top:1px solid var(--line); padding-top:.4rem; margin-top:.4rem; }
form.filters input, form.filters select { height: 2.25rem; }
ul.plain { list-style:none; padding:0; margin:0; }
.pager { display:flex; gap:1rem; margin:.75rem 0; }
`;
