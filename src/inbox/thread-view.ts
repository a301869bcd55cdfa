import type { ConversationService } from '../conversations/conversation.service.js';
import type { MessageView } from '../conversations/conversation.views.js';
import { findInTenant } from '../db/by-id.js';
import type { HandoffCard } from '../handoff/handoff.types.js';
import { LaunchModel } from '../lti/launch.model.js';
import type { TenantSlaProvider } from '../sla/sla-plan.js';
import type { InboxIndex } from './inbox-index.js';
import { type InboxItem, itemFromThread } from './inbox-item.js';
import type { InboxLists } from './inbox-lists.js';
import { type InboxZone, inboxZone } from './inbox-zone.js';
import { type Permissions, permissionsOf } from './permissions.js';
import type { InboxPresence, PresencePerson } from './presence.js';
import type { StaffContext } from './staff-context.js';
import type { TeamService } from './teams.js';
import { actorOf, type ThreadScope } from './thread-scope.js';

export interface ThreadResult {
  conversation: InboxItem & {
    handoff?: HandoffCard;
    contactEmail?: string;
    lms?: { productFamily?: string; name?: string };
    version: number;
  };
  messages: MessageView[];
  zone: InboxZone;
  viewers: PresencePerson[];
  permissions: Permissions;
}

/** An inbox thread as the thread panel shows it. */
export class ThreadView {
  constructor(
    private readonly deps: {
      conversations: Pick<ConversationService, 'history'>;
      scope: ThreadScope;
      index: Pick<InboxIndex, 'docs'>;
      teams: Pick<TeamService, 'list'>;
      lists: Pick<InboxLists, 'markRead'>;
      presence: Pick<InboxPresence, 'visit'>;
      tenantSla: TenantSlaProvider;
    },
  ) {}

  /** The thread with its handoff card, full history (notes and status lines included) and presence. */
  async thread(ctx: StaffContext, conversationId: string): Promise<ThreadResult> {
    const { deps } = this;
    const view = await deps.scope.load(ctx, conversationId);
    const [messages, launch, teams, doc, zone] = await Promise.all([
      deps.conversations.history({
        tenantId: ctx.tenantId,
        actor: actorOf(ctx),
        conversationId,
        forLearner: false,
        limit: 500,
      }),
      view.context?.launchId
        ? findInTenant(LaunchModel, view.context.launchId, ctx.tenantId, { platform: 1 })
        : null,
      deps.teams.list(ctx.tenantId),
      deps.index.docs(ctx.tenantId, [conversationId]),
      inboxZone(deps.tenantSla, ctx.tenantId),
    ]);
    await deps.lists.markRead(ctx, conversationId);
    const presence = await deps.presence.visit({
      tenantId: ctx.tenantId,
      conversationId,
      courseId: view.courseId,
      person: { userId: ctx.userId, ...(ctx.name ? { name: ctx.name } : {}) },
      typing: false,
    });
    const item = itemFromThread(view, doc.get(conversationId), Date.now(), teams);
    const contactEmail = view.contactEmail ?? view.user.email;
    return {
      conversation: {
        ...item,
        ...(view.handoff ? { handoff: view.handoff } : {}),
        ...(contactEmail ? { contactEmail } : {}),
        lms: {
          productFamily: view.context?.productFamily ?? launch?.platform?.productFamily,
          name: launch?.platform?.name,
        },
        version: view.version,
      },
      messages,
      zone,
      viewers: presence.viewers,
      permissions: permissionsOf(ctx, view),
    };
  }
}
