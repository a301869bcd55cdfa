import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { type ConversationDomain, ConversationModel } from '../../src/conversations/index.js';
import { DEV_LMS_CLIENT_ID, LTI, platformUrls } from '../../src/devlms/constants.js';
import type { NewEvent } from '../../src/events/catalog.js';
import type { InboxIndex } from '../../src/inbox/inbox-index.js';
import { requestNotifications } from '../../src/notify/notifier.js';
import { DeliveryModel, NotifySettingsModel } from '../../src/notify/notify.models.js';
import type { NotificationRequest } from '../../src/notify/notify.types.js';
import type { BusinessCalendar } from '../../src/sla/calendar.js';
import { type DigestDeps, sendDigestIfDue } from '../../src/sla/digest.js';
import { buildTenantSla, defaultSlaSettings } from '../../src/sla/tenant-sla.js';
import { createConversationDomain } from '../../src/storage/conversations/create-conversation-domain.js';
import { indexWorkerEvents, storedTeams } from '../../src/storage/inbox/create-inbox.js';
import { RedisInboxIndex } from '../../src/storage/inbox/redis-inbox-index.js';
import { RedisDigestMarks } from '../../src/storage/sla/redis-digest-marks.js';
import { addDeployment } from '../../src/tenants/tenant.service.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { api, handOff as handOffThread, launchSession, type Person } from '../support/people.js';
import { quietLogger } from '../support/services.js';
import { startSlaWorkers } from '../support/sla.js';

// Wednesday 4 March 2026, 10:00 in New York (open, Mon–Fri 9–17); the Sunday before (closed).
const WEDNESDAY_10 = new Date('2026-03-04T15:00:00Z');
const SUNDAY = new Date('2026-03-01T15:00:00Z');

