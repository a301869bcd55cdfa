import { Types } from 'mongoose';
import type { Assistant } from '../assistant/index.js';
import type { ConversationService, MessageView } from '../conversations/index.js';
import { learnerConversationView } from '../conversations/index.js';
import { CourseModel } from '../courses/course.model.js';
import type { EventStore } from '../events/index.js';
import { splitAnswerText } from '../knowledge/extractive-answer.service.js';
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
    },
  ) {}

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
    const tenantId = new Types.ObjectId(session.tenantId);
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
    const posted = await this.deps.conversations.postLearnerMessage({
      ...this.actor(session),
      conversationId: input.conversationId,
      clientId: input.clientId,
      text: input.text,
    });
    if (posted.botShouldAnswer && !posted.duplicate) {
      void this.answer(session, posted.conversation.id, posted.message).catch((error) =>
        this.deps.logger.error({ err: error, conversationId: posted.conversation.id }, 'answering failed'),
      );
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
