import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Types } from 'mongoose';
import { ConversationModel } from '../../src/conversations/conversation.model.js';
import { DEV_LMS_CLIENT_ID, LTI, platformUrls } from '../../src/devlms/constants.js';
import { rebuildMissingIndexes, storedTeams } from '../../src/storage/inbox/create-inbox.js';
import { RedisInboxIndex } from '../../src/storage/inbox/redis-inbox-index.js';
import { addDeployment } from '../../src/tenants/tenant.service.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { launch } from '../support/lms-client.js';
import { api, type Body, handOff, launchSession, type Person } from '../support/people.js';
import { readyRedis } from './conversations-support.js';

const SYS_ADMIN = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin';

/** A real launch through the development LMS as a person of our choosing (own subject, name, course). */
async function launchAs(
  app: TestApp,
  options: {
    role: 'learner' | 'instructor' | 'admin';
    given: string;
    family?: string;
    roles?: string[];
    course?: string;
    deploymentId?: string;
  },
): Promise<Person> {
  const family = options.family ?? 'Tester';
  const session = await launchSession(app, options.role, (claims) => {
    claims.sub = `inbox-${options.given}-${randomUUID()}`;
    claims.name = `${options.given} ${family}`;
    claims.given_name = options.given;
    claims.family_name = family;
    claims.email = `${options.given.toLowerCase()}@example.edu`;
    if (options.roles) claims[`${LTI}roles`] = options.roles;
    if (options.course)
      claims[`${LTI}context`] = {
        id: options.course,
        label: options.course,
        title: `Course ${options.course}`,
      };
    if (options.deploymentId) claims[`${LTI}deployment_id`] = options.deploymentId;
  });
  return { ...session, name: `${options.given} ${family}` };
}

/** A learner opens the chat and asks for a person: the thread lands in the inbox as waiting. */
const escalate = (app: TestApp, learner: Person, text = 'I want to talk to a person please') =>
  handOff(app, learner, text);

/**
 * Reads an SSE stream's raw text until `until(text)` holds, then closes it; fails if it never does within
 * `timeoutMs`. `onOpen` runs once the response has started: the server registers the stream before it
 * answers, so what happens after is heard.
 */
