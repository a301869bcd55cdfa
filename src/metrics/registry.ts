import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The process's one metrics registry. Every metric of the product lives in `definitions.ts` and is
 * registered here; `/metrics` renders exactly this registry, nothing global.
 */
export const registry = new Registry();

let processMetrics = false;

/**
 * Adds Node's own figures (CPU, memory, event-loop delay, GC) once per process. Only when metrics are
 * served: the event-loop monitor is the one default collector that costs anything while idle.
 */
export function enableProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry, prefix: 'chatref_' });
}

/** The Prometheus text exposition of the registry. */
export function renderMetrics(): Promise<string> {
  return registry.metrics();
}

export const METRICS_CONTENT_TYPE = registry.contentType;
