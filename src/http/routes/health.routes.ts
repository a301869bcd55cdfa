import { Router } from 'express';

export interface HealthProbe {
  /** Each dependency and whether it answered. */
  check(): Promise<Record<string, boolean>>;
  /** True once the process is shutting down: balancers stop sending it work before it closes. */
  stopping?(): boolean;
}

/**
 * `/healthz`: the process is up. `/readyz`: it can serve, i.e. MongoDB and Redis answer and it is not
 * shutting down (else 503).
 */
export function healthRoutes(probe: HealthProbe): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (probe.stopping?.()) {
      res.status(503).json({ status: 'stopping' });
      return;
    }
    const checks = await probe.check();
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  return router;
}
