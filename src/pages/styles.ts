/** The one stylesheet of the hosted pages, served from the issuer's origin (CSP style-src 'self'). */
export const STYLESHEET = `
:root { color-scheme: light dark; --fg:#1b1f24; --muted:#57606a; --bg:#f6f8fa; --card:#fff; --line:#d0d7de;
  --field:#8c959f; --accent:#0b57d0; --accent-fg:#fff; --danger:#b42318; --danger-bg:#fef3f2; --warn-bg:#fff8e1;
  --warn-fg:#6b4e00; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6edf3; --muted:#9aa4ae; --bg:#0d1117; --card:#161b22;
  --line:#30363d; --field:#6e7681; --accent:#5b9cff; --accent-fg:#0d1117; --danger:#ff7b72; --danger-bg:#2d1214;
  --warn-bg:#3d2e00; --warn-fg:#f2cc60; } }
* { box-sizing: border-box; }
body { margin:0; min-height:100vh; display:flex; align-items:center; justify-content:center; background:var(--bg);
  color:var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; padding: 1rem; }
.card { width:100%; max-width: 28rem; background:var(--card); border:1px solid var(--line); border-radius: 12px;
  padding: 2rem; box-shadow: 0 1px 3px rgba(0,0,0,.06); }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
p { margin: .5rem 0 1rem; }
label { display:block; font-weight:600; margin: 1rem 0 .25rem; }
input[type=email], input[type=password], input[type=text] { width:100%; padding:.6rem .75rem; font: inherit;
  border:1px solid var(--field); border-radius:8px; background:transparent; color:inherit; }
input[aria-invalid=true] { border-color: var(--danger); }
a { color: var(--accent); text-underline-offset: 2px; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
button { font: inherit; font-weight:600; padding:.6rem 1.1rem; border-radius:8px; border:1px solid var(--line);
  background:transparent; color:inherit; cursor:pointer; }
button:not(.primary) { border-color: var(--field); }
button:hover { filter: brightness(0.95); }
button.primary { background:var(--accent); color:var(--accent-fg); border-color:var(--accent); }
.actions { display:flex; gap:.75rem; margin-top:1.5rem; flex-wrap: wrap; }
.actions.stack button { width: 100%; }
a.button { display:block; width:100%; box-sizing:border-box; text-align:center; font-weight:600; padding:.6rem 1.1rem;
  border-radius:8px; border:1px solid var(--field); color:inherit; text-decoration:none; }
.alert { border-left: 4px solid var(--danger); border-radius: 4px; padding:.6rem .8rem; background: var(--danger-bg);
  color: var(--fg); }
.warning { background:var(--warn-bg); color:var(--warn-fg); border-radius:8px; padding:.6rem .8rem; }
.muted { color: var(--muted); font-size: .9rem; }
dl { display:grid; grid-template-columns: max-content 1fr; gap:.35rem 1rem; margin: 1rem 0; }
dt { color: var(--muted); }
dd { margin:0; word-break: break-word; }
ul.scopes, ul.values { padding-left: 1.2rem; margin: .25rem 0; }
dl.explanation { grid-template-columns: 1fr; gap: .15rem; }
dl.explanation dd + dt { margin-top: .5rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; }
.badge { display:inline-block; font-size:.75rem; font-weight:700; padding:.1rem .45rem; border-radius: 999px;
  border:1px solid var(--line); margin-left:.35rem; vertical-align: middle; }
.client-logo { display:block; width:48px; height:48px; object-fit:contain; border-radius:8px; margin-bottom:.75rem; }
`;
