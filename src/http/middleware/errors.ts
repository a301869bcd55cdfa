import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { isMongoUnavailable } from '../../db/mongo.js';
import { AppError } from '../../lib/errors.js';
import { isRedisUnavailable } from '../../redis/connection.js';

/** Statuses body-parser and express raise for the client's own mistakes, with words a person understands. */
const CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  'entity.parse.failed': { status: 400, code: 'bad_request', message: 'The request body is not valid JSON.' },
  'entity.too.large': { status: 413, code: 'payload_too_large', message: 'The request body is too large.' },
  'encoding.unsupported': {
    status: 415,
    code: 'unsupported',
    message: 'The request body encoding is not supported.',
  },
  'charset.unsupported': {
    status: 415,
    code: 'unsupported',
    message: 'The request body charset is not supported.',
  },
};

/** Unknown routes: a JSON 404 naming what was asked for. */
export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: `Nothing at ${req.method} ${req.path}.` } });
};

/**
 * The one place errors become responses: our AppErrors and known client errors keep their message;
 * anything else is logged with the request id and answered with a generic message (no stack trace leaks).
 */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const requestId = String(req.id ?? '');
  if (res.headersSent) {
    req.log?.warn({ err: error }, 'error after response started');
    res.end();
    return;
  }
  if (error instanceof AppError) {
    if (error.status >= 500) req.log?.warn({ err: error }, error.message);
    // A person opening a page gets a page; API callers get JSON.
    if (req.method === 'GET' && req.accepts(['json', 'html']) === 'html') {
      res.status(error.status).render('message', { title: 'Chatref', message: error.message });
      return;
    }
    res.status(error.status).json({ error: { code: error.code, message: error.message } });
    return;
  }
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    const field = issue?.path.join('.') || 'request';
    res
      .status(400)
      .json({ error: { code: 'bad_request', message: `${field}: ${issue?.message ?? 'is not valid'}` } });
    return;
  }
  const known = CLIENT_ERRORS[(error as { type?: string })?.type ?? ''];
  if (known) {
    res.status(known.status).json({ error: { code: known.code, message: known.message } });
    return;
  }
  const status = Number((error as { status?: number })?.status);
  if (status >= 400 && status < 500) {
    const message = (error as { expose?: boolean }).expose
      ? (error as Error).message
      : 'The request was not valid.';
    res.status(status).json({ error: { code: 'bad_request', message } });
    return;
  }
  const down = isMongoUnavailable(error) ? 'database' : isRedisUnavailable(error) ? 'Redis' : undefined;
  if (down) {
    // A server restarting or failing over: the same request may work in a moment (the page retries).
    req.log?.warn({ err: error }, `${down} unavailable`);
    const message = `Chatref cannot reach its ${down === 'database' ? 'database' : 'queue and live-update service (Redis)'} right now. Please try again in a moment.`;
    res.setHeader('Retry-After', '5');
    if (req.method === 'GET' && req.accepts(['json', 'html']) === 'html') {
      res.status(503).render('message', { title: 'Chatref', message });
      return;
    }
    res.status(503).json({ error: { code: 'unavailable', message } });
    return;
  }
  req.log?.error({ err: error }, 'unhandled error');
  res.status(500).json({
    error: { code: 'internal', message: `Something went wrong on our side. Reference: ${requestId}` },
  });
};
