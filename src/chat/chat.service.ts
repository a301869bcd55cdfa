import type { Assistant } from '../assistant/index.js';
import type { ConversationService, MessageView } from '../conversations/index.js';
import { learnerConversationView } from '../conversations/index.js';
import { CourseModel } from '../courses/course.model.js';
import { objectId } from '../events/ids.js';
import type { EventStore } from '../events/index.js';
import { splitAnswerText } from '../knowledge/extractive-answer.service.js';
import type { LeadService } from '../leads/lead.service.js';
import { detectLeadIntent, type LeadIntent } from '../leads/lead-intent.js';
import { classifyLeadIntent, type LeadIntentModel } from '../leads/lead-intent-model.js';
import { leadText } from '../leads/lead-messages.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { ChatTransientFrame, TransientChannel } from '../live/index.js';
import { LaunchModel } from '../lti/launch.model.js';
import type { Session } from '../lti/session.js';
import { UserModel } from '../users/user.model.js';

/** The learner chat as one application service: a thread, messages, answers streamed, a person on request. */
export class ChatService {
  constructor(
    private readonly deps: {
      conversations: ConversationService;
      assistant: Assistant;
      transient: TransientChannel;
      events: EventStore;
      logger: Logger;
      /** Lead capture (src/leads): without it, every message is a support question. */
      leads?: LeadService;
      /**
       * Whether a message is a prospect's enquiry; tests pass their own (default: the product's rules, with
       * `leadModel` asked about borderline messages).
       */
      detectLead?: (text: string) => LeadIntent | Promise<LeadIntent>;
      /**
       * The chat model that judges borderline messages (src/leads/lead-intent-model.ts; null: rules only).
       * Clear messages, and so ordinary support questions, never wait for it.
       */
      leadModel?: LeadIntentModel | null;
      /** How long a borderline message waits for `leadModel` before the rules decide. */
      leadModelTimeoutMs?: number;
      /**
       * Told of each answer written after the reply, so a stopping process lets it finish before its
       * connections close (the web process passes its lifecycle's `track`).
       */
      background?: (work: Promise<unknown>) => void;
    },
  ) {}

  /** The longest message a learner may send (config MESSAGE_MAX_CHARS; a tenant may set less). */
  get messageMaxChars(): number {
    return this.deps.conversations.messageMaxChars;
  }

  private actor(session: Session) {
    return { tenantId: session.tenantId, actor: { userId: session.userId, role: session.role } };
  }

  /**
   * The learner's thread for this course (created on first visit) with its history and the live cursor.
   * The cursor is read first: anything that happens after it and is missing from the history is replayed.
   */
  async open(session: Session) {
    const lastEventId = await this.deps.events.latestSeq(session.tenantId);
    // A returning learner: the thread is known (Redis pointer, read by _id), history from the cache.
    const known = await this.deps.conversations.continueOpen({
      ...this.actor(session),
      courseId: session.courseId,
    });
    if (known)
      return {
        conversation: learnerConversationView(known.conversation),
        messages: known.messages,
        lastEventId: String(lastEventId),
      };
    const tenantId = objectId(session.tenantId, 'Tenant');
    // All three by _id: the fast lookups on FerretDB.
    const [user, course, launch] = await Promise.all([
      UserModel.findById(session.userId).lean(),
      session.courseId ? CourseModel.findById(session.courseId).lean() : null,
      LaunchModel.findById(session.launchId).lean(),
    ]);
    const opened = await this.deps.conversations.openOrContinue({
      ...this.actor(session),
      actor: { userId: session.userId, role: session.role, name: user?.name },
      courseId: course?.tenantId.equals(tenantId) ? String(course._id) : undefined,
      email: user?.email,
      locale: session.locale,
      context: {
        launchId: session.launchId,
        productFamily: launch?.platform.productFamily,
        courseTitle: course?.title,
        courseLabel: course?.label,
      },
    });
    return {
      conversation: learnerConversationView(opened.conversation),
      messages: opened.messages,
      lastEventId: String(lastEventId),
    };
  }

  /** The id of the learner's thread for this course (what the live channel follows), opening it if needed. */
  async threadId(session: Session): Promise<string> {
    const known = await this.deps.conversations.openThreadId({
      ...this.actor(session),
      courseId: session.courseId,
    });
    return known ?? (await this.open(session)).conversation.id;
  }

