import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Types } from 'mongoose';
import { ConversationModel } from '../../src/conversations/conversation.model.js';
import { LabelledMissModel } from '../../src/knowledge/labelled-miss.model.js';
import { LeadModel } from '../../src/leads/lead.model.js';
import { strangerToken } from '../support/api.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { openStream } from '../support/live-stream.js';
import { api, type Body, handOff, type Person } from '../support/people.js';
import { registeredRoutes } from '../support/routes.js';
import { launchInto, newInstitution } from '../support/tenants.js';

const SYS_ADMIN = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin';

/**
 * One institution's people and records. Every name, title and text it owns carries `marker`, so a response
 * that leaks any of it to another institution is caught by a plain substring check.
 */
interface World {
  marker: string;
  /** Lead admin (LTI institution Administrator), a plain admin (not a lead), instructors of two courses, learners. */
  admin: Person;
  peer: Person;
  instructor: Person;
  learner: Person;
  learner2: Person;
  ids: {
    thread: string;
    thread2: string;
    message: string;
    course: string;
    course2: string;
    canned: string;
    team: string;
    rule: string;
    source: string;
    lead: string;
    miss: string;
    user: string;
  };
}

async function buildWorld(app: TestApp, label: string): Promise<World> {
  const marker = `${label}${randomUUID().slice(0, 8)}`;
  const place = await newInstitution(app, label);
  const course = { id: `${marker}-c1`, title: `${marker} Course One` };
  const course2 = { id: `${marker}-c2`, title: `${marker} Course Two` };
  const [admin, peer, instructor, learner, learner2] = await Promise.all([
    launchInto(app, place, { role: 'admin', name: `${marker} Lead`, course }),
    launchInto(app, place, { role: 'admin', name: `${marker} Peer`, course, roles: [SYS_ADMIN] }),
    launchInto(app, place, { role: 'instructor', name: `${marker} Teacher`, course }),
    launchInto(app, place, { role: 'learner', name: `${marker} Learner`, course }),
    launchInto(app, place, { role: 'learner', name: `${marker} Other`, course: course2 }),
  ]);
  const thread = await handOff(app, learner, `${marker} question about my grade`);
  const thread2 = await handOff(app, learner2, `${marker} second course question`);
  const note = await api(app, admin, `/api/inbox/conversations/${thread}/notes`, {
    method: 'POST',
    body: { clientId: `n-${randomUUID()}`, text: `${marker} internal note` },
  });
  expect(note.status, note.text).to.equal(201);
  const doc = await ConversationModel.findById(thread).lean();
  const doc2 = await ConversationModel.findById(thread2).lean();
  const opened = await api(app, learner, '/api/chat');
  const message = (opened.body.messages as Body[]).find(
    (m) => m.role === 'learner' || m.author === 'learner',
  );
  const canned = await api(app, admin, '/api/inbox/canned-replies', {
    method: 'POST',
    body: { title: `${marker} canned`, text: `${marker} canned text {{learner.firstName}}` },
  });
  expect(canned.status, canned.text).to.equal(201);
  const team = await api(app, admin, '/api/inbox/teams', {
    method: 'POST',
    body: { name: `${marker} team`, memberIds: [admin.userId], courseIds: [String(doc?.courseId)] },
  });
  expect(team.status, team.text).to.equal(201);
  const rule = await api(app, admin, '/api/settings/keyword-rules', {
    method: 'POST',
    body: { name: `${marker} rule`, pattern: `${marker}word`, category: `${marker}cat` },
  });
  expect(rule.status, rule.text).to.equal(201);
  const source = await api(app, admin, '/api/knowledge/qa', {
    method: 'POST',
    body: { question: `${marker} knowledge question?`, answer: `${marker} knowledge answer.` },
  });
  expect(source.status, source.text).to.equal(201);
  const tenantId = new Types.ObjectId(admin.tenantId);
  const lead = await LeadModel.create({
    tenantId,
    conversationId: new Types.ObjectId(thread),
    userId: new Types.ObjectId(learner.userId),
    message: `${marker} we want a demo`,
    stage: 'captured',
    askedAt: new Date(),
    capturedAt: new Date(),
    contact: { name: `${marker} Prospect`, email: 'prospect@example.org', organisation: `${marker} Org` },
    consent: { text: 'ok', at: new Date() },
  });
  const miss = await LabelledMissModel.create({
    _id: new Types.ObjectId(),
    tenantId,
    conversationId: new Types.ObjectId(thread),
    question: `${marker} missed question`,
    language: 'en',
    askerRole: 'learner',
    answer: { text: `${marker} answer`, notCovered: true, sources: [], answeredAt: new Date() },
    signal: 'thumbs_down',
    recordedAt: new Date(),
  });
  return {
    marker,
    admin,
    peer,
    instructor,
    learner,
    learner2,
    ids: {
      thread,
      thread2,
      message: String(message?.id),
      course: String(doc?.courseId),
      course2: String(doc2?.courseId),
      canned: canned.body.reply.id,
      team: team.body.team.id,
      rule: rule.body.data?.id ?? rule.body.id,
      source: source.body.data.id,
      lead: String(lead._id),
      miss: String(miss._id),
      user: learner.userId,
    },
  };
}