async function readSse(
  url: string,
  token: string,
  until: (text: string) => boolean,
  options: { lastEventId?: string; onOpen?: () => void; timeoutMs?: number } = {},
): Promise<string> {
  const controller = new AbortController();
  const timeoutMs = options.timeoutMs ?? 20_000;
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let text = '';
  try {
    const response = await fetch(url, {
      headers: {
        authorization: `Bearer ${token}`,
        ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}),
      },
      signal: controller.signal,
    });
    options.onOpen?.();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    while (!until(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  if (!until(text)) throw new Error(`${url} did not send what was awaited within ${timeoutMs} ms:\n${text}`);
  return text;
}

describe('admin inbox over HTTP (real launches, FerretDB + Redis)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let lead: Person;

  before(async () => {
    app = await startTestApp();
    lead = await launchAs(app, { role: 'admin', given: 'Lena', family: 'Lead' });
  });
  after(() => app?.stop());

  it('of 20 admins taking over one thread at once exactly one wins; the others are told who owns it', async () => {
    const learner = await launchAs(app, { role: 'learner', given: 'Rita' });
    const conversationId = await escalate(app, learner);
    const admins = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        launchAs(app, { role: 'admin', given: `Admin${i}`, family: 'Racer' }),
      ),
    );
    const results = await Promise.all(
      admins.map((admin) =>
        api(app, admin, `/api/inbox/conversations/${conversationId}/claim`, { method: 'POST' }),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).to.have.length(1);
    const winner = admins[results.indexOf(winners[0] as (typeof results)[number])] as Person;
    expect(winners[0]?.body.conversation).to.include({ status: 'assigned' });
    expect(winners[0]?.body.conversation.assignee).to.include({ userId: winner.userId, name: winner.name });
    const losers = results.filter((r) => r.status !== 200);
    expect(losers.map((r) => r.status)).to.deep.equal(Array(19).fill(409));
    for (const loser of losers) {
      expect(loser.body.error.code).to.equal('conflict');
      expect(loser.body.error.message).to.equal(`${winner.name} already owns this conversation.`);
      expect(loser.body.error.details).to.deep.equal({ assigneeName: winner.name });
    }
    const stored = await ConversationModel.findById(conversationId).lean();
    expect(String(stored?.assigneeId)).to.equal(winner.userId);
  });

  it('internal notes never reach the learner: not in /api/chat, its live channel, or the chat page', async () => {
    const learner = await launchAs(app, { role: 'learner', given: 'Nora' });
    const conversationId = await escalate(app, learner);
    expect(
      (await api(app, lead, `/api/inbox/conversations/${conversationId}/claim`, { method: 'POST' })).status,
    ).to.equal(200);
    const secret = `SECRET-NOTE-${randomUUID()}`;
    const note = await api(app, lead, `/api/inbox/conversations/${conversationId}/notes`, {
      method: 'POST',
      body: { clientId: 'note-1', text: `${secret} learner seems upset` },
    });
    expect(note.status).to.equal(201);
    expect(note.body.message).to.include({ kind: 'note', internal: true });
    const reply = await api(app, lead, `/api/inbox/conversations/${conversationId}/reply`, {
      method: 'POST',
      body: { clientId: 'reply-1', text: 'Hello Nora, I can help with that.' },
    });
    expect(reply.status).to.equal(201);

    const thread = await api(app, lead, `/api/inbox/conversations/${conversationId}`);
    expect(thread.body.messages.map((m: Body) => m.text)).to.include(`${secret} learner seems upset`);

    const chat = await api(app, learner, '/api/chat');
    expect(chat.text).not.to.contain(secret);
    expect(chat.text).to.contain('Hello Nora, I can help with that.');
    // Replayed in order: the note, written before the reply, would have come before it.
    const live = await readSse(
      `${app.url}/api/chat/events`,
      learner.token,
      (text) => text.includes('Hello Nora, I can help with that.'),
      { lastEventId: '0' },
    );
    expect(live).to.contain('Hello Nora, I can help with that.');
    expect(live).not.to.contain(secret);
    const page = await fetch(`${app.url}/chat?ltik=${encodeURIComponent(learner.token)}`);
    expect(page.status).to.equal(200);
    expect(await page.text()).not.to.contain(secret);
    // A learner cannot use the inbox API at all.
    expect((await api(app, learner, `/api/inbox/conversations/${conversationId}`)).status).to.equal(403);
    expect((await api(app, learner, '/api/inbox/conversations')).status).to.equal(403);
  });

  it("an instructor sees only their course's threads: another course's thread is not found", async () => {
    const inA = await launchAs(app, { role: 'learner', given: 'Alma', course: 'course-a' });
    const inB = await launchAs(app, { role: 'learner', given: 'Bert', course: 'course-b' });
    const threadA = await escalate(app, inA);
    const threadB = await escalate(app, inB);
    const teacher = await launchAs(app, { role: 'instructor', given: 'Tess', course: 'course-a' });

    expect((await api(app, teacher, `/api/inbox/conversations/${threadA}`)).status).to.equal(200);
    const other = await api(app, teacher, `/api/inbox/conversations/${threadB}`);
    expect(other.status).to.equal(404);
    expect(
      (await api(app, teacher, `/api/inbox/conversations/${threadB}/claim`, { method: 'POST' })).status,
    ).to.equal(404);
    expect(
      (
        await api(app, teacher, `/api/inbox/conversations/${threadB}/notes`, {
          method: 'POST',
          body: { clientId: 'x', text: 'hi' },
        })
      ).status,
    ).to.equal(404);
    const list = await api(app, teacher, '/api/inbox/conversations?view=open&limit=100');
    const ids = list.body.items.map((i: Body) => i.id);
    expect(ids).to.include(threadA);
    expect(ids).not.to.include(threadB);
    expect(list.body.counts.unassigned).to.equal(
      list.body.items.filter((i: Body) => i.status === 'waiting').length,
    );
    // The inbox page opens for instructors too.
    const page = await fetch(`${app.url}/inbox?ltik=${encodeURIComponent(teacher.token)}`);
    expect(page.status).to.equal(200);
  });

  it("an admin of one institution cannot read another institution's threads (404)", async () => {
    const issuer = platformUrls(app.url).issuer;
    await addDeployment(
      { issuer, clientId: DEV_LMS_CLIENT_ID, deploymentId: 'dep-other-college' },
      { tenantName: 'Other College' },
    );
    const otherAdmin = await launchAs(app, {
      role: 'admin',
      given: 'Otto',
      deploymentId: 'dep-other-college',
    });
    const learner = await launchAs(app, { role: 'learner', given: 'Tina' });
    const thread = await escalate(app, learner);
    expect((await api(app, otherAdmin, `/api/inbox/conversations/${thread}`)).status).to.equal(404);
    expect(
      (await api(app, otherAdmin, `/api/inbox/conversations/${thread}/claim`, { method: 'POST' })).status,
    ).to.equal(404);
    const list = await api(app, otherAdmin, '/api/inbox/conversations?view=all&limit=100');
    expect(list.status).to.equal(200);
    expect(list.body.items.map((i: Body) => i.id)).not.to.include(thread);
  });

  it('lists by view with counts, filters, search by name and message words, and keyset pages', async () => {
    const course = `course-list-${randomUUID().slice(0, 8)}`;
    const names = ['Zelda', 'Yannick', 'Xavier'];
    const learners = await Promise.all(
      names.map((given) => launchAs(app, { role: 'learner', given, family: 'Listing', course })),
    );
    const threads: string[] = [];
    for (const [i, learner] of learners.entries())
      threads.push(await escalate(app, learner, `I want to talk to a person about my quizwidget${i} grade`));
    const teacher = await launchAs(app, { role: 'instructor', given: 'Ines', course });
    const courseId = (await ConversationModel.findById(threads[0]).lean())?.courseId?.toString();
    expect(courseId).to.be.a('string');

    const attention = await api(app, lead, `/api/inbox/conversations?view=attention&courseId=${courseId}`);
    expect(attention.status).to.equal(200);
    expect(attention.body.items.map((i: Body) => i.id).sort()).to.deep.equal([...threads].sort());
    expect(attention.body.counts).to.include({ attention: 3, unassigned: 3, open: 3, resolved: 0, mine: 0 });
    const first = attention.body.items[0];
    expect(first).to.include({ status: 'waiting', unread: true });
    expect(first.learner.name).to.match(/Listing$/);
    expect(first.course).to.include({ id: courseId, title: `Course ${course}` });
    expect(first.preview).to.match(/quizwidget\d grade/);
    expect(first.replyBy).to.be.a('string');
    expect(first.reasons).to.include('human_request');

    // Keyset pages: one at a time, no repeats, same order as the full page.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api(
        app,
        lead,
        `/api/inbox/conversations?view=attention&courseId=${courseId}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((i: Body) => i.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).to.deep.equal(attention.body.items.map((i: Body) => i.id));

    // Claim one: it moves to Mine, leaves Unassigned; the counts follow.
    expect(
      (await api(app, teacher, `/api/inbox/conversations/${threads[1]}/claim`, { method: 'POST' })).status,
    ).to.equal(200);
    const mine = await api(app, teacher, '/api/inbox/conversations?view=mine');
    expect(mine.body.items.map((i: Body) => i.id)).to.deep.equal([threads[1]]);
    expect(mine.body.counts).to.include({ mine: 1, unassigned: 2, open: 3 });
    const unassigned = await api(app, lead, `/api/inbox/conversations?view=unassigned&courseId=${courseId}`);
    expect(unassigned.body.items.map((i: Body) => i.id)).not.to.include(threads[1]);

    // Filters combine (course + priority), and search finds names and words.
    const combined = await api(
      app,
      lead,
      `/api/inbox/conversations?view=open&courseId=${courseId}&priority=normal`,
    );
    expect(combined.body.items).to.have.length(3);
    expect(combined.body.counts.open).to.equal(3);
    const urgent = await api(
      app,
      lead,
      `/api/inbox/conversations?view=open&courseId=${courseId}&priority=urgent`,
    );
    expect(urgent.body.items).to.have.length(0);
    expect(urgent.body.counts.open).to.equal(0);
    const byName = await api(app, lead, '/api/inbox/conversations?view=all&q=yannick');
    expect(byName.body.items.map((i: Body) => i.id)).to.deep.equal([threads[1]]);
    const byWord = await api(app, lead, '/api/inbox/conversations?view=all&q=QuizWidget2');
    expect(byWord.body.items.map((i: Body) => i.id)).to.deep.equal([threads[2]]);
    expect(
      (await api(app, lead, '/api/inbox/conversations?view=all&q=nothingmatchesthis')).body.items,
    ).to.deep.equal([]);

    // Opening a thread marks it read for that admin only.
    await api(app, lead, `/api/inbox/conversations/${threads[0]}`);
    const after = await api(app, lead, `/api/inbox/conversations?view=attention&courseId=${courseId}`);
    const item = after.body.items.find((i: Body) => i.id === threads[0]);
    expect(item.unread).to.equal(false);

    // Resolve: the thread moves to Resolved (newest first), with its category.
    const resolved = await api(app, teacher, `/api/inbox/conversations/${threads[1]}/resolve`, {
      method: 'POST',
      body: { resolution: 'answered' },
    });
    expect(resolved.status).to.equal(200);
    expect(resolved.body.conversation.status).to.equal('resolved');
    const done = await api(app, lead, `/api/inbox/conversations?view=resolved&courseId=${courseId}`);
    expect(done.body.items.map((i: Body) => i.id)).to.deep.equal([threads[1]]);
    expect(done.body.counts).to.include({ resolved: 1, open: 2 });
    expect((await api(app, lead, '/api/inbox/conversations?view=nope')).status).to.equal(400);
    expect((await api(app, lead, '/api/inbox/conversations?cursor=garbage!')).status).to.equal(400);
  });

  it('hand back returns the thread to the bot; reopen brings a resolved one back to the queue', async () => {
    const learner = await launchAs(app, { role: 'learner', given: 'Hana' });
    const thread = await escalate(app, learner);
    await api(app, lead, `/api/inbox/conversations/${thread}/claim`, { method: 'POST' });
    const back = await api(app, lead, `/api/inbox/conversations/${thread}/hand-back`, {
      method: 'POST',
      body: {},
    });
    expect(back.status).to.equal(200);
    expect(back.body.conversation.status).to.equal('bot');
    const open = await api(app, lead, '/api/inbox/conversations?view=open&limit=100');
    expect(open.body.items.find((i: Body) => i.id === thread)?.status).to.equal('bot');

    const second = await launchAs(app, { role: 'learner', given: 'Ivo' });
    const other = await escalate(app, second);
    await api(app, lead, `/api/inbox/conversations/${other}/claim`, { method: 'POST' });
    await api(app, lead, `/api/inbox/conversations/${other}/resolve`, { method: 'POST', body: {} });
    const reopened = await api(app, lead, `/api/inbox/conversations/${other}/reopen`, {
      method: 'POST',
      body: {},
    });
    expect(reopened.status).to.equal(200);
    expect(reopened.body.conversation.status).to.equal('waiting');
  });

  it('only the owner replies; a non-lead cannot transfer or resolve it, a lead can reassign it', async () => {
    const learner = await launchAs(app, { role: 'learner', given: 'Olga' });
    const thread = await escalate(app, learner);
    const owner = await launchAs(app, { role: 'admin', given: 'Owen', family: 'Owner', roles: [SYS_ADMIN] });
    const other = await launchAs(app, { role: 'admin', given: 'Paul', family: 'Peer', roles: [SYS_ADMIN] });
    await api(app, owner, `/api/inbox/conversations/${thread}/claim`, { method: 'POST' });
    const view = await api(app, other, `/api/inbox/conversations/${thread}`);
    expect(view.body.permissions).to.include({
      canReply: false,
      canClaim: false,
      canTransfer: false,
      isLead: false,
    });
    expect(view.body.conversation.handoff.summary).to.be.an('array');
    const refused = await api(app, other, `/api/inbox/conversations/${thread}/reply`, {
      method: 'POST',
      body: { clientId: 'r-1', text: 'let me answer' },
    });
    expect(refused.status).to.equal(403);
    expect(
      (await api(app, other, `/api/inbox/conversations/${thread}/resolve`, { method: 'POST', body: {} }))
        .status,
    ).to.equal(403);
    const note = await api(app, other, `/api/inbox/conversations/${thread}/notes`, {
      method: 'POST',
      body: { clientId: 'n-1', text: 'Owen, can I take this one?' },
    });
    expect(note.status).to.equal(201);
    const leadView = await api(app, lead, `/api/inbox/conversations/${thread}`);
    expect(leadView.body.permissions).to.include({ canTransfer: true, isLead: true });
    const moved = await api(app, lead, `/api/inbox/conversations/${thread}/transfer`, {
      method: 'POST',
      body: { toUserId: other.userId, note: 'Paul has time' },
    });
    expect(moved.status).to.equal(200);
    expect(moved.body.conversation.assignee).to.deep.equal({ userId: other.userId, name: other.name });
    const replied = await api(app, other, `/api/inbox/conversations/${thread}/reply`, {
      method: 'POST',
      body: { clientId: 'r-2', text: 'Hi Olga, Paul here.' },
    });
    expect(replied.status).to.equal(201);
    const staff = await api(app, other, '/api/inbox/staff');
    expect(staff.body.staff.map((s: Body) => s.userId)).to.include.members([owner.userId, other.userId]);
  });

  it('renders canned replies with the thread’s learner, course and admin; only leads manage them', async () => {
    const learner = await launchAs(app, {
      role: 'learner',
      given: 'Carla',
      family: 'Canned',
      course: 'course-canned',
    });
    const thread = await escalate(app, learner);
    const peer = await launchAs(app, { role: 'admin', given: 'Pia', roles: [SYS_ADMIN] });
    const template = {
      title: 'Greeting',
      text: 'Hi {{learner.firstName}} ({{learner.name}}), about {{course.title}}: {{admin.name}} here. {{ticket.id}}',
    };
    expect(
      (await api(app, peer, '/api/inbox/canned-replies', { method: 'POST', body: template })).status,
    ).to.equal(403);
    const created = await api(app, lead, '/api/inbox/canned-replies', { method: 'POST', body: template });
    expect(created.status).to.equal(201);
    const list = await api(app, peer, '/api/inbox/canned-replies');
    expect(list.body.replies.map((r: Body) => r.title)).to.include('Greeting');
    const rendered = await api(app, lead, `/api/inbox/canned-replies/${created.body.reply.id}/render`, {
      method: 'POST',
      body: { conversationId: thread },
    });
    expect(rendered.status).to.equal(200);
    expect(rendered.body.text).to.equal(
      'Hi Carla (Carla Canned), about Course course-canned: Lena Lead here. {{ticket.id}}',
    );
    expect(
      (await api(app, peer, `/api/inbox/canned-replies/${created.body.reply.id}`, { method: 'DELETE' }))
        .status,
    ).to.equal(403);
    expect(
      (await api(app, lead, `/api/inbox/canned-replies/${created.body.reply.id}`, { method: 'DELETE' }))
        .status,
    ).to.equal(204);
  });

  it('routes threads to teams by course and filters the list by team', async () => {
    const learner = await launchAs(app, { role: 'learner', given: 'Tomas', course: 'course-team' });
    const thread = await escalate(app, learner);
    const courseId = String((await ConversationModel.findById(thread).lean())?.courseId);
    const peer = await launchAs(app, { role: 'admin', given: 'Quinn', roles: [SYS_ADMIN] });
    const body = { name: `Team ${randomUUID().slice(0, 6)}`, courseIds: [courseId], categories: ['billing'] };
    expect((await api(app, peer, '/api/inbox/teams', { method: 'POST', body })).status).to.equal(403);
    const team = await api(app, lead, '/api/inbox/teams', { method: 'POST', body });
    expect(team.status).to.equal(201);
    // Re-routing runs in the background: wait for the item to carry the team.
    const items: Body[] = await eventually(async () => {
      const { items } = (
        await api(app, lead, `/api/inbox/conversations?view=open&teamId=${team.body.team.id}`)
      ).body;
      return items.length ? items : undefined;
    }, 'the thread listed under its team');
    expect(items.map((i) => i.id)).to.deep.equal([thread]);
    expect(items[0].team).to.deep.equal({ id: team.body.team.id, name: body.name });
  });

  it("builds a course's instructor team from the LMS member list: named after the course, its threads routed to it", async () => {
    // A learner of the development LMS's own course, whose member list the LMS serves (NRPS).
    const learner = await launchAs(app, { role: 'learner', given: 'Nia' });
    const thread = await escalate(app, learner);
    const courseId = String((await ConversationModel.findById(thread).lean())?.courseId);
    const path = `/api/inbox/teams/course/${courseId}/sync`;
    const peer = await launchAs(app, { role: 'admin', given: 'Pat', roles: [SYS_ADMIN] });
    expect((await api(app, peer, path, { method: 'POST' })).status).to.equal(403);

    const synced = await api(app, lead, path, { method: 'POST' });
    expect(synced.status).to.equal(200);
    expect(synced.body.team.name).to.equal('Introduction to Online Learning instructors');
    expect(synced.body.team.courseIds).to.deep.equal([courseId]);
    const names = synced.body.instructors.map((i: Body) => i.name);
    expect(names).to.include('Iris Instructor');
    expect(names).not.to.include('Ana Learner');
    // The instructor the LMS lists is the same person when they launch: a member of the team.
    const { sessionToken } = await launch(app.url, { role: 'instructor' });
    const instructorId = JSON.parse(
      Buffer.from(sessionToken.split('.')[1] ?? '', 'base64url').toString(),
    ).uid;
    expect(synced.body.team.memberIds).to.include(instructorId);
    // Syncing again updates the same team; the course's threads are routed to it.
    const again = await api(app, lead, path, { method: 'POST' });
    expect(again.body.team.id).to.equal(synced.body.team.id);
    const items: Body[] = await eventually(async () => {
      const { items } = (
        await api(app, lead, `/api/inbox/conversations?view=open&teamId=${synced.body.team.id}`)
      ).body;
      return items.length ? items : undefined;
    }, "the course's thread listed under the synced team");
    expect(items.map((i) => i.id)).to.include(thread);
    // A course of another institution, or no course at all, is not found.
    expect(
      (await api(app, lead, `/api/inbox/teams/course/${new Types.ObjectId()}/sync`, { method: 'POST' }))
        .status,
    ).to.equal(404);
  });

  it('keeps an audit log of admin actions with the launch they came from, for leads only', async () => {
    const learner = await launchAs(app, { role: 'learner', given: 'Uma' });
    const thread = await escalate(app, learner);
    await api(app, lead, `/api/inbox/conversations/${thread}/claim`, { method: 'POST' });
    // A refused action leaves no entry: another admin's claim of the owned thread.
    const peer = await launchAs(app, { role: 'admin', given: 'Vera', roles: [SYS_ADMIN] });
    const lost = await api(app, peer, `/api/inbox/conversations/${thread}/claim`, { method: 'POST' });
    expect(lost.status).to.equal(409);
    await api(app, lead, `/api/inbox/conversations/${thread}/notes`, {
      method: 'POST',
      body: { clientId: 'a-1', text: 'checking' },
    });
    await api(app, lead, `/api/inbox/conversations/${thread}/resolve`, {
      method: 'POST',
      body: { resolution: 'fixed' },
    });
    const log = await api(app, lead, '/api/inbox/audit');
    expect(log.status).to.equal(200);
    const mine = log.body.entries.filter((e: Body) => e.conversationId === thread);
    expect(mine.map((e: Body) => e.action)).to.deep.equal(['resolve', 'note', 'claim']);
    for (const entry of mine) {
      expect(entry.actor).to.deep.equal({ userId: lead.userId, name: lead.name });
      expect(entry.launchId).to.equal(lead.launchId);
      expect(Date.parse(entry.at)).to.be.closeTo(Date.now(), 60_000);
    }
    expect(mine[0].details).to.include({ resolution: 'fixed' });
    expect(mine[1].details).to.include({ clientId: 'a-1' });
    const refused = await api(app, peer, '/api/inbox/audit');
    expect(refused.status).to.equal(403);
    const teacher = await launchAs(app, { role: 'instructor', given: 'Walt' });
    expect((await api(app, teacher, '/api/inbox/audit')).status).to.equal(403);
  });

  it('pushes list changes, notes and presence on the inbox live channel', async () => {
    const learner = await launchAs(app, { role: 'learner', given: 'Xena' });
    let thread = '';
    const typing =
      /event: presence\ndata: \{"conversationId":"[0-9a-f]{24}","viewers":\[\{"userId":"[0-9a-f]{24}","name":"Lena Lead"\}\],"typing":\[\{"userId"/;
    let opened = () => {};
    const open = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const listening = readSse(
      `${app.url}/api/inbox/events`,
      lead.token,
      (text) =>
        thread !== '' &&
        text.includes(`"id":"${thread}"`) &&
        text.includes('live note text') &&
        typing.test(text),
      { onOpen: opened },
    );
    await open;
    thread = await escalate(app, learner);
    await api(app, lead, `/api/inbox/conversations/${thread}/notes`, {
      method: 'POST',
      body: { clientId: 'live-n', text: 'live note text' },
    });
    await api(app, lead, `/api/inbox/conversations/${thread}/presence`, {
      method: 'POST',
      body: { typing: true },
    });
    const text = await listening;
    expect(text).to.contain('event: conversation');
    expect(text).to.contain(`"id":"${thread}"`);
    expect(text).to.contain('live note text');
    expect(text).to.match(typing);
  });
  it('rebuilds the same lists from MongoDB after Redis lost the index', async () => {
    const learner = await launchAs(app, { role: 'learner', given: 'Rebecca', family: 'Rebuild' });
    const thread = await escalate(app, learner, 'I want to talk to a person about rebuildword');
    const before = await api(app, lead, '/api/inbox/conversations?view=all&limit=100');
    const redis = await readyRedis(app.config.REDIS_URL as string, 'producer');
    try {
      const index = new RedisInboxIndex({ redis, prefix: app.config.REDIS_PREFIX, teams: storedTeams() });
      await index.rebuild(tenantOf(lead));
      const after = await api(app, lead, '/api/inbox/conversations?view=all&limit=100');
      // Every row as the live index kept it equals the row rebuilt from the documents.
      expect(after.body.items).to.deep.equal(before.body.items);
      expect(after.body.counts).to.deep.equal(before.body.counts);
      const found = await api(app, lead, '/api/inbox/conversations?view=all&q=rebuildword');
      expect(found.body.items.map((i: Body) => i.id)).to.deep.equal([thread]);
      expect(found.body.items[0].preview).to.contain('rebuildword');
    } finally {
      await redis.quit();
    }
  });
  it("stops checking tenants' indexes once the process is shutting down", async () => {
    // Two tenants at least, so that a loop that ignored the shutdown would check a second one.
    await addDeployment(
      {
        issuer: platformUrls(app.url).issuer,
        clientId: DEV_LMS_CLIENT_ID,
        deploymentId: `dep-${randomUUID()}`,
      },
      { tenantName: 'Shutdown College' },
    );
    const checked: string[] = [];
    let stopping = false;
    await rebuildMissingIndexes(
      {
        ensureBuilt: async (tenantId: string) => {
          checked.push(tenantId);
          stopping = true;
        },
      },
      { stopping: () => stopping },
    );
    expect(checked).to.have.length(1);
  });
});

function tenantOf(person: Person): string {
  const payload = JSON.parse(Buffer.from(person.token.split('.')[1] ?? '', 'base64url').toString());
  return new Types.ObjectId(payload.tid as string).toHexString();
}