  /** Thumbs up or down on an answer in the learner's own thread. */
  async feedback(session: Session, input: { messageId: string; value: 'up' | 'down' }): Promise<void> {
    await this.deps.conversations.recordFeedback({
      tenantId: session.tenantId,
      userId: session.userId,
      messageId: input.messageId,
      value: input.value,
    });
  }

  /**
   * Stores the learner's message (idempotent by client id) and, when the bot should answer, answers in
   * the background: tokens stream over the live channel, the stored answer follows as an event.
   */
  async post(session: Session, input: { conversationId: string; clientId: string; text: string }) {
    const intent = await this.leadIntent(session, input.conversationId, input.text);
    const posted = await this.deps.conversations.postLearnerMessage({
      ...this.actor(session),
      conversationId: input.conversationId,
      clientId: input.clientId,
      text: input.text,
      salesEnquiry: intent.lead,
    });
    // A prospect's enquiry in a thread with the bot: no answer from the documents and no handoff; the bot
    // offers to put them in touch with the team (a retry offers it again: the line is idempotent).
    if (intent.lead && posted.conversation.status === 'bot')
      await this.offerLeadCapture(session, posted.conversation, posted.message, intent);
    if (posted.botShouldAnswer && !posted.duplicate) {
      const answering = this.answer(session, posted.conversation.id, posted.message).catch((error) =>
        this.deps.logger.error({ err: error, conversationId: posted.conversation.id }, 'answering failed'),
      );
      this.deps.background?.(answering);
    }
    return { conversation: learnerConversationView(posted.conversation), message: posted.message };
  }

  /**
   * Answers one learner message. The tokens stream under the id the stored answer will carry
   * (`bot:<question client id>`), so the page can swap its growing bubble for the stored answer; when no
   * stored answer will come (a person took the thread meanwhile, or answering failed), the page is told
   * to drop the stream.
   */
  private async answer(session: Session, conversationId: string, question: MessageView): Promise<void> {
    const streamId = `bot:${question.clientId}`;
    const publish = (frame: ChatTransientFrame) =>
      this.deps.transient.publish(session.tenantId, { conversationId, frame });
    let stored = false;
    try {
      stored = await this.writeAnswer(session, conversationId, question, streamId, publish);
    } finally {
      if (!stored) await publish({ type: 'stream-cancelled', data: { streamId } });
      await publish({ type: 'typing', data: { author: 'bot', active: false } });
    }
  }

  /** Streams the answer's tokens, numbered from 0, then stores it; false when it was not stored. */
  private async writeAnswer(
    session: Session,
    conversationId: string,
    question: MessageView,
    streamId: string,
    publish: (frame: ChatTransientFrame) => Promise<void>,
  ): Promise<boolean> {
    const { assistant, conversations } = this.deps;
    // The typing signal is transient: it goes out while the context is read, not before.
    const [, context, threshold] = await Promise.all([
      publish({ type: 'typing', data: { author: 'bot', active: true } }),
      conversations.learnerContext({ tenantId: session.tenantId, conversationId, limit: 8 }),
      conversations.answerThreshold(session.tenantId),
    ]);
    const history = context
      .filter(
        (message) => message.id !== question.id && (message.author === 'learner' || message.author === 'bot'),
      )
      .map((message) => ({
        role: message.author === 'learner' ? ('user' as const) : ('assistant' as const),
        // What the learner was shown: the whole section behind an extractive answer is not the reply.
        content: message.author === 'bot' ? splitAnswerText(message.text).shown : message.text,
      }));
    let index = 0;
    const result = await assistant.answerQuestion(
      {
        tenantId: session.tenantId,
        courseId: session.courseId ?? null,
        question: question.text,
        locale: session.locale,
        history,
        threshold,
        role: session.role,
      },
      { onToken: (text) => void publish({ type: 'token', data: { streamId, index: index++, text } }) },
    );
    const recorded = await conversations.recordBotAnswer({
      tenantId: session.tenantId,
      conversationId,
      replyTo: question.clientId,
      text: result.text,
      citations: result.citations.map((citation) => ({
        index: citation.index,
        title: citation.title,
        heading: citation.heading,
        path: citation.path,
      })),
      confidence: result.confidence,
      notCovered: result.notCovered,
      answer: {
        passages: result.passages,
        mode: result.mode,
        model: result.model,
        degraded: result.degraded,
        notCovered: result.notCovered,
        latencyMs: result.latencyMs,
        tokens: result.tokens,
      },
    });
    return recorded.message !== undefined;
  }

