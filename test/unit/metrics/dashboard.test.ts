import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import '../../../src/metrics/definitions.js';
import { enableProcessMetrics, registry } from '../../../src/metrics/registry.js';

const dashboard = JSON.parse(
  readFileSync(new URL('../../../docs/grafana-dashboard.json', import.meta.url), 'utf8'),
) as { panels: { type: string; title: string; targets?: { expr: string }[] }[] };

describe('the sample Grafana dashboard', () => {
  it('queries only metrics the processes expose, one panel per figure operators watch', async () => {
    enableProcessMetrics();
    const exposed = new Set((await registry.getMetricsAsJSON()).map((metric) => metric.name));
    const queried = dashboard.panels
      .flatMap((panel) => panel.targets ?? [])
      .flatMap((target) => target.expr.match(/chatref_\w+/g) ?? [])
      .map((name) => name.replace(/_(bucket|count|sum)$/, ''));
    expect(queried.length).to.be.greaterThan(10);
    for (const name of queried) expect(exposed, name).to.include(name);
    for (const name of [
      'chatref_http_request_duration_seconds',
      'chatref_queue_jobs',
      'chatref_jobs_finished_total',
      'chatref_sla_timer_lateness_seconds',
      'chatref_handoff_reasons_total',
      'chatref_sla_warnings_total',
      'chatref_sla_breaches_total',
      'chatref_model_request_duration_seconds',
      'chatref_model_tokens_total',
      'chatref_live_connections',
    ])
      expect(queried, `a panel for ${name}`).to.include(name);
  });
});
