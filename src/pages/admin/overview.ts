import type { Overview } from '../../operations/views.js';
import { html } from '../layout.js';
import { adminPage, type FrameModel } from './layout.js';

/** Overview: clients per lane, and registrations and CIMD fetch failures per day (bars are <meter>s). */
export function renderOverview(m: { frame: FrameModel; admin: string; overview: Overview }): string {
  const o = m.overview;
  const lanes: [keyof Overview['clients'], string][] = [
    ['preregistered', 'Preregistered'],
    ['cimd', 'CIMD'],
    ['dcr', 'DCR'],
  ];
  const max = Math.max(1, ...o.days.flatMap((d) => [d.registrations, d.fetchFailures]));
  return adminPage(
    m.frame,
    html`<h1 id="page-title">Overview</h1>
<section class="grid" aria-label="Clients by lane">
${lanes.map(
  ([lane, label]) => html`<div class="card"><h2>${label} clients</h2>
<p class="stat">${o.clients[lane].active + o.clients[lane].disabled}</p>
<p class="muted">${o.clients[lane].active} active · ${o.clients[lane].disabled} disabled · <a href="${m.admin}/clients?source=${lane}">View</a></p></div>`,
)}
</section>
<h2 id="activity">Last ${o.days.length} days</h2>
<div class="table-card"><table aria-labelledby="activity">
<thead><tr><th scope="col">Day (UTC)</th><th scope="col">Registrations</th><th scope="col">CIMD fetch failures</th></tr></thead>
<tbody>${o.days.map(
      (d) => html`<tr><th scope="row">${d.day}</th>
<td><meter min="0" max="${max}" value="${d.registrations}" aria-label="Registrations on ${d.day}"></meter> ${d.registrations}</td>
<td><meter min="0" max="${max}" low="0.5" high="0.5" optimum="0" value="${d.fetchFailures}" aria-label="CIMD fetch failures on ${d.day}"></meter> ${d.fetchFailures}</td></tr>`,
    )}</tbody></table></div>`,
  );
}