  // ---------------------------------------------------------------- lead capture (src/leads)

  /**
   * What the detector says of a learner's message (nothing is a lead without lead capture): the rules,
   * and for a borderline message the chat model within its timeout (the rules decide when it fails).
   * A thread with people ignores the verdict, so there a borderline message does not wait for the model.
   */
  private async leadIntent(session: Session, conversationId: string, text: string): Promise<LeadIntent> {
    const { leads, detectLead, leadModel, leadModelTimeoutMs, logger, conversations } = this.deps;
    if (!leads) return { lead: false, score: 0, signals: [] };
    if (detectLead) return detectLead(text.trim());
    if (!leadModel) return detectLeadIntent(text.trim());
    return classifyLeadIntent(text.trim(), {
      model: leadModel,
      timeoutMs: leadModelTimeoutMs,
      logger,
      modelMatters: async () => !(await conversations.isWithPeople(session.tenantId, conversationId)),
    });
  }

  /**
   * Records the enquiry and posts the bot's reply in the thread's language: the offer with the capture
   * card (client id `lead:<message client id>`, which the chat page draws the card under), or, when the
   * team already has the learner's details, a line saying so (`lead-known:…`). The client ids are for the
   * page only: the message's own command marked the thread a lead (`conversation.marked_lead`).
   */
  private async offerLeadCapture(
    session: Session,
    conversation: { id: string; courseId?: string; locale?: string },
    message: MessageView,
    intent: LeadIntent,
  ): Promise<void> {
    const leads = this.deps.leads;
    if (!leads) return;
    const locale = conversation.locale ?? session.locale;
    const { stage } = await leads.ask({
      tenantId: session.tenantId,
      conversationId: conversation.id,
      courseId: conversation.courseId,
      userId: session.userId,
      message: message.text,
      messageId: message.id,
      locale,
      intent,
    });
    const known = stage === 'captured';
    await this.deps.conversations.postBotLine({
      tenantId: session.tenantId,
      conversationId: conversation.id,
      clientId: `${known ? 'lead-known' : 'lead'}:${message.clientId}`,
      text: leadText(known ? 'alreadyCaptured' : 'prompt', locale),
    });
  }

  /** The capture card's state in the learner's own thread, with its wording and consent sentence. */
  async leadState(session: Session, conversationId: string) {
    if (!this.deps.leads) return { stage: null };
    const learner = { tenantId: session.tenantId, userId: session.userId, locale: session.locale };
    return this.deps.leads.chatState(learner, conversationId);
  }

  /**
   * The learner submitted the card: stored (or already stored), thanked in the thread; or the fields to
   * fix, in the learner's language.
   */
  async submitLead(session: Session, input: { conversationId: string; contact: Record<string, unknown> }) {
    const leads = this.requireLeads();
    const learner = { tenantId: session.tenantId, userId: session.userId, locale: session.locale };
    const result = await leads.capture(learner, input.conversationId, input.contact);
    if (!result.ok) return result;
    const contact = result.lead.contact;
    if (contact)
      await this.deps.conversations.postBotLine({
        tenantId: session.tenantId,
        conversationId: input.conversationId,
        clientId: `lead-thanks:${String(result.lead._id)}`,
        text: leadText('thanks', result.lead.locale ?? session.locale, {
          name: contact.name,
          email: contact.email,
        }),
      });
    return { ok: true as const, created: result.created };
  }

  /** "No thanks" on the card. */
  async declineLead(session: Session, conversationId: string) {
    const learner = { tenantId: session.tenantId, userId: session.userId, locale: session.locale };
    return this.requireLeads().decline(learner, conversationId);
  }

  private requireLeads(): LeadService {
    if (!this.deps.leads) throw new AppError('not_found', 'Lead capture is not available here.');
    return this.deps.leads;
  }

  /** "Talk to a person". */
  async askForPerson(session: Session, input: { conversationId: string }) {
    const result = await this.deps.conversations.requestHandoff({
      ...this.actor(session),
      conversationId: input.conversationId,
    });
    return {
      conversation: learnerConversationView(result.conversation),
      alreadyWithPeople: result.alreadyWithPeople,
    };
  }
}
