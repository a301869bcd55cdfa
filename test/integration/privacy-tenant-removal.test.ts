import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Types } from 'mongoose';
import { KnowledgeIndexRegistry } from '../../src/knowledge/index.js';
import { countOwned, ownedKeyIds } from '../../src/storage/privacy/tenant-records.js';
import { keysNaming } from '../../src/storage/privacy/user-redis.js';
import { startTestApp, type TestApp, testEnv } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { api, type Body, handOff, type Person } from '../support/people.js';
import { runEntry } from '../support/processes.js';
import { queuesSettled } from '../support/queues-settled.js';
import { type Institution, launchInto, newInstitution } from '../support/tenants.js';

/** Queued jobs (any state but running) whose data names the tenant. */
async function jobsOfTenant(app: TestApp, tenantId: string): Promise<number> {
  let count = 0;
  for (const queue of ['knowledge', 'sla', 'notify', 'review', 'topics', 'insights', 'gaps'] as const) {
    const jobs = await app.runtime.queues
      .get(queue)
      .getJobs(['waiting', 'delayed', 'prioritized', 'completed', 'failed']);
    count += jobs.filter((job) => job?.data?.tenantId === tenantId).length;
  }
  return count;
}

describe('removing a tenant (CLI with a confirmation flag) removes everything it owns, nothing of others', function () {
  this.timeout(180_000);
  let app: TestApp;
  const schools: Record<'gone' | 'kept', { institution: Institution; admin: Person; thread: string }> =
    {} as never;

  /** What a tenant has: documents per collection, Redis keys naming it or its records, queued jobs. */
  const holdings = async (tenantId: string, keyIds: string[]) => ({
    collections: await countOwned(new Types.ObjectId(tenantId)),
    redisKeys: (await keysNaming(app.runtime.redis, app.config.REDIS_PREFIX, [tenantId, ...keyIds])).length,
    jobs: await jobsOfTenant(app, tenantId),
  });

  /** `npm run privacy -- …` against this test's database and Redis; resolves with its output and exit code. */
  async function cli(args: string[]): Promise<{ code: number | null; output: string }> {
    const child = runEntry('src/bin/privacy.ts', await testEnv({ LOG_LEVEL: 'silent' }), args);
    const code = await new Promise<number | null>((resolve) => child.child.once('exit', resolve));
    return { code, output: child.output() };
  }

  before(async () => {
    app = await startTestApp({ worker: true });
    for (const key of ['gone', 'kept'] as const) {
      const institution = await newInstitution(app, `Removal ${key}`);
      const admin = await launchInto(app, institution, { role: 'admin', name: `Ada ${key}` });
      const learner = await launchInto(app, institution, { role: 'learner', name: `Lea ${key}` });
      const thread = await handOff(app, learner, `I need a person (${key})`);
      const qa = await api(app, admin, '/api/knowledge/qa', {
        method: 'POST',
        body: {
          question: `How do I reset my password (${key})?`,
          answer: 'Use the reset link.',
          scope: 'institution',
        },
      });
      expect(qa.status, qa.text).to.equal(201);
      const settings = await api(app, admin, '/api/privacy/settings', {
        method: 'PUT',
        body: { retentionDays: 90 },
      });
      expect(settings.status).to.equal(200);
      schools[key] = { institution, admin, thread };
    }
    // The worker has scheduled both threads' SLA timers.
    await eventually(async () => {
      const delayed = await app.runtime.queues.get('sla').getJobs(['delayed']);
      const threads = new Set(delayed.map((job) => job?.data?.conversationId));
      return threads.has(schools.gone.thread) && threads.has(schools.kept.thread);
    }, 'SLA timers of both threads');
    // And the background work the launches, handoffs and Q&A caused (insights, topics, review) has run, so
    // what each tenant holds stays put while the test measures it.
    await queuesSettled(app.runtime.queues);
  });
  after(() => app?.stop());

  it('shows what would go without --yes, removes it all with --yes; the other tenant keeps everything', async () => {
    const gone = schools.gone.admin.tenantId;
    const kept = schools.kept.admin.tenantId;
    const goneKeyIds = await ownedKeyIds(new Types.ObjectId(gone));
    const keptKeyIds = await ownedKeyIds(new Types.ObjectId(kept));
    const goneBefore = await holdings(gone, goneKeyIds);
    const keptBefore = await holdings(kept, keptKeyIds);
    expect(Object.keys(goneBefore.collections)).to.include.members([
      'tenants',
      'lti_deployments',
      'users',
      'lti_launches',
      'conversations',
      'messages',
      'events',
      'sla_clocks',
      'knowledge_sources',
      'knowledge_chunks',
      'handoff_rules',
    ]);
    expect(goneBefore.redisKeys).to.be.greaterThan(0);
    expect(goneBefore.jobs).to.be.greaterThan(0);

    // A web process's in-memory knowledge index holds the tenant's Q&A (checked rarely: only a message
    // from the removal empties it within the test).
    const registry = new KnowledgeIndexRegistry({
      redis: app.runtime.redis,
      prefix: app.config.REDIS_PREFIX,
      checkIntervalMs: 3_600_000,
    });
    await registry.start();
    await registry.ask(gone, 'How do I reset my password?');
    await registry.ask(kept, 'How do I reset my password?');
    expect(registry.size(gone)).to.be.greaterThan(0);

    const dry = await cli(['remove-tenant', '--tenant', gone]);
    expect(dry.code, dry.output).to.equal(0);
    expect(dry.output).to.include('add --yes to remove all of the above');
    expect(await holdings(gone, goneKeyIds)).to.deep.equal(goneBefore);

    const removed = await cli(['remove-tenant', '--tenant', gone, '--yes']);
    expect(removed.code, removed.output).to.equal(0);
    const report = JSON.parse(removed.output) as Body;
    expect(report.left).to.deep.equal({ name: null, collections: {}, redisKeys: 0 });

    await eventually(() => registry.size(gone) === 0, 'the in-memory knowledge index to drop the tenant');
    expect(registry.size(kept)).to.be.greaterThan(0);
    await registry.close();
    const goneAfter = await holdings(gone, goneKeyIds);
    console.log(
      `      removed tenant: before ${JSON.stringify(goneBefore)}; after ${JSON.stringify(goneAfter)}; other tenant ${JSON.stringify(keptBefore)}`,
    );
    expect(goneAfter).to.deep.equal({ collections: {}, redisKeys: 0, jobs: 0 });
    const sla = await app.runtime.queues.get('sla').getJobs(['delayed']);
    expect(sla.some((job) => job?.data?.conversationId === schools.gone.thread)).to.equal(false);

    // The other tenant: every document still there, its thread still listed, its timers still queued.
    // (Its own background work, insights and topics, may still add documents meanwhile: none may go.)
    const keptAfter = (await holdings(kept, keptKeyIds)).collections;
    for (const [name, count] of Object.entries(keptBefore.collections))
      expect(keptAfter[name] ?? 0, name).to.be.at.least(count);
    const list = await api(app, schools.kept.admin, '/api/inbox/conversations?view=all&limit=100');
    expect(list.body.items.map((item: Body) => item.id)).to.include(schools.kept.thread);
    expect(sla.some((job) => job?.data?.conversationId === schools.kept.thread)).to.equal(true);
  });

  it('refuses an id that is not a tenant id, in plain words', async () => {
    const bad = await cli(['remove-tenant', '--tenant', `not-an-id-${randomUUID().slice(0, 4)}`, '--yes']);
    expect(bad.code).to.equal(1);
    expect(bad.output).to.match(/^error: no tenant with id not-an-id/m);
  });
});
