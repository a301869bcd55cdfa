/**
 * Realistic volume for the benches: users, courses, launch records, conversations with a few messages
 * each and the events that told of them, spread over several tenants, one of them the tenant the bench
 * launches into. Written with the raw driver in big unordered batches, shaped as the product writes them:
 * user and course ids from `stableObjectId(tenant, issuer, natural key)`, `openKey` as
 * `open:<user>:<course>` / `closed:<id>`, message and event payloads from the product's own presenters,
 * event sequences of every tenant reserved through the product's EventStore (so the tool's next
 * events never clash with seeded ones). FerretDB 1.x reads whole collections (every tenant's documents)
 * for any filter but `{ _id }`, so the other tenants' documents count as much as the bench tenant's.
 *
 * Defaults (BENCH_SEED_* overrides): 50,000 users, 2,000 courses, 100,000 conversations, 2 launch
 * records per user (launches are kept 180 days), 5 tenants, the bench tenant holding 40 %.
 */
import type { Db } from 'mongodb';
import { Types } from 'mongoose';
import { toMessageView } from '../src/conversations/conversation.presenters.js';
import type { Message } from '../src/conversations/message.model.js';
import { threadPointerOf } from '../src/conversations/thread-pointer.model.js';
import type { EventStore } from '../src/events/index.js';
import { stableObjectId } from '../src/lib/ids.js';

export interface VolumeSpec {
  users: number;
  courses: number;
  conversations: number;
  launchesPerUser: number;
  tenants: number;
  /** The bench tenant's share of every collection (the rest is split evenly between the others). */
  benchShare: number;
}

export const VOLUME: VolumeSpec = {
  users: Number(process.env.BENCH_SEED_USERS ?? 50_000),
  courses: Number(process.env.BENCH_SEED_COURSES ?? 2_000),
  conversations: Number(process.env.BENCH_SEED_CONVERSATIONS ?? 100_000),
  launchesPerUser: Number(process.env.BENCH_SEED_LAUNCHES_PER_USER ?? 2),
  tenants: Number(process.env.BENCH_SEED_TENANTS ?? 5),
  benchShare: Number(process.env.BENCH_SEED_BENCH_SHARE ?? 0.4),
};

/** The tenant the bench launches into (the development LMS's), and its LTI identity. */
export interface BenchTenant {
  tenantId: Types.ObjectId;
  issuer: string;
  clientId: string;
  deploymentId: string;
}

/** A seeded course of the bench tenant, as its LMS describes it in launches. */
export interface SeededCourse {
  contextId: string;
  title: string;
  label: string;
}

export interface SeedReport {
  /** Documents written per collection. */
  counts: Record<string, number>;
  /** Seconds spent per collection (building and inserting). */
  seconds: Record<string, number>;
  totalSeconds: number;
  /** The bench tenant's seeded courses (launches spread over them). */
  benchCourses: SeededCourse[];
  /** The `_id` of one seeded document of another tenant, per collection (for {@link shapeDifferences}). */
  samples: Record<string, unknown>;
}

const DAY = 86_400_000;
const BATCH = Number(process.env.BENCH_SEED_BATCH ?? 4000);
const FIRST = [
  'Ana',
  'Ben',
  'Chloé',
  'Dev',
  'Emma',
  'Farid',
  'Gina',
  'Hugo',
  'Ines',
  'Jon',
  'Kai',
  'Lea',
  'Mo',
];
const LAST = [
  'Smith',
  'García',
  'Okafor',
  'Nguyen',
  'Müller',
  'Rossi',
  'Kowalski',
  'Tanaka',
  'Silva',
  'Berg',
];
const SUBJECTS = ['Biology', 'Calculus', 'History', 'Statistics', 'Chemistry', 'Economics', 'Design', 'Law'];
const CATEGORIES = ['login', 'grades', 'billing', 'video', 'accessibility'];
const PRIORITIES = ['low', 'normal', 'normal', 'normal', 'high', 'urgent'] as const;
const QUESTIONS = [
  'How do I bookmark a page in my course so I can come back to it later?',
  'Where can I check my progress in the course?',
  'I cannot submit my essay assignment, the button is greyed out.',
  'My grade for the last quiz looks wrong, who can check it?',
  'The lecture video does not play on my phone.',
  'How do I get a certificate when I finish the course?',
];
const ANSWER =
  'You can bookmark any page of the course: open the unit, select Bookmark this page at the top, and find ' +
  'it again under Bookmarks in the course menu. Bookmarks are private to you and stay until you remove them. ' +
  'If the option is missing, your course team may have turned it off; ask them through the course discussion.';
