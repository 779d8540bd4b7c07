import type { Overview } from '../../operations/views.js';
import { type Html, html } from '../layout.js';
import { adminPage, type FrameModel } from './layout.js';

/** Where the metrics are served (null: off), who may read them, and whether spans are made. */
export interface ObservabilityView {
  metricsUrl: string | null;
  protection: string;
  tracing: boolean;
}

/** Overview: clients per lane, and registrations and CIMD fetch failures per day (bars are <meter>s). */
export function renderOverview(m: {
  frame: FrameModel;
  admin: string;
  overview: Overview;
  observability: ObservabilityView;
}): string {
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
    )}</tbody></table></div>
${renderObservability(m.observability)}`,
  );
}

/** Metrics and tracing: a link to the Prometheus endpoint when it is on, how to turn it on when not. */
function renderObservability(o: ObservabilityView): Html {
  const metrics = o.metricsUrl
    ? html`<p>Prometheus metrics: <a href="${o.metricsUrl}">${o.metricsUrl}</a>, readable with ${o.protection}.</p>`
    : html`<p>Prometheus metrics are off. Set <code>"metrics": { "enabled": true }</code> to serve them.</p>`;
  const tracing = o.tracing
    ? html`<p>OpenTelemetry tracing is on: spans go to the tracer provider the application registered.</p>`
    : html`<p>OpenTelemetry tracing is off. Set <code>"tracing": { "enabled": true }</code> and register an SDK.</p>`;
  return html`<section class="card" aria-labelledby="observability"><h2 id="observability">Metrics and tracing</h2>
${metrics}${tracing}<p class="muted">Metric names, labels and suggested alerts: docs/operations.md, "Metrics and alerts".</p></section>`;
}