type Access = 'public' | 'devlms' | 'session' | 'staff' | 'admin' | 'lead' | 'adminLead';

interface Probe {
  /** Who calls (a person of institution A). */
  as: (a: World) => Person | null;
  method?: string;
  path: (a: World, b: World) => string;
  body?: (a: World, b: World) => unknown;
  /** The statuses that keep the other institution's record secret (404; 200 for lists scoped to A). */
  expect: number[];
  /**
   * The same request with an id that exists nowhere: the answer must be identical (status and body), so
   * the route tells nothing about whether the other institution's record exists.
   */
  control?: (a: World) => { path: string; body?: unknown };
}

interface Case {
  access: Access;
  /** A valid body for the role checks, so a refusal is the role's and not the body's. */
  sample?: (a: World) => unknown;
  /** Requests with another institution's (or another course's) ids; none when the route reads no id. */
  probes: Probe[];
  /** Why a route has no cross-tenant probe. */
  why?: string;
}

const B_THREAD = (_a: World, b: World) => b.ids.thread;
const asAdmin = (a: World) => a.admin;
const asInstructor = (a: World) => a.instructor;
const asLearner = (a: World) => a.learner;
const threadProbes = (action: string, body?: unknown): Probe[] => [
  {
    as: asAdmin,
    method: 'POST',
    path: (a, b) => `/api/inbox/conversations/${B_THREAD(a, b)}/${action}`,
    body: () => body ?? {},
    expect: [404],
  },
  // An instructor with a thread of their own institution but another course.
  {
    as: asInstructor,
    method: 'POST',
    path: (a) => `/api/inbox/conversations/${a.ids.thread2}/${action}`,
    body: () => body ?? {},
    expect: [404],
  },
];
const list = (path: string, as = asAdmin): Probe => ({ as, path: () => path, expect: [200] });
const byId = (method: string, path: (a: World, b: World) => string, body?: Probe['body']): Probe => ({
  as: asAdmin,
  method,
  path,
  body,
  expect: [404],
});

