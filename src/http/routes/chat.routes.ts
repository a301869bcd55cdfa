import { Router } from 'express';
import { z } from 'zod';
import type { ChatService } from '../../chat/chat.service.js';
import { messageTextSchema } from '../../conversations/message-limit.js';
import type { AnyDomainEvent, TransitionPayload } from '../../events/index.js';
import type {
  ChatConversationFrame,
  ChatFrame,
  ChatMessageFrame,
  LiveHub,
  TransientChannel,
} from '../../live/index.js';
import { getFollowUpPreference, setFollowUpPreference } from '../../notify/follow-up-preference.js';
import type { LearnerPresence } from '../../notify/follow-up-presence.js';
import { openEventStream } from '../event-stream.js';
import { requireSession } from '../middleware/session.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be a conversation id');
/** A learner message: its text at most the product's limit (the tenant's lower one is the store's check). */
const postSchemaFor = (messageMaxChars: number) =>
  z.object({
    conversationId: objectId,
    clientId: z.string().trim().min(8).max(100),
    text: messageTextSchema(messageMaxChars),
  });
const handoffSchema = z.object({ conversationId: objectId });
const feedbackSchema = z.object({ value: z.enum(['up', 'down']) });
const preferencesSchema = z
  .object({ followUpEmail: z.boolean({ message: 'followUpEmail must be true or false' }) })
  .strict();

/** How a stored event of the learner's thread reaches their page, if it does. */
function learnerFrame(
  event: AnyDomainEvent,
  conversationId: string,
): ChatMessageFrame | ChatConversationFrame | null {
  if (event.name === 'message.posted') return { type: 'message', data: { message: event.payload.message } };
  if (event.name.startsWith('conversation.') && 'to' in event.payload) {
    const payload = event.payload as TransitionPayload & { assignee?: { name?: string } };
    return {
      type: 'conversation',
      data: {
        conversation: {
          id: conversationId,
          status: payload.to,
          assigneeName: payload.assignee?.name,
        },
      },
    };
  }
  return null;
}

/**
 * One timer for every open live connection (not one each): every 25 s a comment line keeps proxies from
 * closing idle streams. Connections are visited in slices so ten thousand of them never block the loop.
 */
class Heartbeats {
  private readonly connections = new Set<{ write(chunk: string): unknown }>();
  private timer?: NodeJS.Timeout;

  add(connection: { write(chunk: string): unknown }): () => void {
    this.connections.add(connection);
    if (!this.timer) {
      this.timer = setInterval(() => this.beat(), 25_000);
      this.timer.unref();
    }
    return () => {
      this.connections.delete(connection);
      if (this.connections.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private beat() {
    const all = [...this.connections];
    const slice = (from: number) => {
      for (const connection of all.slice(from, from + 1000))
        if (this.connections.has(connection)) connection.write(': keep-alive\n\n');
      if (from + 1000 < all.length) setImmediate(() => slice(from + 1000));
    };
    slice(0);
  }
}

/** The learner chat API: thread, messages, handoff, feedback, and the live channel (SSE). */
export function chatRoutes(deps: {
  secret: string;
  chat: ChatService;
  hub: LiveHub;
  transient: TransientChannel;
  /** Learner presence for follow-up emails (whether the learner is on the chat, and since when). */
  presence?: LearnerPresence;
}): Router {
  const router = Router();
  const session = requireSession(deps.secret);
  const heartbeats = new Heartbeats();
  const postSchema = postSchemaFor(deps.chat.messageMaxChars);

  router.get('/api/chat', session, async (_req, res) => {
    const current = res.locals.session;
    const opened = await deps.chat.open(current);
    // The history is on the learner's screen now: staff replies up to here need no follow-up email.
    await deps.presence?.seen(current.tenantId, opened.conversation.id);
    res.json(opened);
  });

  // The learner's own follow-up email preference ("Email me replies when I'm away").
  router.get('/api/chat/preferences', session, async (_req, res) => {
    const preference = await getFollowUpPreference(res.locals.session);
    res.json({ followUpEmail: preference.enabled });
  });

  router.put('/api/chat/preferences', session, async (req, res) => {
    const { followUpEmail } = preferencesSchema.parse(req.body);
    const preference = await setFollowUpPreference(res.locals.session, followUpEmail);
    res.json({ followUpEmail: preference.enabled });
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
    await deps.chat.feedback(res.locals.session, { messageId: String(req.params.id), value });
    res.status(204).end();
  });

  // Server-Sent Events for the learner's own thread: stored events carry ids (resume with Last-Event-ID),
  // streamed tokens and typing signals do not.
  router.get('/api/chat/events', session, async (req, res) => {
    const current = res.locals.session;
    // Only the thread's id: connecting reads nothing but a Redis pointer and the thread by _id.
    const conversationId = await deps.chat.threadId(current);
    const write = openEventStream<ChatFrame>(res);
    const lastEventId = req.get('last-event-id');
    const registration = deps.hub.register(
      {
        audience: 'learner',
        tenantId: current.tenantId,
        conversationId,
        userId: current.userId,
      },
      (event) => {
        const frame = learnerFrame(event, conversationId);
        if (frame) write(frame, event.seq);
      },
      { lastEventId: lastEventId && /^\d+$/.test(lastEventId) ? Number(lastEventId) : undefined },
    );
    const stopTransient = deps.transient.listen(conversationId, (signal) => write(signal.frame));
    const stopHeartbeat = heartbeats.add(res);
    // While this stream is open the learner counts as connected: staff replies reach them live, not by email.
    const leave = deps.presence?.connect(current.tenantId, conversationId);
    req.on('close', () => {
      leave?.();
      stopHeartbeat();
      stopTransient();
      registration.close();
    });
  });

  return router;
}
