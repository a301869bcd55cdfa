import { Router } from 'express';
import { z } from 'zod';
import type { ChatService } from '../../chat/chat.service.js';
import { recordAnswerFeedback } from '../../conversations/index.js';
import type { AnyDomainEvent } from '../../events/index.js';
import type { LiveHub, TransientChannel } from '../../live/index.js';
import { requireSession } from '../middleware/session.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be a conversation id');
const postSchema = z.object({
  conversationId: objectId,
  clientId: z.string().trim().min(8).max(100),
  text: z.string().max(20_000),
});
const handoffSchema = z.object({ conversationId: objectId });
const feedbackSchema = z.object({ value: z.enum(['up', 'down']) });

/** How a stored event reaches the learner's page: the SSE event type and what it carries. */
function learnerFrame(event: AnyDomainEvent): { type: string; data: unknown } | null {
  if (event.name === 'message.posted') return { type: 'message', data: { message: event.payload.message } };
  if (event.name.startsWith('conversation.') && 'to' in event.payload) {
    const payload = event.payload as { to: string; assignee?: { name?: string } };
    return {
      type: 'conversation',
      data: {
        conversation: { id: event.conversationId, status: payload.to, assigneeName: payload.assignee?.name },
      },
    };
  }
  return null;
}

/** The learner chat API: thread, messages, handoff, feedback, and the live channel (SSE). */
export function chatRoutes(deps: {
  secret: string;
  chat: ChatService;
  hub: LiveHub;
  transient: TransientChannel;
}): Router {
  const router = Router();
  const session = requireSession(deps.secret);

  router.get('/api/chat', session, async (_req, res) => {
    res.json(await deps.chat.open(res.locals.session));
  });

  router.post('/api/chat/messages', session, async (req, res) => {
    const input = postSchema.parse(req.body);
    res.status(201).json(await deps.chat.post(res.locals.session, input));
  });

  router.post('/api/chat/handoff', session, async (req, res) => {
    res.json(await deps.chat.askForPerson(res.locals.session, handoffSchema.parse(req.body)));
  });

  router.post('/api/chat/messages/:id/feedback', session, async (req, res) => {
    const { value } = feedbackSchema.parse(req.body);
    const { tenantId, userId } = res.locals.session;
    await recordAnswerFeedback({ tenantId, userId, messageId: String(req.params.id), value });
    res.status(204).end();
  });

  // Server-Sent Events for the learner's own thread: stored events carry ids (resume with Last-Event-ID),
  // streamed tokens and typing signals do not.
  router.get('/api/chat/events', session, async (req, res) => {
    const current = res.locals.session;
    const { conversation } = await deps.chat.open(current);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const write = (type: string, data: unknown, id?: number) => {
      res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const lastEventId = req.get('last-event-id');
    const registration = deps.hub.register(
      {
        audience: 'learner',
        tenantId: current.tenantId,
        conversationId: conversation.id,
        userId: current.userId,
      },
      (event) => {
        const frame = learnerFrame(event);
        if (frame) write(frame.type, frame.data, event.seq);
      },
      { lastEventId: lastEventId && /^\d+$/.test(lastEventId) ? Number(lastEventId) : undefined },
    );
    const stopTransient = deps.transient.listen(conversation.id, (signal) => write(signal.type, signal.data));
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 25_000);
    req.on('close', () => {
      clearInterval(heartbeat);
      stopTransient();
      registration.close();
    });
  });

  return router;
}