/** Every route the application serves, with how it keeps institutions apart. */
const ROUTES: Record<string, Case> = {
  // Health, assets, LTI plumbing: no tenant data in or out.
  'GET /healthz': { access: 'public', probes: [], why: 'liveness, no data' },
  'GET /readyz': { access: 'public', probes: [], why: 'readiness, no data' },
  'GET /vendor/chart.umd.min.js': { access: 'public', probes: [], why: 'static script' },
  'GET /lti/login': {
    access: 'public',
    probes: [],
    why: 'OIDC login start; tenant comes from the signed launch',
  },
  'POST /lti/login': { access: 'public', probes: [], why: 'OIDC login start' },
  'POST /lti/launch': {
    access: 'public',
    probes: [],
    why: 'signed id token decides the tenant (lti-launch tests)',
  },
  'GET /lti/register': { access: 'public', probes: [], why: 'dynamic registration (lti-launch tests)' },
  'GET /lti/canvas.json': { access: 'public', probes: [], why: 'static tool configuration' },
  'POST /lti/deep-link': {
    access: 'public',
    probes: [],
    why: 'session in the form; returns to the own platform',
  },
  // Thread links: the landing page shows a reference only; the single-use token is the credential.
  'GET /go/thread/:id': {
    access: 'public',
    probes: [{ as: () => null, path: (_a, b) => `/go/thread/${b.ids.thread}`, expect: [200] }],
  },
  'GET /go': { access: 'public', probes: [{ as: () => null, path: () => '/go?token=nope', expect: [410] }] },
  'POST /go': {
    access: 'public',
    probes: [{ as: () => null, method: 'POST', path: () => '/go?token=nope', expect: [410] }],
  },
  // Pages: they show the session's own name and course only.
  'GET /chat': { access: 'session', probes: [list('/chat', asLearner)] },
  'GET /inbox': { access: 'staff', probes: [list('/inbox')] },
  'GET /inbox/setup': { access: 'staff', probes: [list('/inbox/setup')] },
  'GET /deep-link': { access: 'staff', probes: [], why: 'deep-linking form of the own launch' },
  'GET /knowledge': { access: 'admin', probes: [list('/knowledge')] },
  'GET /leads': { access: 'admin', probes: [list('/leads')] },
  'GET /insights': { access: 'staff', probes: [list('/insights')] },
  'GET /settings': { access: 'admin', probes: [list('/settings')] },
  'GET /settings/hours': { access: 'adminLead', probes: [list('/settings/hours')] },
  'GET /settings/notifications': { access: 'adminLead', probes: [list('/settings/notifications')] },
  // The learner's chat.
  'GET /api/chat': { access: 'session', probes: [list('/api/chat', asLearner)] },
  'GET /api/chat/events': { access: 'session', probes: [], why: 'a live channel: its own test below' },
  'GET /api/chat/preferences': { access: 'session', probes: [list('/api/chat/preferences', asLearner)] },
  'PUT /api/chat/preferences': { access: 'session', probes: [], why: 'writes the caller’s own preference' },
  'POST /api/chat/messages': {
    access: 'session',
    probes: [
      {
        as: asLearner,
        method: 'POST',
        path: () => '/api/chat/messages',
        body: (_a, b) => ({ conversationId: b.ids.thread, clientId: `x-${randomUUID()}`, text: 'hello' }),
        expect: [404],
      },
      // Another learner's thread of the same institution.
      {
        as: asLearner,
        method: 'POST',
        path: () => '/api/chat/messages',
        body: (a) => ({ conversationId: a.ids.thread2, clientId: `x-${randomUUID()}`, text: 'hello' }),
        expect: [404],
      },
    ],
  },
  'POST /api/chat/handoff': {
    access: 'session',
    probes: [
      {
        as: asLearner,
        method: 'POST',
        path: () => '/api/chat/handoff',
        body: (_a, b) => ({ conversationId: b.ids.thread }),
        expect: [404],
      },
    ],
  },
  'POST /api/chat/messages/:id/feedback': {
    access: 'session',
    probes: [
      {
        as: asLearner,
        method: 'POST',
        path: (_a, b) => `/api/chat/messages/${b.ids.message}/feedback`,
        body: () => ({ value: 'down' }),
        expect: [404],
      },
    ],
  },
  'GET /api/chat/lead': {
    access: 'session',
    probes: [
      {
        as: asLearner,
        path: (_a, b) => `/api/chat/lead?conversationId=${b.ids.thread}`,
        // "No enquiry in this thread": the answer for any thread not the learner's own.
        expect: [200, 404],
        control: () => ({ path: `/api/chat/lead?conversationId=${new Types.ObjectId()}` }),
      },
    ],
  },
  'POST /api/chat/lead': {
    access: 'session',
    probes: [
      {
        as: asLearner,
        method: 'POST',
        path: () => '/api/chat/lead',
        body: (_a, b) => ({
          conversationId: b.ids.thread,
          name: 'X',
          email: 'x@example.org',
          organisation: 'X',
          consent: true,
        }),
        expect: [404],
      },
    ],
  },
  'POST /api/chat/lead/decline': {
    access: 'session',
    probes: [
      {
        as: asLearner,
        method: 'POST',
        path: () => '/api/chat/lead/decline',
        body: (_a, b) => ({ conversationId: b.ids.thread }),
        expect: [404],
      },
    ],
  },
  // The inbox.
  'GET /api/inbox/conversations': {
    access: 'staff',
    probes: [
      list('/api/inbox/conversations?view=all&limit=100'),
      {
        as: asAdmin,
        path: (_a, b) => `/api/inbox/conversations?view=all&courseId=${b.ids.course}`,
        expect: [200],
      },
      {
        as: asAdmin,
        path: (_a, b) => `/api/inbox/conversations?view=all&teamId=${b.ids.team}`,
        expect: [200],
      },
      { as: asAdmin, path: (_a, b) => `/api/inbox/conversations?view=all&q=${b.marker}`, expect: [200] },
      {
        as: asInstructor,
        path: (a) => `/api/inbox/conversations?view=all&courseId=${a.ids.course2}`,
        expect: [200],
      },
    ],
  },
  'GET /api/inbox/conversations/:id': {
    access: 'staff',
    probes: [
      byId('GET', (_a, b) => `/api/inbox/conversations/${b.ids.thread}`),
      { as: asInstructor, path: (a) => `/api/inbox/conversations/${a.ids.thread2}`, expect: [404] },
    ],
  },
  'POST /api/inbox/conversations/:id/claim': { access: 'staff', probes: threadProbes('claim') },
  'POST /api/inbox/conversations/:id/reply': {
    access: 'staff',
    probes: threadProbes('reply', { clientId: 'iso-reply', text: 'hi' }),
  },
  'POST /api/inbox/conversations/:id/notes': {
    access: 'staff',
    probes: threadProbes('notes', { clientId: 'iso-note', text: 'hi' }),
  },
  'POST /api/inbox/conversations/:id/transfer': {
    access: 'staff',
    probes: [
      ...threadProbes('transfer', { toUserId: new Types.ObjectId().toHexString() }),
      // A's own thread to B's person or B's team: not found, nothing moved.
      {
        as: asAdmin,
        method: 'POST',
        path: (a) => `/api/inbox/conversations/${a.ids.thread}/transfer`,
        body: (_a, b) => ({ toUserId: b.admin.userId }),
        // "Only staff of this institution": the same words as for an id that exists nowhere.
        expect: [404, 422],
        control: (a) => ({
          path: `/api/inbox/conversations/${a.ids.thread}/transfer`,
          body: { toUserId: new Types.ObjectId().toHexString() },
        }),
      },
      byId(
        'POST',
        (a) => `/api/inbox/conversations/${a.ids.thread}/transfer`,
        (_a, b) => ({ teamId: b.ids.team }),
      ),
    ],
  },
  'POST /api/inbox/conversations/:id/hand-back': { access: 'staff', probes: threadProbes('hand-back') },
  'POST /api/inbox/conversations/:id/resolve': { access: 'staff', probes: threadProbes('resolve') },
  'POST /api/inbox/conversations/:id/reopen': { access: 'staff', probes: threadProbes('reopen') },
  'POST /api/inbox/conversations/:id/presence': { access: 'staff', probes: threadProbes('presence') },
  'GET /api/inbox/staff': { access: 'staff', probes: [list('/api/inbox/staff')] },
  'GET /api/inbox/canned-replies': { access: 'staff', probes: [list('/api/inbox/canned-replies')] },
  'POST /api/inbox/canned-replies': {
    access: 'lead',
    sample: () => ({ title: 'Sample', text: 'Sample text' }),
    probes: [],
    why: 'creates in the caller’s tenant',
  },
  'PUT /api/inbox/canned-replies/:id': {
    access: 'lead',
    sample: () => ({ title: 'Sample', text: 'Sample text' }),
    probes: [
      byId(
        'PUT',
        (_a, b) => `/api/inbox/canned-replies/${b.ids.canned}`,
        () => ({ title: 'taken over', text: 'taken over' }),
      ),
    ],
  },
  'DELETE /api/inbox/canned-replies/:id': {
    access: 'lead',
    probes: [byId('DELETE', (_a, b) => `/api/inbox/canned-replies/${b.ids.canned}`)],
  },
  'POST /api/inbox/canned-replies/:id/render': {
    access: 'staff',
    probes: [
      // B's reply on A's thread, and A's reply on B's thread: neither renders.
      byId(
        'POST',
        (_a, b) => `/api/inbox/canned-replies/${b.ids.canned}/render`,
        (a) => ({ conversationId: a.ids.thread }),
      ),
      byId(
        'POST',
        (a) => `/api/inbox/canned-replies/${a.ids.canned}/render`,
        (_a, b) => ({ conversationId: b.ids.thread }),
      ),
    ],
  },
  'GET /api/inbox/teams': { access: 'staff', probes: [list('/api/inbox/teams')] },
  'POST /api/inbox/teams': {
    access: 'lead',
    sample: () => ({ name: `Sample ${randomUUID()}` }),
    probes: [
      // A team of A naming B's people or B's course is refused, not half-saved.
      {
        as: asAdmin,
        method: 'POST',
        path: () => '/api/inbox/teams',
        body: (_a, b) => ({
          name: `Mixed people ${randomUUID()}`,
          memberIds: [b.admin.userId],
          courseIds: [],
        }),
        expect: [400, 404],
      },
      {
        as: asAdmin,
        method: 'POST',
        path: () => '/api/inbox/teams',
        body: (_a, b) => ({
          name: `Mixed courses ${randomUUID()}`,
          memberIds: [],
          courseIds: [b.ids.course],
        }),
        expect: [400, 404],
      },
    ],
  },
  'POST /api/inbox/teams/course/:id/sync': {
    access: 'lead',
    probes: [byId('POST', (_a, b) => `/api/inbox/teams/course/${b.ids.course}/sync`)],
  },
  'PUT /api/inbox/teams/:id': {
    access: 'lead',
    sample: () => ({ name: `Sample ${randomUUID()}` }),
    probes: [
      byId(
        'PUT',
        (_a, b) => `/api/inbox/teams/${b.ids.team}`,
        () => ({ name: 'taken over', memberIds: [], courseIds: [] }),
      ),
      // A's own team given B's people or B's course.
      {
        as: asAdmin,
        method: 'PUT',
        path: (a) => `/api/inbox/teams/${a.ids.team}`,
        body: (a, b) => ({
          name: `${a.marker} team`,
          memberIds: [b.admin.userId],
          courseIds: [a.ids.course],
        }),
        expect: [400, 404],
      },
      {
        as: asAdmin,
        method: 'PUT',
        path: (a) => `/api/inbox/teams/${a.ids.team}`,
        body: (a, b) => ({
          name: `${a.marker} team`,
          memberIds: [a.admin.userId],
          courseIds: [b.ids.course],
        }),
        expect: [400, 404],
      },
    ],
  },
  'DELETE /api/inbox/teams/:id': {
    access: 'lead',
    probes: [byId('DELETE', (_a, b) => `/api/inbox/teams/${b.ids.team}`)],
  },
  'GET /api/inbox/settings': { access: 'lead', probes: [list('/api/inbox/settings')] },
  'PUT /api/inbox/settings': {
    access: 'lead',
    sample: () => ({ leadRoles: [], leadUserIds: [] }),
    probes: [
      {
        as: asAdmin,
        method: 'PUT',
        path: () => '/api/inbox/settings',
        body: (a, b) => ({ leadRoles: [], leadUserIds: [a.admin.userId, b.admin.userId] }),
        expect: [400, 404],
      },
    ],
  },
  'GET /api/inbox/audit': {
    access: 'lead',
    probes: [
      list('/api/inbox/audit'),
      { as: asAdmin, path: () => `/api/inbox/audit?cursor=${'f'.repeat(24)}`, expect: [200] },
    ],
  },
  'GET /api/inbox/events': { access: 'staff', probes: [], why: 'a live channel: its own test below' },
  // Knowledge.
  'GET /api/knowledge/sources': { access: 'admin', probes: [list('/api/knowledge/sources')] },
  'GET /api/knowledge/sources/:id': {
    access: 'admin',
    probes: [byId('GET', (_a, b) => `/api/knowledge/sources/${b.ids.source}`)],
  },
  'DELETE /api/knowledge/sources/:id': {
    access: 'admin',
    probes: [byId('DELETE', (_a, b) => `/api/knowledge/sources/${b.ids.source}`)],
  },
  'POST /api/knowledge/files': { access: 'admin', probes: [], why: 'adds to the caller’s tenant' },
  'POST /api/knowledge/qa': { access: 'admin', probes: [], why: 'adds to the caller’s tenant' },
  'GET /api/knowledge/misses': { access: 'admin', probes: [list('/api/knowledge/misses?perPage=100')] },
  'GET /api/knowledge/misses/export.jsonl': {
    access: 'admin',
    probes: [list('/api/knowledge/misses/export.jsonl')],
  },
  'PUT /api/knowledge/misses/:id/label': {
    access: 'admin',
    probes: [
      byId(
        'PUT',
        (_a, b) => `/api/knowledge/misses/${b.ids.miss}/label`,
        () => ({ label: 'dismissed' }),
      ),
      // A's miss labelled with B's document as the answer.
      {
        as: asAdmin,
        method: 'PUT',
        path: (a) => `/api/knowledge/misses/${a.ids.miss}/label`,
        body: (_a, b) => ({ label: 'answerable', sourceId: b.ids.source }),
        expect: [400, 404],
      },
    ],
  },
  // Settings.
  'GET /api/settings/handoff': { access: 'admin', probes: [list('/api/settings/handoff')] },
  'PATCH /api/settings/handoff': { access: 'admin', probes: [], why: 'writes the caller’s tenant settings' },
  'GET /api/settings/keyword-rules': { access: 'admin', probes: [list('/api/settings/keyword-rules')] },
  'POST /api/settings/keyword-rules': { access: 'admin', probes: [], why: 'creates in the caller’s tenant' },
  'PATCH /api/settings/keyword-rules/:id': {
    access: 'admin',
    probes: [
      byId(
        'PATCH',
        (_a, b) => `/api/settings/keyword-rules/${b.ids.rule}`,
        () => ({ enabled: false }),
      ),
    ],
  },
  'DELETE /api/settings/keyword-rules/:id': {
    access: 'admin',
    probes: [byId('DELETE', (_a, b) => `/api/settings/keyword-rules/${b.ids.rule}`)],
  },
  'GET /api/settings/sla': { access: 'adminLead', probes: [list('/api/settings/sla')] },
  'PUT /api/settings/sla': { access: 'adminLead', probes: [], why: 'writes the caller’s tenant settings' },
  'POST /api/settings/sla/ics': {
    access: 'adminLead',
    probes: [],
    why: 'writes the caller’s tenant calendar',
  },
  'GET /api/settings/notifications': { access: 'adminLead', probes: [list('/api/settings/notifications')] },
  'PUT /api/settings/notifications': { access: 'adminLead', probes: [], why: 'writes the caller’s channels' },
  'POST /api/settings/notifications/test': {
    access: 'adminLead',
    probes: [],
    why: 'channel ids are looked up in the caller’s settings only',
  },
  'GET /api/settings/notifications/dead-letters': {
    access: 'adminLead',
    probes: [list('/api/settings/notifications/dead-letters')],
  },
  'POST /api/settings/notifications/dead-letters/:id/retry': {
    access: 'adminLead',
    probes: [byId('POST', () => `/api/settings/notifications/dead-letters/d${'0'.repeat(32)}/retry`)],
  },
  // Insights.
  'GET /api/insights': {
    access: 'staff',
    probes: [
      list('/api/insights'),
      { as: asAdmin, path: (_a, b) => `/api/insights?course=${b.ids.course}`, expect: [200] },
      { as: asInstructor, path: (a) => `/api/insights?course=${a.ids.course2}`, expect: [200] },
    ],
  },
  'GET /api/insights/export.csv': {
    access: 'staff',
    probes: [
      {
        as: asAdmin,
        path: (_a, b) => `/api/insights/export.csv?table=topics&course=${b.ids.course}`,
        expect: [200],
      },
      { as: asAdmin, path: () => '/api/insights/export.csv?table=topics', expect: [200] },
      {
        as: asInstructor,
        path: (a) => `/api/insights/export.csv?table=topics&course=${a.ids.course2}`,
        expect: [200],
      },
    ],
  },
  'GET /api/insights/settings': { access: 'staff', probes: [list('/api/insights/settings')] },
  'PUT /api/insights/settings': { access: 'admin', probes: [], why: 'writes the caller’s tenant settings' },
  'GET /api/insights/gaps': {
    access: 'staff',
    probes: [
      list('/api/insights/gaps'),
      { as: asAdmin, path: (_a, b) => `/api/insights/gaps?course=${b.ids.course}`, expect: [200] },
      { as: asInstructor, path: (a) => `/api/insights/gaps?course=${a.ids.course2}`, expect: [200] },
    ],
  },
  'GET /api/insights/gaps/threads/:id': {
    access: 'admin',
    probes: [byId('GET', (_a, b) => `/api/insights/gaps/threads/${b.ids.thread}`)],
  },
  'POST /api/insights/gaps/qa': {
    access: 'admin',
    probes: [
      byId(
        'POST',
        () => '/api/insights/gaps/qa',
        (_a, b) => ({
          conversationId: b.ids.thread,
          question: 'q?',
          answer: 'a.',
          scope: 'institution',
        }),
      ),
    ],
  },
  // Leads.
  'GET /api/leads': { access: 'admin', probes: [list('/api/leads')] },
  'GET /api/leads/export.csv': { access: 'admin', probes: [list('/api/leads/export.csv')] },
  'GET /api/leads/settings': { access: 'admin', probes: [list('/api/leads/settings')] },
  'PUT /api/leads/settings': { access: 'admin', probes: [], why: 'writes the caller’s tenant settings' },
  'GET /api/leads/:id': { access: 'admin', probes: [byId('GET', (_a, b) => `/api/leads/${b.ids.lead}`)] },
  'PATCH /api/leads/:id': {
    access: 'admin',
    probes: [
      byId(
        'PATCH',
        (_a, b) => `/api/leads/${b.ids.lead}`,
        () => ({ status: 'contacted' }),
      ),
      // A's lead given to B's person.
      {
        as: asAdmin,
        method: 'PATCH',
        path: (a) => `/api/leads/${a.ids.lead}`,
        body: (_a, b) => ({ ownerId: b.admin.userId }),
        expect: [400, 404],
      },
    ],
  },
  // Data rights (one person's data on request).
  'GET /settings/privacy': { access: 'admin', probes: [list('/settings/privacy')] },
  'GET /api/privacy/settings': { access: 'admin', probes: [list('/api/privacy/settings')] },
  'PUT /api/privacy/settings': { access: 'admin', probes: [], why: 'writes the caller’s retention' },
  'GET /api/privacy/people': {
    access: 'admin',
    probes: [
      { as: asAdmin, path: (_a, b) => `/api/privacy/people?userId=${b.ids.user}`, expect: [200] },
      {
        as: asAdmin,
        path: (_a, b) => `/api/privacy/people?email=${encodeURIComponent(b.learner.email ?? '')}`,
        expect: [200],
      },
    ],
  },
  'GET /api/privacy/people/:id/export': {
    access: 'admin',
    probes: [byId('GET', (_a, b) => `/api/privacy/people/${b.ids.user}/export`)],
  },
  'POST /api/privacy/people/:id/erase': {
    access: 'admin',
    probes: [
      byId(
        'POST',
        (_a, b) => `/api/privacy/people/${b.ids.user}/erase`,
        () => ({ confirm: true }),
      ),
    ],
  },
  'GET /api/privacy/people/:id/erase': {
    access: 'admin',
    probes: [byId('GET', (_a, b) => `/api/privacy/people/${b.ids.user}/erase`)],
  },
};