describe('review digest (real launches and handoffs; the notifier stores the deliveries)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let worker: ConversationDomain;
  let index: InboxIndex;
  let tenantId: string;
  let deploymentId: string;
  let unattended: string;
  let atRisk: string;
  const requests: NotificationRequest[] = [];

  async function launchAs(role: 'learner' | 'admin', given: string): Promise<Person> {
    const session = await launchSession(app, role, (claims) => {
      claims.sub = `digest-${given}-${randomUUID()}`;
      claims.name = `${given} Digest`;
      claims.given_name = given;
      claims.email = `${given.toLowerCase()}@example.edu`;
      claims[`${LTI}deployment_id`] = deploymentId;
      claims[`${LTI}context`] = { id: 'digest-course', label: 'DIG1', title: 'Digest Course' };
    });
    return { ...session, name: `${given} Digest` };
  }

  const handOff = (learner: Person) => handOffThread(app, learner, 'I need a person');

  const deps = (now: Date): DigestDeps => ({
    marks: new RedisDigestMarks(app.runtime.redis, app.config.REDIS_PREFIX),
    index,
    // The default calendar (Mon–Fri 9–17, New York) and rhythm (every 120 business minutes).
    tenantSla: async () => buildTenantSla(defaultSlaSettings('America/New_York')),
    request: async (request) => {
      requests.push(request);
      return requestNotifications({ queues: app.runtime.queues, config: app.config }, request);
    },
    now: () => now,
  });
  /** The tenant sends digests to a webhook channel. */
  async function digestChannel(id: string) {
    await NotifySettingsModel.create({
      _id: id,
      channels: [
        {
          id: 'digest-hook',
          type: 'webhook',
          name: 'Digest hook',
          target: 'https://hooks.example.edu/digest',
          secret: 'digest-secret',
          kinds: ['digest'],
          enabled: true,
          createdAt: new Date(),
        },
      ],
      version: 1,
      updatedAt: new Date(),
    });
  }

  const deliveries = () => DeliveryModel.find({ tenantId, kind: 'digest' }).lean();

  before(async () => {
    app = await startTestApp();
    deploymentId = `dep-digest-${randomUUID()}`;
    const { tenant } = await addDeployment(
      { issuer: platformUrls(app.url).issuer, clientId: DEV_LMS_CLIENT_ID, deploymentId },
      { tenantName: 'Digest College' },
    );
    tenantId = String(tenant._id);
    worker = createConversationDomain({
      redis: app.runtime.redis,
      prefix: app.config.REDIS_PREFIX,
      logger: quietLogger,
      messageMaxChars: app.config.MESSAGE_MAX_CHARS,
    });
    indexWorkerEvents({ conversations: worker, redis: app.runtime.redis, prefix: app.config.REDIS_PREFIX });
    index = new RedisInboxIndex({
      redis: app.runtime.redis,
      prefix: app.config.REDIS_PREFIX,
      teams: storedTeams(),
    });
    await digestChannel(tenantId);

    const admin = await launchAs('admin', 'Ada');
    // One thread waits with nobody on it; one is owned but its first response is at risk; one is owned
    // and on track (not reported).
    unattended = await handOff(await launchAs('learner', 'Una'));
    atRisk = await handOff(await launchAs('learner', 'Rick'));
    const onTrack = await handOff(await launchAs('learner', 'Otis'));
    for (const id of [atRisk, onTrack]) {
      const claimed = await api(app, admin, `/api/inbox/conversations/${id}/claim`, {
        method: 'POST',
        body: {},
      });
      expect(claimed.status, claimed.text).to.equal(200);
    }
    const due = new Date(Date.now() + 20 * 60_000).toISOString();
    for (const [id, state] of [
      [atRisk, 'at_risk'],
      [onTrack, 'on_track'],
    ] as const) {
      const thread = await ConversationModel.findById(id).lean();
      const sla = { state, target: 'first_response' as const, dueAt: due };
      await worker.bus.emit({
        tenantId,
        name: state === 'at_risk' ? 'sla.warned' : 'sla.updated',
        conversationId: id,
        userId: String(thread?.user.userId),
        actor: { role: 'system' },
        payload: state === 'at_risk' ? { sla, target: 'first_response', dueAt: due, late: false } : { sla },
      } as NewEvent);
    }
  });
  after(() => app?.stop());

  it('sends nothing while the calendar is closed', async () => {
    expect((await sendDigestIfDue(deps(SUNDAY), tenantId)).outcome).to.equal('closed');
    expect(requests).to.have.length(0);
    expect(await deliveries()).to.have.length(0);
  });

  it('while open: one digest with the unattended and at-risk threads, even when two workers run at once', async () => {
    const [first, second] = await Promise.all([
      sendDigestIfDue(deps(WEDNESDAY_10), tenantId),
      sendDigestIfDue(deps(WEDNESDAY_10), tenantId),
    ]);
    expect([first.outcome, second.outcome]).to.include('sent');
    const sent = (first.outcome === 'sent' ? first : second).rows ?? [];
    expect(sent.map((row) => [row.conversationId, row.state])).to.deep.equal([
      [atRisk, 'at_risk'],
      [unattended, 'unattended'],
    ]);
    expect(sent[0]).to.include({ learner: 'Rick Digest', course: 'Digest Course' });
    const stored = await deliveries();
    expect(stored, 'one delivery to the one digest channel').to.have.length(1);
    expect(stored[0]?.recipient).to.include({ type: 'webhook', target: 'https://hooks.example.edu/digest' });
    expect(stored[0]?.content.rows?.map((row) => row.conversationId)).to.deep.equal([atRisk, unattended]);
  });

  it('runs within the rhythm send nothing more; after two business hours the next digest goes', async () => {
    expect((await sendDigestIfDue(deps(WEDNESDAY_10), tenantId)).outcome).to.equal('not_due');
    const elevenThirty = new Date(WEDNESDAY_10.getTime() + 90 * 60_000);
    expect((await sendDigestIfDue(deps(elevenThirty), tenantId)).outcome).to.equal('not_due');
    expect(await deliveries()).to.have.length(1);
    const noonOne = new Date(WEDNESDAY_10.getTime() + 121 * 60_000);
    expect((await sendDigestIfDue(deps(noonOne), tenantId)).outcome).to.equal('sent');
    expect(await deliveries()).to.have.length(2);
  });

  it('a tenant with nothing to report gets no digest', async () => {
    const { tenant } = await addDeployment(
      {
        issuer: platformUrls(app.url).issuer,
        clientId: DEV_LMS_CLIENT_ID,
        deploymentId: `dep-quiet-${randomUUID()}`,
      },
      { tenantName: 'Quiet College' },
    );
    const before = requests.length;
    expect((await sendDigestIfDue(deps(WEDNESDAY_10), String(tenant._id))).outcome).to.equal('empty');
    expect(requests.length).to.equal(before);
  });

  it('the scheduled sla.digest job sends through a worker once, however often it runs', async () => {
    // Its own tenant, open around the clock, so the job's real "now" is always inside staff hours.
    deploymentId = `dep-digest-job-${randomUUID()}`;
    const { tenant } = await addDeployment(
      { issuer: platformUrls(app.url).issuer, clientId: DEV_LMS_CLIENT_ID, deploymentId },
      { tenantName: 'Always Open College' },
    );
    const id = String(tenant._id);
    await digestChannel(id);
    const thread = await handOff(await launchAs('learner', 'Jo'));
    // (A calendar, not weekly hours of 00:00–24:00 every day: the scheduled calendar does not end its
    // search for the end of an open stretch that never closes.)
    const alwaysOpen: BusinessCalendar = {
      timeZone: 'UTC',
      isOpen: () => true,
      nextOpen: (at) => at,
      addBusinessMinutes: (start, minutes) => new Date(start.getTime() + minutes * 60_000),
      businessMinutesBetween: (from, to) => Math.max(0, (to.getTime() - from.getTime()) / 60_000),
      describe: (at) => at.toISOString(),
    };
    const timers = await startSlaWorkers(app, async () => ({
      ...buildTenantSla(defaultSlaSettings('UTC')),
      calendar: alwaysOpen,
    }));
    try {
      const stored = () => DeliveryModel.find({ tenantId: id, kind: 'digest' }).lean();
      await app.runtime.queues.enqueue(
        'sla',
        'digest',
        { tenantId: id },
        { jobId: `digest-test-${randomUUID()}` },
      );
      const [delivery] = await eventually(async () => {
        const found = await stored();
        return found.length ? found : undefined;
      }, 'the digest delivery');
      expect(delivery?.content.rows?.map((row) => row.conversationId)).to.deep.equal([thread]);
      // Twice more (as the scheduler would): each job completes, and nothing more is sent.
      for (let run = 0; run < 2; run++) {
        const job = await app.runtime.queues.enqueue(
          'sla',
          'digest',
          { tenantId: id },
          { jobId: `digest-test-${randomUUID()}` },
        );
        await eventually(
          async () => (await job.getState()) === 'completed' || undefined,
          'the digest job done',
        );
      }
      expect(await stored()).to.have.length(1);
    } finally {
      await timers.stop();
    }
  });
});
