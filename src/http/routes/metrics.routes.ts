import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { METRICS_CONTENT_TYPE, renderMetrics } from '../../metrics/registry.js';

/** Whether an Authorization header carries exactly this bearer token (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const sent = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
  if (!sent) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `GET /metrics` in the Prometheus text format. Mounted only on the metrics listener (METRICS_PORT),
 * never on the public app; with METRICS_TOKEN set, a request without that bearer token gets 401.
 */
export function metricsRoutes(options: { token?: string }): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (options.token && !bearerMatches(req.headers.authorization, options.token)) {
      res
        .status(401)
        .set('www-authenticate', 'Bearer realm="metrics"')
        .type('text/plain')
        .send('Metrics need the bearer token set in METRICS_TOKEN (Authorization: Bearer <token>).\n');
      return;
    }
    try {
      res.set('content-type', METRICS_CONTENT_TYPE).send(await renderMetrics());
    } catch {
      res.status(500).type('text/plain').send('Metrics could not be collected.\n');
    }
  });
  return router;
}