/** The development LMS (mounted in development and tests only, never in production). */
const DEV_LMS_PREFIX = '/dev/lms';

/** A path with its parameters filled by an id of the caller's own institution (role checks). */
const ownPath = (route: string, a: World) =>
  route
    .replace('/canned-replies/:id', `/canned-replies/${a.ids.canned}`)
    .replace('/teams/course/:id', `/teams/course/${a.ids.course}`)
    .replace('/teams/:id', `/teams/${a.ids.team}`)
    .replace('/conversations/:id', `/conversations/${a.ids.thread}`)
    .replace('/sources/:id', `/sources/${a.ids.source}`)
    .replace('/misses/:id', `/misses/${a.ids.miss}`)
    .replace('/keyword-rules/:id', `/keyword-rules/${a.ids.rule}`)
    .replace('/dead-letters/:id', `/dead-letters/d${'0'.repeat(32)}`)
    .replace('/gaps/threads/:id', `/gaps/threads/${a.ids.thread}`)
    .replace('/leads/:id', `/leads/${a.ids.lead}`)
    .replace('/people/:id', `/people/${a.ids.user}`);

describe('isolation: every route, page and live channel keeps institutions and courses apart', function () {
  this.timeout(300_000);
  let app: TestApp;
  let a: World;
  let b: World;

  before(async () => {
    app = await startTestApp({ worker: true });
    [a, b] = await Promise.all([buildWorld(app, 'Alpha'), buildWorld(app, 'Bravo')]);
  });
  after(() => app?.stop());

  /** Nothing of B (names, texts, titles: all carry B's marker) in a response to A. */
  const leaksNothing = (text: string, what: string) => {
    expect(text, `${what} leaks the other institution`).not.to.include(b.marker);
  };

  it('has a case for every route the application serves (a new route needs one)', () => {
    const served = registeredRoutes(app.server).filter(
      (route) => !route.split(' ')[1]?.startsWith(DEV_LMS_PREFIX),
    );
    const missing = served.filter((route) => !(route in ROUTES));
    expect(missing, 'routes without an isolation case').to.deep.equal([]);
    const stale = Object.keys(ROUTES).filter((route) => !served.includes(route));
    expect(stale, 'cases for routes that no longer exist').to.deep.equal([]);
    // A route taking an id in its path is probed with another institution's id, no exception.
    const unprobed = Object.entries(ROUTES)
      .filter(([route, spec]) => route.includes('/:') && spec.probes.length === 0)
      .map(([route]) => route);
    expect(unprobed, 'routes with an id and no cross-tenant probe').to.deep.equal([]);
    for (const [route, spec] of Object.entries(ROUTES))
      if (spec.probes.length === 0)
        expect(spec.why, `${route}: a probe or the reason it has none`).to.be.a('string');
  });

  it("answers another institution's (or course's) ids with 404 and shows nothing of it", async () => {
    const failures: string[] = [];
    for (const [route, spec] of Object.entries(ROUTES)) {
      for (const probe of spec.probes) {
        const who = probe.as(a);
        const path = probe.path(a, b);
        const body = probe.body?.(a, b);
        const response = await fetch(`${app.url}${path}`, {
          method: probe.method ?? 'GET',
          headers: {
            ...(who ? { authorization: `Bearer ${who.token}` } : {}),
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        if (!probe.expect.includes(response.status))
          failures.push(
            `${route} (${probe.method ?? 'GET'} ${path}): ${response.status} ${text.slice(0, 200)}`,
          );
        if (text.includes(b.marker))
          failures.push(`${route} (${path}) leaks ${b.marker}: ${text.slice(0, 300)}`);
        // Another course's thread must not show to the instructor either.
        if (who === a.instructor && text.includes(`${a.marker} second course`))
          failures.push(`${route} (${path}) shows another course to an instructor`);
      }
    }
    expect(failures).to.deep.equal([]);
  });

  it('answers a session of an institution with no records on every route without a server error or a leak', async () => {
    const failures: string[] = [];
    for (const role of ['admin', 'instructor', 'learner'] as const) {
      const token = await strangerToken(app.config.LTI_ENCRYPTION_KEY, role);
      for (const [route, spec] of Object.entries(ROUTES)) {
        if (spec.access === 'public' || route.endsWith('/events')) continue;
        const [method, pattern] = route.split(' ') as [string, string];
        const response = await fetch(`${app.url}${ownPath(pattern, b)}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify(spec.sample?.(b) ?? {}),
        });
        const text = await response.text();
        if (response.status >= 500)
          failures.push(`${route} as a ${role}: ${response.status} ${text.slice(0, 160)}`);
        if (text.includes(b.marker) || text.includes(a.marker)) failures.push(`${route} as a ${role} leaks`);
      }
    }
    expect(failures).to.deep.equal([]);
  });

  it("leaves the other institution's records as they were after the refused writes", async () => {
    const thread = await api(app, b.admin, `/api/inbox/conversations/${b.ids.thread}`);
    expect(thread.status).to.equal(200);
    expect(thread.body.conversation?.status ?? thread.body.status ?? thread.body.item?.status).to.equal(
      'waiting',
    );
    const canned = await api(app, b.admin, '/api/inbox/canned-replies');
    expect(canned.body.replies.map((r: Body) => r.title)).to.deep.equal([`${b.marker} canned`]);
    const teams = await api(app, b.admin, '/api/inbox/teams');
    expect(teams.body.teams.map((t: Body) => t.name)).to.include(`${b.marker} team`);
    const rules = await api(app, b.admin, '/api/settings/keyword-rules');
    expect(rules.text).to.include(`${b.marker} rule`);
    expect((await api(app, b.admin, `/api/knowledge/sources/${b.ids.source}`)).status).to.equal(200);
    const lead = await api(app, b.admin, `/api/leads/${b.ids.lead}`);
    expect(lead.body.data.status).to.equal('new');
  });

  it('counts only the own institution’s threads, and an instructor only their course’s', async () => {
    const admin = await api(app, a.admin, '/api/inbox/conversations?view=all&limit=100');
    expect(admin.body.items.map((i: Body) => i.id).sort()).to.deep.equal(
      [a.ids.thread, a.ids.thread2].sort(),
    );
    expect(admin.body.counts.open).to.equal(2);
    const teacher = await api(app, a.instructor, '/api/inbox/conversations?view=all&limit=100');
    expect(teacher.body.items.map((i: Body) => i.id)).to.deep.equal([a.ids.thread]);
    expect(teacher.body.counts.open).to.equal(1);
    const audit = await api(app, a.admin, '/api/inbox/audit');
    expect(audit.status).to.equal(200);
    expect(audit.text).to.include(`${a.marker} canned`);
    leaksNothing(audit.text, 'the audit log');
  });

  it('refuses learners and instructors on every admin route, learners on staff routes, non-leads on lead routes', async () => {
    const failures: string[] = [];
    const call = async (who: Person, route: string) => {
      const [method, pattern] = route.split(' ') as [string, string];
      const sample = ROUTES[route]?.sample?.(a);
      const response = await fetch(`${app.url}${ownPath(pattern, a)}`, {
        method,
        headers: {
          authorization: `Bearer ${who.token}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify(sample ?? {}),
      });
      const text = await response.text();
      if (response.status !== 403)
        failures.push(`${route} as ${who.name}: ${response.status} ${text.slice(0, 160)}`);
      leaksNothing(text, route);
    };
    for (const [route, spec] of Object.entries(ROUTES)) {
      if (route.endsWith('/events')) continue; // the streams' role checks are in their own test
      if (spec.access === 'admin' || spec.access === 'adminLead') {
        await call(a.learner, route);
        await call(a.instructor, route);
      }
      if (spec.access === 'staff' || spec.access === 'lead') await call(a.learner, route);
      if (spec.access === 'lead') await call(a.instructor, route);
      if (spec.access === 'lead' || spec.access === 'adminLead') await call(a.peer, route);
    }
    expect(failures).to.deep.equal([]);
  });

  it("carries nothing of another institution or course on the inbox's live channel", async () => {
    const streamA = await openStream(`${app.url}/api/inbox/events`, a.admin.token);
    const teacherA = await openStream(`${app.url}/api/inbox/events`, a.instructor.token);
    const streamB = await openStream(`${app.url}/api/inbox/events`, b.admin.token);
    try {
      expect([streamA.status, teacherA.status, streamB.status]).to.deep.equal([200, 200, 200]);
      // B: a learner message, a note and presence on B's thread; A: a message in A's other course.
      const text = `${b.marker} live secret`;
      await api(app, b.learner, '/api/chat/messages', {
        method: 'POST',
        body: { conversationId: b.ids.thread, clientId: `l-${randomUUID()}`, text },
      });
      await api(app, b.admin, `/api/inbox/conversations/${b.ids.thread}/notes`, {
        method: 'POST',
        body: { clientId: `n-${randomUUID()}`, text: `${b.marker} live note` },
      });
      await api(app, b.admin, `/api/inbox/conversations/${b.ids.thread}/presence`, {
        method: 'POST',
        body: { typing: true },
      });
      const course2 = `${a.marker} second course live`;
      await api(app, a.learner2, '/api/chat/messages', {
        method: 'POST',
        body: { conversationId: a.ids.thread2, clientId: `l-${randomUUID()}`, text: course2 },
      });
      // B's own stream saw its events: the bus has delivered them in this process.
      await streamB.waitFor(
        (e) => e.type === 'message' && e.data.message?.text === `${b.marker} live note`,
        "B's note",
      );
      await streamB.waitFor(
        (e) => e.type === 'presence' && e.data.conversationId === b.ids.thread,
        "B's presence",
      );
      await streamA.waitFor(
        (e) => e.type === 'message' && e.data.message?.text === course2,
        "A's course-2 message",
      );
      // Then a marker in A's first course: once A's streams have it, anything of B would have arrived before.
      const marker = `${a.marker} marker ${randomUUID()}`;
      await api(app, a.learner, '/api/chat/messages', {
        method: 'POST',
        body: { conversationId: a.ids.thread, clientId: `l-${randomUUID()}`, text: marker },
      });
      await streamA.waitFor(
        (e) => e.type === 'message' && e.data.message?.text === marker,
        'the marker (admin)',
      );
      await teacherA.waitFor(
        (e) => e.type === 'message' && e.data.message?.text === marker,
        'the marker (instructor)',
      );
      for (const [who, stream] of [
        ['admin', streamA],
        ['instructor', teacherA],
      ] as const) {
        expect(stream.raw(), `${who} stream`).not.to.include(b.marker);
        expect(stream.raw(), `${who} stream`).not.to.include(b.ids.thread);
      }
      expect(teacherA.raw(), 'another course on the instructor stream').not.to.include(course2);
      expect(teacherA.raw()).not.to.include(a.ids.thread2);
    } finally {
      streamA.close();
      teacherA.close();
      streamB.close();
    }
    // A learner cannot open the staff channel at all.
    const learner = await openStream(`${app.url}/api/inbox/events`, a.learner.token);
    learner.close();
    expect(learner.status).to.equal(403);
  });

  it("carries nothing of another learner or institution on the learner's live channel", async () => {
    const streamA = await openStream(`${app.url}/api/chat/events`, a.learner.token);
    const streamB = await openStream(`${app.url}/api/chat/events`, b.learner.token);
    try {
      const secret = `${b.marker} chat secret`;
      await api(app, b.learner, '/api/chat/messages', {
        method: 'POST',
        body: { conversationId: b.ids.thread, clientId: `l-${randomUUID()}`, text: secret },
      });
      const sameTenant = `${a.marker} other learner live`;
      await api(app, a.learner2, '/api/chat/messages', {
        method: 'POST',
        body: { conversationId: a.ids.thread2, clientId: `l-${randomUUID()}`, text: sameTenant },
      });
      await streamB.waitFor((e) => e.type === 'message' && e.data.message?.text === secret, "B's message");
      // Staff reply in A's thread: the marker the learner's page must show.
      await api(app, a.admin, `/api/inbox/conversations/${a.ids.thread}/claim`, { method: 'POST' });
      const marker = `${a.marker} reply ${randomUUID()}`;
      const replied = await api(app, a.admin, `/api/inbox/conversations/${a.ids.thread}/reply`, {
        method: 'POST',
        body: { clientId: `r-${randomUUID()}`, text: marker },
      });
      expect(replied.status, replied.text).to.equal(201);
      await streamA.waitFor(
        (e) => e.type === 'message' && e.data.message?.text === marker,
        'the staff reply',
      );
      expect(streamA.raw()).not.to.include(b.marker);
      expect(streamA.raw()).not.to.include(sameTenant);
      expect(streamA.raw()).not.to.include(`${a.marker} internal note`);
    } finally {
      streamA.close();
      streamB.close();
    }
  });
});
