import { expect } from 'chai';
import { inferAudience } from '../../../src/knowledge/audience.js';
import { KnowledgeEngine } from '../../../src/knowledge/knowledge-engine.service.js';

describe('article audience', () => {
  it('reads the audience an article names in its path or an Audience/Source line, and nothing else', () => {
    expect(inferAudience({ path: 'learners/reset-password.md', text: 'Reset it.' })).to.equal('learner');
    expect(inferAudience({ text: 'Audience: instructors\n\nSet up the gradebook.' })).to.equal('instructor');
    expect(inferAudience({ text: 'Source: docs/source/site_ops/config/auth.rst\n\nConfigure.' })).to.equal(
      'admin',
    );
    expect(inferAudience({ path: 'password.md', text: 'Learners and instructors both see this.' })).to.equal(
      null,
    );
    // Naming two audiences says nothing about which one it is for.
    expect(inferAudience({ text: 'Audience: learners and instructors\n\nHello.' })).to.equal(null);
  });

  it("prefers the asker's article when two explain the same task", async () => {
    const engine = new KnowledgeEngine({ vocabulary: { weight: 0 } });
    await engine.index('t', [
      {
        sourceId: 'learner',
        path: 'learners/password.md',
        format: 'markdown',
        content: '# Passwords\n\nTo reset your password, select Forgot password on the sign-in page.',
      },
      {
        sourceId: 'admin',
        path: 'site_ops/password.md',
        format: 'markdown',
        content:
          '# Passwords\n\nTo reset a password policy, set the password validators in the site settings.',
      },
    ]);
    const question = 'how do I reset the password';
    expect(engine.ask('t', question, { role: 'learner' }).sources[0]?.sourceId).to.equal('learner');
    expect(engine.ask('t', question, { role: 'admin' }).sources[0]?.sourceId).to.equal('admin');
  });
});