const OTHER_ISSUERS = [
  'https://moodle.north.example.edu',
  'https://canvas.instructure.com',
  'https://blackboard.com',
  'https://brightspace.south.example.edu',
  'https://sakai.east.example.edu',
  'https://openedx.west.example.edu',
];

const pick = <T>(list: readonly T[], i: number) => list[((i % list.length) + list.length) % list.length] as T;
/** A deterministic pseudo-random number in [0, 1) for an index (the seed is the same every run). */
const unit = (i: number, salt = 0) => {
  const x = Math.sin((i + 1) * 12.9898 + salt * 78.233) * 43758.5453;
  return x - Math.floor(x);
};

interface SeedTenant {
  tenantId: Types.ObjectId;
  issuer: string;
  clientId: string;
  deploymentId: string;
  bench: boolean;
  users: number;
  courses: number;
  conversations: number;
}

/** Splits the spec over the tenants: the bench tenant its share, the others the rest evenly. */
function tenantsOf(spec: VolumeSpec, bench: BenchTenant): SeedTenant[] {
  const others = Math.max(0, spec.tenants - 1);
  const share = (total: number, isBench: boolean) =>
    others === 0
      ? total
      : isBench
        ? Math.round(total * spec.benchShare)
        : Math.floor((total - Math.round(total * spec.benchShare)) / others);
  const list: SeedTenant[] = [
    {
      ...bench,
      bench: true,
      users: share(spec.users, true),
      courses: share(spec.courses, true),
      conversations: share(spec.conversations, true),
    },
  ];
  for (let t = 0; t < others; t++)
    list.push({
      tenantId: seededTenantId(t),
      issuer: pick(OTHER_ISSUERS, t),
      clientId: `seed-client-${t}`,
      deploymentId: `seed-deployment-${t}`,
      bench: false,
      users: share(spec.users, false),
      courses: share(spec.courses, false),
      conversations: share(spec.conversations, false),
    });
  return list;
}

/** The bench tenant's seeded courses (also what launches into them put in their context claim). */
export function seededCourse(j: number): SeededCourse {
  return {
    contextId: `seed-course-${j}`,
    title: `${pick(SUBJECTS, j)} ${100 + (j % 400)}: section ${Math.floor(j / 8) + 1}`,
    label: `${pick(SUBJECTS, j).slice(0, 3).toUpperCase()}${100 + (j % 400)}`,
  };
}

/**
 * Seeds the volume. `events` reserves every tenant's event sequences (the product's Redis counter),
 * `progress` gets a line per collection.
 */
