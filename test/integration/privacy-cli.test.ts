import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConversationModel } from '../../src/conversations/conversation.model.js';
import { TenantModel } from '../../src/tenants/tenant.model.js';
import { UserModel } from '../../src/users/user.model.js';
import { startTestApp, type TestApp, testEnv } from '../support/app.js';
import { handOff, type Person } from '../support/people.js';
import { runEntry } from '../support/processes.js';
import { launchInto, newInstitution } from '../support/tenants.js';

describe('npm run privacy: one person’s data and retention from the command line', function () {
  this.timeout(120_000);
  let app: TestApp;
  let learner: Person;
  let thread: string;
  let folder: string;

  async function cli(args: string[]): Promise<{ code: number | null; output: string }> {
    const child = runEntry('src/bin/privacy.ts', await testEnv({ LOG_LEVEL: 'silent' }), args);
    const code = await new Promise<number | null>((resolve) => child.child.once('exit', resolve));
    return { code, output: child.output() };
  }

  before(async () => {
    app = await startTestApp();
    const school = await newInstitution(app, 'CLI school');
    learner = await launchInto(app, school, { role: 'learner', name: 'Cleo Cli' });
    thread = await handOff(app, learner, 'Please help with my essay');
    folder = await mkdtemp(path.join(tmpdir(), 'privacy-cli-'));
  });
  after(async () => {
    await app?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('finds, exports to a file, refuses to erase without --yes, then erases', async () => {
    const found = await cli(['find', '--tenant', learner.tenantId, '--email', learner.email ?? '']);
    expect(found.code, found.output).to.equal(0);
    expect(JSON.parse(found.output)[0]).to.include({ id: learner.userId, name: 'Cleo Cli', threads: 1 });

    const file = path.join(folder, 'cleo.json');
    const exported = await cli([
      'export',
      '--tenant',
      learner.tenantId,
      '--user',
      learner.userId,
      '--out',
      file,
    ]);
    expect(exported.code, exported.output).to.equal(0);
    expect(exported.output).to.include(`exported to ${file}: 1 conversation`);
    const data = JSON.parse(await readFile(file, 'utf8'));
    expect(data.profile.name).to.equal('Cleo Cli');
    expect(data.conversations[0].messages.map((m: { text: string }) => m.text)).to.include(
      'Please help with my essay',
    );

    const unconfirmed = await cli(['erase', '--tenant', learner.tenantId, '--user', learner.userId]);
    expect(unconfirmed.code).to.equal(1);
    expect(unconfirmed.output).to.include('error: erase deletes the person for good: add --yes');
    expect(await UserModel.exists({ _id: learner.userId })).to.not.equal(null);

    const erased = await cli(['erase', '--tenant', learner.tenantId, '--user', learner.userId, '--yes']);
    expect(erased.code, erased.output).to.equal(0);
    expect(JSON.parse(erased.output).collections).to.include({ conversations: 1, users: 1 });
    expect(await UserModel.exists({ _id: learner.userId })).to.equal(null);
    expect(await ConversationModel.exists({ _id: thread })).to.equal(null);
  });

  it('sets and clears a tenant’s retention days, refusing a wrong value', async () => {
    const set = await cli(['retention', '--tenant', learner.tenantId, '--days', '60']);
    expect(set.code, set.output).to.equal(0);
    expect(set.output).to.include('threads are deleted 60 days after their last activity');
    expect((await TenantModel.findById(learner.tenantId).lean())?.retentionDays).to.equal(60);
    const wrong = await cli(['retention', '--tenant', learner.tenantId, '--days', 'ten']);
    expect(wrong.code).to.equal(1);
    expect(wrong.output).to.match(/^error: retentionDays: /m);
    const off = await cli(['retention', '--tenant', learner.tenantId, '--off']);
    expect(off.code, off.output).to.equal(0);
    expect((await TenantModel.findById(learner.tenantId).lean())?.retentionDays).to.equal(null);
  });
});
