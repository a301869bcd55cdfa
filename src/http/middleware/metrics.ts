import type { RequestHandler } from 'express';
import { recordHttpRequest, routeLabel, statusClass } from '../../metrics/http.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Times every request into `chatref_http_request_duration_seconds`, labelled by the route pattern it
 * matched (known once the response ends). Live streams are left out: their duration is how long a
 * page stayed open, counted by `chatref_live_connections` instead.
 */
export function httpMetrics(): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.once('close', () => {
      if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
      recordHttpRequest(
        METHODS.has(req.method) ? req.method : 'other',
        routeLabel(req.baseUrl, req.route?.path),
        statusClass(res.statusCode, res.writableFinished),
        (performance.now() - started) / 1000,
      );
    });
    next();
  };
}
