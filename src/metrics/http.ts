import { metrics } from './definitions.js';

/** Route labels beyond this many distinct values count as `other`: a bug can never explode the series. */
const MAX_ROUTES = 300;

// A path segment that is a value rather than a name: Mongo ids, UUIDs, numbers, long tokens.
const VALUE_SEGMENT = /^(?:[0-9a-f]{24}|[0-9a-f-]{32,36}|\d+|[A-Za-z0-9_-]{40,})$/i;

/**
 * A route labeller: the express pattern a request matched (`/api/inbox/:id/claim`), its mount path plus
 * `/*` for a router or static files that answered without a route (`/public/*`), or `unmatched` (404s:
 * any URL a scanner tries must not become a label). Segments that look like values are masked in case a
 * mount path ever carries a parameter; past `max` distinct labels, new ones read `other`.
 */
export function routeLabeller(max = MAX_ROUTES): (baseUrl: string, routePath: unknown) => string {
  const seen = new Set<string>();
  // Most requests hit a handful of routes: their labels are remembered (up to a bound) so the hot path
  // is one map lookup, not a split and a regex per segment.
  const known = new Map<string, string>();
  return (baseUrl, routePath) => {
    const key = `${baseUrl}\u0000${String(routePath)}`;
    const hit = known.get(key);
    if (hit !== undefined) return hit;
    const label = compute(baseUrl, routePath);
    if (known.size < max * 4) known.set(key, label);
    return label;
  };

  function compute(baseUrl: string, routePath: unknown): string {
    let label: string;
    if (routePath !== undefined && routePath !== null) label = `${baseUrl}${String(routePath)}`;
    else if (baseUrl) label = `${baseUrl}/*`;
    else return 'unmatched';
    label = label
      .split('/')
      .map((segment) => (VALUE_SEGMENT.test(segment) ? ':value' : segment))
      .join('/');
    if (!seen.has(label)) {
      if (seen.size >= max) return 'other';
      seen.add(label);
    }
    return label;
  }
}

/** The process's route labeller (HTTP latency and live streams). */
export const routeLabel = routeLabeller();

/** `2xx`…`5xx`, or `aborted` when the client went away before the response ended. */
export function statusClass(statusCode: number, finished: boolean): string {
  if (!finished) return 'aborted';
  return `${Math.floor(statusCode / 100)}xx`;
}

export function recordHttpRequest(method: string, route: string, status: string, seconds: number): void {
  metrics.chatref_http_request_duration_seconds.labels(method, route, status).observe(seconds);
}