export async function seedVolume(input: {
  db: Db;
  bench: BenchTenant;
  events: Pick<EventStore, 'nextSeq'>;
  spec?: VolumeSpec;
  progress?: (line: string) => void;
}): Promise<SeedReport> {
  const { db, bench, events } = input;
  const spec = input.spec ?? VOLUME;
  const progress = input.progress ?? (() => undefined);
  const tenants = tenantsOf(spec, bench);
  const now = Date.now();
  const counts: Record<string, number> = {};
  const samples: Record<string, unknown> = {};
  const seconds: Record<string, number> = {};
  const started = performance.now();

  // One insert in flight at a time, across collections, while the next batch is built: SQLite has one
  // writer per database, and concurrent inserts only wait on its lock.
  let pending: Promise<unknown> = Promise.resolve();
  /** Inserts documents in unordered batches as they are built; duplicate keys (re-runs) are skipped. */
  const writer = (collection: string) => {
    let buffer: Record<string, unknown>[] = [];
    let written = 0;
    const flush = async () => {
      if (!buffer.length) return;
      const docs = buffer;
      buffer = [];
      // One batch in flight while the next is built.
      await pending;
      pending = db
        .collection(collection)
        .insertMany(docs, { ordered: false })
        .then(
          (result) => {
            written += result.insertedCount;
          },
          (error: { code?: number; result?: { insertedCount?: number }; writeErrors?: unknown }) => {
            const insertedCount = error.result?.insertedCount;
            if (error.code !== 11000 && !String(error).includes('E11000')) throw error;
            written += insertedCount ?? 0;
          },
        );
    };
    return {
      async add(doc: Record<string, unknown>) {
        if (samples[collection] === undefined && !bench.tenantId.equals(doc.tenantId as Types.ObjectId))
          samples[collection] = doc._id;
        buffer.push(doc);
        if (buffer.length >= BATCH) await flush();
      },
      async done(): Promise<number> {
        await flush();
        await pending;
        counts[collection] = (counts[collection] ?? 0) + written;
        return written;
      },
    };
  };
  const timed = async (what: string, work: () => Promise<number>) => {
    const t0 = performance.now();
    const n = await work();
    const took = (performance.now() - t0) / 1000;
    seconds[what] = (seconds[what] ?? 0) + took;
    progress(`${what}: ${n.toLocaleString('en')} in ${took.toFixed(1)} s`);
  };

  await timed('tenants', async () => {
    const out = writer('tenants');
    for (const [t, tenant] of tenants.entries())
      if (!tenant.bench)
        await out.add({
          _id: tenant.tenantId,
          name: `Seeded University ${t}`,
          timeZone: pick(['America/New_York', 'Europe/Madrid', 'Asia/Tokyo', 'UTC'], t),
          locale: t % 3 === 0 ? 'es' : 'en',
          adminRoles: [],
          createdAt: new Date(now - 400 * DAY),
          updatedAt: new Date(now - 400 * DAY),
        });
    return out.done();
  });

  const userIdOf = (tenant: SeedTenant, i: number) =>
    stableObjectId(String(tenant.tenantId), tenant.issuer, `seed-user-${i}`);
  const courseIdOf = (tenant: SeedTenant, j: number) =>
    stableObjectId(String(tenant.tenantId), tenant.issuer, seededCourse(j).contextId);
  const roleOf = (i: number) => (i % 50 === 0 ? 'admin' : i % 12 === 0 ? 'instructor' : 'learner');
  const nameOf = (i: number) => ({ given: pick(FIRST, i), family: pick(LAST, Math.floor(i / 13) * 7 + i) });

  await timed('users', async () => {
    const out = writer('users');
    for (const tenant of tenants)
      for (let i = 0; i < tenant.users; i++) {
        const { given, family } = nameOf(i);
        const lastLaunchAt = new Date(now - unit(i, 1) * 90 * DAY);
        await out.add({
          _id: userIdOf(tenant, i),
          tenantId: tenant.tenantId,
          issuer: tenant.issuer,
          subject: `seed-user-${i}`,
          name: `${given} ${family}`,
          givenName: given,
          familyName: family,
          email: `${given}.${family}.${i}@students.example.edu`.toLowerCase(),
          picture: `${tenant.issuer}/avatar/seed-user-${i}.png`,
          lastRole: roleOf(i),
          locale: i % 7 === 0 ? 'es' : 'en',
          lastLaunchAt,
          createdAt: new Date(lastLaunchAt.getTime() - unit(i, 2) * 300 * DAY),
          updatedAt: lastLaunchAt,
        });
      }
    return out.done();
  });

  const benchCourses: SeededCourse[] = [];
  await timed('courses', async () => {
    const out = writer('courses');
    for (const tenant of tenants)
      for (let j = 0; j < tenant.courses; j++) {
        const course = seededCourse(j);
        if (tenant.bench) benchCourses.push(course);
        await out.add({
          _id: courseIdOf(tenant, j),
          tenantId: tenant.tenantId,
          issuer: tenant.issuer,
          contextId: course.contextId,
          title: course.title,
          label: course.label,
          membershipsUrl: `${tenant.issuer}/nrps/${course.contextId}/memberships`,
          lastLaunchAt: new Date(now - unit(j, 3) * 30 * DAY),
          createdAt: new Date(now - 200 * DAY - unit(j, 4) * 200 * DAY),
          updatedAt: new Date(now - unit(j, 3) * 30 * DAY),
        });
      }
    return out.done();
  });

  await timed('lti_launches', async () => {
    const out = writer('lti_launches');
    for (const tenant of tenants)
      for (let i = 0; i < tenant.users; i++)
        for (let k = 0; k < spec.launchesPerUser; k++) {
          const role = roleOf(i);
          const j = (i * 7 + k * 13) % Math.max(1, tenant.courses);
          const course = seededCourse(j);
          await out.add({
            _id: new Types.ObjectId(),
            tenantId: tenant.tenantId,
            userId: userIdOf(tenant, i),
            courseId: courseIdOf(tenant, j),
            role,
            ltiRoles: [
              role === 'learner'
                ? 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'
                : role === 'instructor'
                  ? 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'
                  : 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
            ],
            messageType: 'LtiResourceLinkRequest',
            issuer: tenant.issuer,
            clientId: tenant.clientId,
            deploymentId: tenant.deploymentId,
            resourceLink: { id: `rl-${course.contextId}`, title: 'Course assistant' },
            platform: {
              guid: `lms:${new URL(tenant.issuer).host}`,
              name: 'Seeded LMS',
              productFamily: 'moodle',
              productFamilyCode: 'moodle',
              version: '4.3',
            },
            custom: {},
            locale: i % 7 === 0 ? 'es' : 'en',
            returnUrl: `${tenant.issuer}/course/view.php?id=${j}`,
            documentTarget: 'iframe',
            membershipsUrl: `${tenant.issuer}/nrps/${course.contextId}/memberships`,
            createdAt: new Date(now - unit(i * 3 + k, 5) * 180 * DAY),
          });
        }
    return out.done();
  });

  // Thread pointers (a person's latest thread in a course, `_id` derived from tenant, user and course),
  // where the product keeps them: the thread holding the open key, else the one resolved last.
  const pointersOut = writer('thread_pointers');

  // Conversations, their messages and the events that told of them, tenant by tenant.
  const conversationsOut = writer('conversations');
  const messagesOut = writer('messages');
  const eventsOut = writer('events');
  const t0 = performance.now();
  // Sequences are reserved from the product's counter for every tenant, as a running system has them
  // (without a counter, a tenant's first new event reads its latest sequence from the database). All are
  // reserved before any event is written: on FerretDB that read is a scan of the whole collection.
  const perConversation = 12; // more than the events of any thread below (at most 10)
  const reservedTops = new Map<Types.ObjectId, number>();
  for (const tenant of tenants)
    reservedTops.set(
      tenant.tenantId,
      await events.nextSeq(String(tenant.tenantId), tenant.conversations * perConversation),
    );
  for (const tenant of tenants) {
    const reservedTop = reservedTops.get(tenant.tenantId) ?? 0;
    let seq = reservedTop - tenant.conversations * perConversation;
    const admins = Array.from({ length: 5 }, (_, a) => a * 50).filter((i) => i < tenant.users);
    const pointers = new Map<
      string,
      {
        userId: Types.ObjectId;
        courseId: Types.ObjectId;
        conversationId: Types.ObjectId;
        rank: number;
        at: Date;
      }
    >();
    for (let c = 0; c < tenant.conversations; c++) {
      const u = c % tenant.users;
      const round = Math.floor(c / tenant.users);
      const j = (u * 7 + round * 13) % Math.max(1, tenant.courses);
      const _id = new Types.ObjectId();
      const userId = userIdOf(tenant, u);
      const courseId = courseIdOf(tenant, j);
      const course = seededCourse(j);
      const { given, family } = nameOf(u);
      const userName = `${given} ${family}`;
      // A learner's first thread in a course may still be open; older ones are resolved.
      const draw = unit(c, 6);
      const status =
        round > 0 || draw >= 0.25 ? 'resolved' : draw < 0.2 ? 'bot' : draw < 0.23 ? 'waiting' : 'assigned';
      const handedOff =
        status === 'waiting' || status === 'assigned' || (status === 'resolved' && draw > 0.8);
      const admin = pick(admins, c);
      const adminId = admin === undefined ? undefined : userIdOf(tenant, admin);
      const adminName = admin === undefined ? undefined : `${nameOf(admin).given} ${nameOf(admin).family}`;
      const createdAt = new Date(now - unit(c, 7) * 365 * DAY);
      let at = createdAt.getTime();
      const messages: Message[] = [];
      const line = (
        author: Message['author'],
        text: string,
        clientId: string,
        extra: Partial<Message> = {},
      ) => {
        at += 20_000 + Math.floor(unit(c + messages.length, 8) * 600_000);
        messages.push({
          _id: new Types.ObjectId(),
          tenantId: tenant.tenantId,
          conversationId: _id,
          author,
          kind: 'message',
          text,
          citations: [],
          clientId,
          internal: false,
          createdAt: new Date(at),
          ...extra,
        } as Message);
      };
      const question = (k: number) =>
        line('learner', pick(QUESTIONS, c + k), `c${c}-q${k}-${_id.toHexString().slice(-8)}`, {
          authorId: userId,
          authorName: userName,
        });
      const answer = (k: number, confidence: number) =>
        line('bot', ANSWER, `bot:c${c}-q${k}-${_id.toHexString().slice(-8)}`, {
          citations: [
            { index: 1, title: 'Bookmarking course content', path: 'bookmarking-course-content.md' },
          ],
          confidence,
          answer: {
            passages: [
              { id: new Types.ObjectId().toHexString(), sourceId: 'seed', score: 11.2 },
              { id: new Types.ObjectId().toHexString(), sourceId: 'seed', score: 7.9 },
            ],
            mode: 'extractive',
            model: null,
            degraded: false,
            notCovered: confidence < 0.3,
            latencyMs: 12,
          },
        } as Partial<Message>);
      question(0);
      answer(0, handedOff ? 0.2 : 0.8);
      if (!handedOff && draw > 0.5) {
        question(1);
        answer(1, 0.7);
      }
      if (handedOff) {
        line('learner', 'Can I talk to a person please?', `c${c}-person`, {
          authorId: userId,
          authorName: userName,
        });
        line('system', 'We have passed your question to the support team.', `system:handoff:${c}`, {
          kind: 'event',
        });
        if (status !== 'waiting') {
          line('system', `${adminName ?? 'An admin'} took over.`, `system:claim:${c}`, { kind: 'event' });
          if (c % 4 === 0)
            line('admin', 'Checked the gradebook, see the note.', `note-${c}`, {
              kind: 'note',
              internal: true,
              authorId: adminId,
              authorName: adminName,
            });
          line('admin', 'I fixed it on our side, please try again now.', `admin-${c}`, {
            authorId: adminId,
            authorName: adminName,
          });
        }
      }
      if (status === 'resolved')
        line('system', 'This conversation was resolved.', `system:resolve:${c}`, { kind: 'event' });
      const lastMessageAt = new Date(at);
      const lastLearner = [...messages].reverse().find((m) => m.author === 'learner');
      await conversationsOut.add({
        _id,
        tenantId: tenant.tenantId,
        courseId,
        user: {
          userId,
          role: 'learner',
          name: userName,
          email: `${given}.${family}.${u}@students.example.edu`.toLowerCase(),
        },
        status,
        priority: pick(PRIORITIES, c),
        ...(handedOff
          ? {
              category: pick(CATEGORIES, c),
              handoff: {
                question: pick(QUESTIONS, c),
                reasons: [{ code: 'human_request', via: 'phrase' }],
                mode: 'live',
                summary: ['Learner asked for a person.'],
              },
              replyBy: new Date(createdAt.getTime() + 4 * 3600_000),
            }
          : {}),
        ...(status === 'assigned' || (status === 'resolved' && handedOff)
          ? { assigneeId: adminId, assigneeName: adminName }
          : {}),
        openKey: status === 'resolved' ? `closed:${_id}` : `open:${userId}:${courseId}`,
        lastMessageAt,
        ...(lastLearner ? { lastLearnerMessageAt: lastLearner.createdAt } : {}),
        lowConfidenceStreak: 0,
        version: status === 'bot' ? 0 : status === 'waiting' ? 1 : status === 'assigned' ? 2 : 3,
        locale: u % 7 === 0 ? 'es' : 'en',
        context: {
          launchId: new Types.ObjectId().toHexString(),
          productFamily: 'moodle',
          courseTitle: course.title,
          courseLabel: course.label,
        },
        createdAt,
        updatedAt: lastMessageAt,
        ...(status === 'resolved' ? { resolvedAt: lastMessageAt, resolution: 'answered' } : {}),
      });
      const key = `${u}:${j}`;
      const rank = status === 'resolved' ? lastMessageAt.getTime() : Number.POSITIVE_INFINITY;
      const best = pointers.get(key);
      if (!best || rank > best.rank)
        pointers.set(key, { userId, courseId, conversationId: _id, rank, at: lastMessageAt });
      // The events that told of it: opened, each message (notes as note.added), the status changes.
      const event = (name: string, payload: Record<string, unknown>, eventAt: Date, visibility = 'public') =>
        eventsOut.add({
          _id: new Types.ObjectId(),
          tenantId: tenant.tenantId,
          seq: ++seq,
          name,
          conversationId: _id,
          courseId,
          userId,
          visibility,
          actor: { userId: String(userId), role: 'learner' },
          payload,
          createdAt: eventAt,
        });
      await event(
        'conversation.opened',
        { status: 'bot', priority: 'normal', userId: String(userId), role: 'learner' },
        createdAt,
      );
      for (const message of messages) {
        await messagesOut.add(message as unknown as Record<string, unknown>);
        if (message.kind === 'note')
          await event('note.added', { message: toMessageView(message) }, message.createdAt, 'staff');
        else await event('message.posted', { message: toMessageView(message) }, message.createdAt);
      }
      if (status === 'resolved')
        await event(
          'conversation.resolved',
          { from: handedOff ? 'assigned' : 'bot', to: 'resolved', action: 'resolve', version: 3 },
          lastMessageAt,
        );
    }
    for (const pointer of pointers.values())
      await pointersOut.add({
        ...threadPointerOf({
          _id: pointer.conversationId,
          tenantId: tenant.tenantId,
          courseId: pointer.courseId,
          user: { userId: pointer.userId },
        }),
        updatedAt: pointer.at,
      });
  }
  const conversationCount = await conversationsOut.done();
  await pointersOut.done();
  await messagesOut.done();
  await eventsOut.done();
  seconds['conversations + messages + events'] = (performance.now() - t0) / 1000;
  progress(
    `conversations: ${conversationCount.toLocaleString('en')}, messages: ${(counts.messages ?? 0).toLocaleString('en')}, ` +
      `events: ${(counts.events ?? 0).toLocaleString('en')}, thread pointers: ${(counts.thread_pointers ?? 0).toLocaleString('en')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return { counts, seconds, totalSeconds: (performance.now() - started) / 1000, benchCourses, samples };
}

/**
 * Top-level fields the product writes that the seeded documents lack, per collection:
 * compares a document the product wrote during the bench with a seeded one, so a schema change shows up
 * in the bench's output instead of silently making the seeded data unrealistic.
 */
export async function shapeDifferences(
  db: Db,
  written: Record<string, Record<string, unknown> | null>,
  samples: Record<string, unknown>,
): Promise<string[]> {
  const differences: string[] = [];
  for (const [collection, doc] of Object.entries(written)) {
    if (!doc || samples[collection] === undefined) continue;
    const seeded = await db.collection(collection).findOne({ _id: samples[collection] as never });
    if (!seeded) continue;
    const product = new Set(Object.keys(doc));
    const ours = new Set(Object.keys(seeded));
    const missing = [...product].filter((key) => !ours.has(key));
    // (Seeded documents may carry more: fields a thread gets later, such as a handoff or a resolution.)
    if (missing.length) differences.push(`${collection}: the product also writes ${missing.join(', ')}`);
  }
  return differences;
}

/** The id of the t-th seeded tenant other than the bench tenant (0-based). */
export function seededTenantId(t: number): Types.ObjectId {
  return stableObjectId('bench-seed-tenant', String(t));
}
