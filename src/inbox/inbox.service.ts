import type { ConversationService } from '../conversations/conversation.service.js';
import type { Logger } from '../lib/logger.js';
import type { Session } from '../lti/session.js';
import type { TenantSlaProvider } from '../sla/sla-plan.js';
import { AuditLog } from './audit-log.js';
import type { AuditStore } from './audit-store.js';
import { type CannedInput, CannedReplies } from './canned-replies.js';
import type { CannedReplyStore } from './canned-reply-store.js';
import type { InboxIndex } from './inbox-index.js';
import { type InboxListQuery, InboxLists } from './inbox-lists.js';
import { InboxSettingsAdmin, type InboxSettingsStore, type LeadSettings } from './inbox-settings.js';
import type { InboxPresence } from './presence.js';
import type { ReadMarks } from './read-marks.js';
import { type StaffContext, StaffContexts } from './staff-context.js';
import { StaffDirectory } from './staff-directory.js';
import { TeamAdmin } from './team-admin.js';
import type { TeamInput, TeamService } from './teams.js';
import { ThreadActions } from './thread-actions.js';
import { ThreadScope } from './thread-scope.js';
import { ThreadView } from './thread-view.js';

export type { AuditView } from './audit-log.js';
export type { CannedView } from './canned-replies.js';
export type { InboxItem } from './inbox-item.js';
export type { InboxList, InboxListQuery } from './inbox-lists.js';
export type { InboxZone } from './inbox-zone.js';
export type { Permissions } from './permissions.js';
export type { StaffContext } from './staff-context.js';
export type { ThreadResult } from './thread-view.js';

export interface InboxServiceDeps {
  conversations: ConversationService;
  index: InboxIndex;
  teams: TeamService;
  /**
   * Who views and types in which thread, and which admins have the inbox open (what the handoff decision
   * reads): the process's one presence.
   */
  presence: InboxPresence;
  reads: ReadMarks;
  logger?: Logger;
  /** Each tenant's SLA (its calendar's zone names reply-by times). */
  tenantSla: TenantSlaProvider;
  settings: InboxSettingsStore;
  canned: CannedReplyStore;
  audit: AuditStore;
}

/**
 * The admin inbox: lists from the index, threads and actions through the conversation service, with
 * scoping (tenant; course for instructors — anything outside is "not found"), the lead permission, unread
 * markers, presence, canned replies, teams and the audit log. Plain inputs, no HTTP. Each method hands
 * over to the part that owns the concept (the files named after them).
 */
export class InboxService {
  private readonly contexts: StaffContexts;
  private readonly audit: AuditLog;
  private readonly lists: InboxLists;
  private readonly view: ThreadView;
  private readonly actions: ThreadActions;
  private readonly directory: StaffDirectory;
  private readonly canned: CannedReplies;
  private readonly teamAdmin: TeamAdmin;
  private readonly settingsAdmin: InboxSettingsAdmin;

  constructor(deps: InboxServiceDeps) {
    const tenantSla = deps.tenantSla;
    const { conversations, index, teams, presence, settings } = deps;
    this.contexts = new StaffContexts(settings);
    this.audit = new AuditLog(deps.audit, deps.logger);
    const scope = new ThreadScope({ conversations, index });
    const lists = new InboxLists({ index, teams, reads: deps.reads, tenantSla });
    this.lists = lists;
    this.view = new ThreadView({ conversations, scope, index, teams, lists, presence, tenantSla });
    this.actions = new ThreadActions({ conversations, scope, index, teams, lists, audit: this.audit });
    this.directory = new StaffDirectory({
      scope,
      teams,
      presence,
      logger: deps.logger,
    });
    this.canned = new CannedReplies({ store: deps.canned, scope, people: this.contexts, audit: this.audit });
    this.teamAdmin = new TeamAdmin({ teams, audit: this.audit });
    this.settingsAdmin = new InboxSettingsAdmin({
      settings,
      audit: this.audit,
      onChange: () => this.contexts.forgetLeads(),
    });
  }

  // who
  context = (session: Session) => this.contexts.context(session);

  // lists
  list = (ctx: StaffContext, query: InboxListQuery) => this.lists.list(ctx, query);
  items = (ctx: StaffContext, ids: readonly string[]) => this.lists.items(ctx, ids);

  // the thread and its actions
  thread = (ctx: StaffContext, conversationId: string) => this.view.thread(ctx, conversationId);
  claim = (ctx: StaffContext, conversationId: string) => this.actions.claim(ctx, conversationId);
  reply = (ctx: StaffContext, conversationId: string, input: { clientId: string; text: string }) =>
    this.actions.reply(ctx, conversationId, input);
  note = (ctx: StaffContext, conversationId: string, input: { clientId: string; text: string }) =>
    this.actions.note(ctx, conversationId, input);
  transfer = (
    ctx: StaffContext,
    conversationId: string,
    input: { toUserId?: string; teamId?: string; note?: string },
  ) => this.actions.transfer(ctx, conversationId, input);
  handBack = (ctx: StaffContext, conversationId: string, input: { note?: string }) =>
    this.actions.handBack(ctx, conversationId, input);
  resolve = (ctx: StaffContext, conversationId: string, input: { resolution?: string }) =>
    this.actions.resolve(ctx, conversationId, input);
  reopen = (ctx: StaffContext, conversationId: string, input: { note?: string }) =>
    this.actions.reopen(ctx, conversationId, input);

  // staff and presence
  staff = (ctx: StaffContext) => this.directory.staff(ctx);
  watching = (ctx: StaffContext, open: boolean) => this.directory.watching(ctx, open);
  presence = (ctx: StaffContext, conversationId: string, typing: boolean) =>
    this.directory.visit(ctx, conversationId, typing);

  // canned replies
  cannedReplies = (ctx: StaffContext) => this.canned.list(ctx);
  createCanned = (ctx: StaffContext, input: CannedInput) => this.canned.create(ctx, input);
  updateCanned = (ctx: StaffContext, id: string, input: CannedInput) => this.canned.update(ctx, id, input);
  deleteCanned = (ctx: StaffContext, id: string) => this.canned.remove(ctx, id);
  renderCanned = (ctx: StaffContext, id: string, conversationId: string) =>
    this.canned.render(ctx, id, conversationId);

  // teams
  teams = (ctx: StaffContext) => this.teamAdmin.list(ctx);
  createTeam = (ctx: StaffContext, input: TeamInput) => this.teamAdmin.create(ctx, input);
  updateTeam = (ctx: StaffContext, id: string, input: TeamInput) => this.teamAdmin.update(ctx, id, input);
  syncCourseTeam = (ctx: StaffContext, courseId: string) => this.teamAdmin.syncCourse(ctx, courseId);
  deleteTeam = (ctx: StaffContext, id: string) => this.teamAdmin.remove(ctx, id);

  // lead settings and the audit log
  getSettings = (ctx: StaffContext) => this.settingsAdmin.get(ctx);
  putSettings = (ctx: StaffContext, input: LeadSettings) => this.settingsAdmin.put(ctx, input);
  auditLog = (ctx: StaffContext, cursor?: string, limit?: number) => this.audit.read(ctx, cursor, limit);
  /** Stores the audit entries still pending (at shutdown). */
  drainAudit = () => this.audit.drain();
}
