import type { AssigneeRef } from '../events/catalog.js';
import type { EventEmitter } from '../events/event-bus.js';
import { HandoffConfigService } from '../handoff/handoff-config.service.js';
import type { StaffPresence } from '../handoff/staff-presence.js';
import type { Logger } from '../lib/logger.js';
import type { ReplyPolicyProvider } from '../sla/reply-policy.js';
import { addNote } from './commands/add-note.js';
import { claim } from './commands/claim.js';
import type { CommandContext } from './commands/context.js';
import { handBack } from './commands/hand-back.js';
import { postBotLine } from './commands/post-bot-line.js';
import { type LearnerMessageInput, postLearnerMessage } from './commands/post-learner-message.js';
import { raisePriorityBySystem } from './commands/raise-priority-by-system.js';
import { recordBotAnswer } from './commands/record-bot-answer.js';
import { recordFeedback } from './commands/record-feedback.js';
import { recordSlaStep, type SlaEvent, type SlaStepInput } from './commands/record-sla-step.js';
import { release } from './commands/release.js';
import { releaseBySystem } from './commands/release-by-system.js';
import { reopen } from './commands/reopen.js';
import { reply } from './commands/reply.js';
import { requestHandoff } from './commands/request-handoff.js';
import { resolve } from './commands/resolve.js';
import { setReplyBy } from './commands/set-reply-by.js';
import { transfer } from './commands/transfer.js';
import type { ActorInput, BotAnswerInput, OpenInput, OwnerInput, TextInput } from './commands/types.js';
import type { Priority } from './conversation.types.js';
import type { ConversationStore } from './conversation-store.js';
import { continueOpen, openThreadId } from './queries/continue-open.js';
import { findForSystem } from './queries/find-for-system.js';
import { getThread } from './queries/get-thread.js';
import { history, learnerContext } from './queries/history.js';
import { isWithPeople } from './queries/is-with-people.js';
import { openOrContinue } from './queries/open-or-continue.js';

export type * from './commands/types.js';

/**
 * What {@link ConversationService} needs: its ports are given (the product's are chosen in
 * src/storage/conversations/create-conversation-domain.ts).
 */
export interface ConversationServiceDeps {
  events: EventEmitter;
  /** The store of threads and messages. */
  store: ConversationStore;
  config?: HandoffConfigService;
  replyPolicies: ReplyPolicyProvider;
  presence: StaffPresence;
  logger?: Logger;
  /** config MESSAGE_MAX_CHARS, from the process's configuration (its wiring passes it). */
  messageMaxChars: number;
  /** The clock (tests move it). */
  now?: () => Date;
}

/**
 * The conversations module's entry: threads, messages and the status machine, with handoff decisions
 * applied as messages arrive. Each action is one command (src/conversations/commands/), each read one
 * query (queries/); the store (conversation-store.ts) owns the lock and every storage concern.
 */
export class ConversationService {
  readonly config: HandoffConfigService;
  /** The longest message a person may write (config MESSAGE_MAX_CHARS): route schemas use it too. */
  readonly messageMaxChars: number;
  private readonly ctx: CommandContext;

  constructor(deps: ConversationServiceDeps) {
    const now = deps.now ?? (() => new Date());
    const maxChars = deps.messageMaxChars;
    this.messageMaxChars = maxChars;
    this.config = deps.config ?? new HandoffConfigService({ messageMaxChars: maxChars });
    this.ctx = {
      store: deps.store,
      events: deps.events,
      config: this.config,
      replyPolicies: deps.replyPolicies,
      presence: deps.presence,
      logger: deps.logger,
      now,
      messageMaxChars: maxChars,
    };
  }

  // Learner side.
  openOrContinue = (input: OpenInput) => openOrContinue(this.ctx, input);
  continueOpen = (input: ActorInput & { courseId?: string }) => continueOpen(this.ctx, input);
  openThreadId = (input: ActorInput & { courseId?: string }) => openThreadId(this.ctx, input);
  postLearnerMessage = (input: LearnerMessageInput) => postLearnerMessage(this.ctx, input);
  recordBotAnswer = (input: BotAnswerInput) => recordBotAnswer(this.ctx, input);
  requestHandoff = (input: ActorInput & { conversationId: string }) => requestHandoff(this.ctx, input);
  isWithPeople = (tenantId: string, conversationId: string) =>
    isWithPeople(this.ctx, tenantId, conversationId);
  postBotLine = (input: Parameters<typeof postBotLine>[1]) => postBotLine(this.ctx, input);
  recordFeedback = (input: Parameters<typeof recordFeedback>[1]) => recordFeedback(this.ctx, input);

  // Staff side.
  claim = (input: ActorInput & { conversationId: string }) => claim(this.ctx, input);
  transfer = (input: OwnerInput & { to: AssigneeRef; teamId?: string }) => transfer(this.ctx, input);
  release = (input: OwnerInput & { teamId?: string }) => release(this.ctx, input);
  handBack = (input: OwnerInput) => handBack(this.ctx, input);
  resolve = (input: OwnerInput & { resolution?: string }) => resolve(this.ctx, input);
  reopen = (input: ActorInput & { conversationId: string; note?: string }) => reopen(this.ctx, input);
  addNote = (input: TextInput) => addNote(this.ctx, input);
  postAdminReply = (input: TextInput) => reply(this.ctx, input);

  // The system (SLA timers).
  recordSlaStep = <N extends SlaEvent>(input: SlaStepInput<N>): Promise<boolean> =>
    recordSlaStep(this.ctx, input as SlaStepInput);
  raisePriorityBySystem = (input: { tenantId: string; conversationId: string; to: Priority }) =>
    raisePriorityBySystem(this.ctx, input);
  releaseBySystem = (input: Parameters<typeof releaseBySystem>[1]) => releaseBySystem(this.ctx, input);
  setReplyBy = (input: Parameters<typeof setReplyBy>[1]) => setReplyBy(this.ctx, input);

  // Reading.
  findForSystem = (tenantId: string, conversationId: string) =>
    findForSystem(this.ctx, tenantId, conversationId);
  get = (input: ActorInput & { conversationId: string }) => getThread(this.ctx, input);
  history = (input: Parameters<typeof history>[1]) => history(this.ctx, input);
  learnerContext = (input: Parameters<typeof learnerContext>[1]) => learnerContext(this.ctx, input);

  /**
   * The confidence below which the bot declines and offers a person: the tenant's low-confidence
   * threshold, so moving it moves the answered / handed-off trade-off (confidence is calibrated; 0.5 is even).
   */
  answerThreshold = async (tenantId: string) =>
    (await this.config.getSettings(tenantId)).lowConfidence.confidenceThreshold;
}
