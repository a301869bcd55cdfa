import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { messageTextSchema, withinMessageMax } from '../../conversations/message-limit.js';
import type { AnyDomainEvent } from '../../events/index.js';
import type { InboxDomain, StaffContext } from '../../inbox/index.js';
import { INBOX_VIEWS } from '../../inbox/index.js';
import { AppError } from '../../lib/errors.js';
import type { InboxFrame, LiveHub } from '../../live/index.js';
import { type EventStreamWriter, openEventStream } from '../event-stream.js';
import { requireSession } from '../middleware/session.js';

const id = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');
const listSchema = z.object({
  view: z.enum(INBOX_VIEWS as [string, ...string[]]).default('attention'),
  category: z.string().trim().min(1).max(60).optional(),
  courseId: id.optional(),
  priority: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
  teamId: id.optional(),
  q: z.string().max(200).optional(),
  cursor: z.string().max(2000).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
const textSchemaFor = (messageMaxChars: number) =>
  z.object({ clientId: z.string().trim().min(1).max(100), text: messageTextSchema(messageMaxChars) });
const transferSchema = z
  .object({ toUserId: id.optional(), teamId: id.optional(), note: z.string().max(2000).optional() })
  .refine((v) => v.toUserId || v.teamId, { message: 'choose a person or a team', path: ['toUserId'] });
const noteSchema = z.object({ note: z.string().max(2000).optional() });
const resolveSchema = z.object({ resolution: z.string().trim().max(60).optional() });
const presenceSchema = z.object({ typing: z.boolean().default(false) });
const cannedSchemaFor = (messageMaxChars: number) =>
  z.object({
    title: z.string().trim().min(1).max(120),
    text: z
      .string()
      .trim()
      .min(1)
      .superRefine((text, ctx) => withinMessageMax(text, ctx, messageMaxChars)),
  });
const renderSchema = z.object({ conversationId: id });
const teamSchema = z.object({
  name: z.string().trim().min(1).max(100),
  memberIds: z.array(id).max(500).default([]),
  courseIds: z.array(id).max(500).default([]),
  categories: z.array(z.string().trim().min(1).max(60)).max(100).default([]),
});
const settingsSchema = z.object({
  leadRoles: z.array(z.string().trim().min(1).max(300)).max(50).default([]),
  leadUserIds: z.array(id).max(500).default([]),
});
const auditSchema = z.object({ cursor: id.optional() });

/**
 * The admin inbox API (contract: the inbox issue). Admins see their tenant's threads, instructors their
 * course's; everything outside is "not found". Routes validate and call the inbox service.
 */
export function inboxRoutes(deps: {
  secret: string;
  inbox: InboxDomain;
  hub: LiveHub;
  /** config MESSAGE_MAX_CHARS: the longest reply, note or canned reply. */
  messageMaxChars: number;
}): Router {
  const router = Router();
  const textSchema = textSchemaFor(deps.messageMaxChars);
  const cannedSchema = cannedSchemaFor(deps.messageMaxChars);
  const session = requireSession(deps.secret, ['admin', 'instructor']);
  const service = deps.inbox.service;
  const ctx = (res: Response) => service.context(res.locals.session);
  const param = (req: Request) => id.parse(req.params.id);

  router.get('/api/inbox/conversations', session, async (req, res) => {
    const query = listSchema.parse(req.query);
    res.json(
      await service.list(await ctx(res), {
        view: query.view as (typeof INBOX_VIEWS)[number],
        filters: {
          category: query.category,
          courseId: query.courseId,
          priority: query.priority,
          teamId: query.teamId,
        },
        q: query.q,
        cursor: query.cursor,
        limit: query.limit,
      }),
    );
  });

  router.get('/api/inbox/conversations/:id', session, async (req, res) => {
    res.json(await service.thread(await ctx(res), param(req)));
  });

  router.post('/api/inbox/conversations/:id/claim', session, async (req, res) => {
    const conversationId = param(req);
    try {
      res.json({ conversation: await service.claim(await ctx(res), conversationId) });
    } catch (error) {
      // The contract names the owner in details, for the page to say who has it.
      if (
        error instanceof AppError &&
        error.code === 'conflict' &&
        error.details?.assigneeName !== undefined
      ) {
        res.status(409).json({
          error: {
            code: 'conflict',
            message: error.message,
            details: { assigneeName: error.details.assigneeName },
          },
        });
        return;
      }
      throw error;
    }
  });

  router.post('/api/inbox/conversations/:id/reply', session, async (req, res) => {
    const input = textSchema.parse(req.body);
    res.status(201).json({ message: await service.reply(await ctx(res), param(req), input) });
  });

  router.post('/api/inbox/conversations/:id/notes', session, async (req, res) => {
    const input = textSchema.parse(req.body);
    res.status(201).json({ message: await service.note(await ctx(res), param(req), input) });
  });

  router.post('/api/inbox/conversations/:id/transfer', session, async (req, res) => {
    const input = transferSchema.parse(req.body);
    res.json({ conversation: await service.transfer(await ctx(res), param(req), input) });
  });

  router.post('/api/inbox/conversations/:id/hand-back', session, async (req, res) => {
    const input = noteSchema.parse(req.body ?? {});
    res.json({ conversation: await service.handBack(await ctx(res), param(req), input) });
  });

  router.post('/api/inbox/conversations/:id/resolve', session, async (req, res) => {
    const input = resolveSchema.parse(req.body ?? {});
    res.json({
      conversation: await service.resolve(await ctx(res), param(req), {
        resolution: input.resolution || undefined,
      }),
    });
  });

  router.post('/api/inbox/conversations/:id/reopen', session, async (req, res) => {
    const input = noteSchema.parse(req.body ?? {});
    res.json({ conversation: await service.reopen(await ctx(res), param(req), input) });
  });

  router.post('/api/inbox/conversations/:id/presence', session, async (req, res) => {
    const { typing } = presenceSchema.parse(req.body ?? {});
    await service.presence(await ctx(res), param(req), typing);
    res.status(204).end();
  });

  router.get('/api/inbox/staff', session, async (_req, res) => {
    res.json(await service.staff(await ctx(res)));
  });

  router.get('/api/inbox/canned-replies', session, async (_req, res) => {
    res.json({ replies: await service.cannedReplies(await ctx(res)) });
  });
  router.post('/api/inbox/canned-replies', session, async (req, res) => {
    const input = cannedSchema.parse(req.body);
    res.status(201).json({ reply: await service.createCanned(await ctx(res), input) });
  });
  router.put('/api/inbox/canned-replies/:id', session, async (req, res) => {
    const input = cannedSchema.parse(req.body);
    res.json({ reply: await service.updateCanned(await ctx(res), param(req), input) });
  });
  router.delete('/api/inbox/canned-replies/:id', session, async (req, res) => {
    await service.deleteCanned(await ctx(res), param(req));
    res.status(204).end();
  });
  router.post('/api/inbox/canned-replies/:id/render', session, async (req, res) => {
    const { conversationId } = renderSchema.parse(req.body);
    res.json(await service.renderCanned(await ctx(res), param(req), conversationId));
  });

  router.get('/api/inbox/teams', session, async (_req, res) => {
    res.json({ teams: await service.teams(await ctx(res)) });
  });
  router.post('/api/inbox/teams', session, async (req, res) => {
    const input = teamSchema.parse(req.body);
    res.status(201).json({ team: await service.createTeam(await ctx(res), input) });
  });
  router.post('/api/inbox/teams/course/:id/sync', session, async (req, res) => {
    res.json(await service.syncCourseTeam(await ctx(res), param(req)));
  });
  router.put('/api/inbox/teams/:id', session, async (req, res) => {
    const input = teamSchema.parse(req.body);
    res.json({ team: await service.updateTeam(await ctx(res), param(req), input) });
  });
  router.delete('/api/inbox/teams/:id', session, async (req, res) => {
    await service.deleteTeam(await ctx(res), param(req));
    res.status(204).end();
  });

  router.get('/api/inbox/settings', session, async (_req, res) => {
    res.json(await service.getSettings(await ctx(res)));
  });
  router.put('/api/inbox/settings', session, async (req, res) => {
    res.json(await service.putSettings(await ctx(res), settingsSchema.parse(req.body)));
  });

  router.get('/api/inbox/audit', session, async (req, res) => {
    const { cursor } = auditSchema.parse(req.query);
    res.json(await service.auditLog(await ctx(res), cursor));
  });

  // Live updates for the inbox: list items that changed, new lines (notes included: staff only) and
  // presence. Stored events carry their sequence as the SSE id, so a reconnect resumes where it stopped.
  router.get('/api/inbox/events', session, async (req, res) => {
    const staff = await ctx(res);
    const write = openEventStream<InboxFrame>(res);
    const items = new ItemBatcher(staff, service, write);
    const lastEventId = req.get('last-event-id');
    const registration = deps.hub.register(
      {
        audience: 'inbox',
        tenantId: staff.tenantId,
        ...(staff.role === 'instructor' ? { courseIds: staff.courseId ? [staff.courseId] : [] } : {}),
      },
      (event: AnyDomainEvent) => {
        if (event.name === 'message.posted' || event.name === 'note.added')
          write({ type: 'message', data: { message: event.payload.message } }, event.seq);
        if (event.conversationId) items.changed(event.conversationId, event.seq);
      },
      { lastEventId: lastEventId && /^\d+$/.test(lastEventId) ? Number(lastEventId) : undefined },
    );
    const stopPresence = deps.inbox.presence.listen(staff.tenantId, (state) => {
      if (staff.role === 'instructor' && state.courseId !== staff.courseId) return;
      write({
        type: 'presence',
        data: { conversationId: state.conversationId, viewers: state.viewers, typing: state.typing },
      });
    });
    await service.watching(staff, true);
    const heartbeat = setInterval(() => {
      res.write(': keep-alive\n\n');
      void service.watching(staff, true);
    }, 25_000);
    req.on('close', () => {
      clearInterval(heartbeat);
      void service.watching(staff, false);
      stopPresence();
      registration.close();
      items.close();
    });
  });

  return router;
}

/**
 * Coalesces events of one thread arriving together (a claim is a status change and a status line) into
 * one `conversation` frame with the item as it now is.
 */
class ItemBatcher {
  private readonly pending = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly staff: StaffContext,
    private readonly service: InboxDomain['service'],
    private readonly write: EventStreamWriter<InboxFrame>,
  ) {}

  changed(conversationId: string, seq: number) {
    this.pending.set(conversationId, Math.max(seq, this.pending.get(conversationId) ?? 0));
    this.timer ??= setTimeout(() => void this.flush(), 30);
  }

  private async flush() {
    this.timer = undefined;
    const batch = [...this.pending];
    this.pending.clear();
    if (this.closed) return;
    try {
      const items = await this.service.items(
        this.staff,
        batch.map(([conversationId]) => conversationId),
      );
      if (this.closed) return;
      for (const item of items) this.write({ type: 'conversation', data: { item } });
    } catch {
      // A failed read only delays the update: the next event (or a reload) brings it.
    }
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
