import { expect } from 'chai';
import { ConfigError, describeVariables, loadConfig } from '../../src/config/env.js';

const base = { NODE_ENV: 'test' };

function problemsFor(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('uses the per-environment defaults when nothing is set', () => {
    const config = loadConfig(base);
    expect(config.NODE_ENV).to.equal('test');
    expect(config.PUBLIC_URL).to.equal('http://localhost:3000');
    expect(config.REDIS_PREFIX).to.equal('chatref');
  });

  it('lets environment variables override the defaults', () => {
    const config = loadConfig({ ...base, PORT: '8080', PUBLIC_URL: 'https://help.example.edu/' });
    expect(config.PORT).to.equal(8080);
    expect(config.PUBLIC_URL).to.equal('https://help.example.edu');
  });

  it('names the variable and what it expects when a value is invalid', () => {
    const problems = problemsFor({ ...base, PUBLIC_URL: 'not a url' });
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^PUBLIC_URL must be the public base URL .* \(got "not a url"\)$/);
  });

  it('names every invalid variable, one line each', () => {
    const problems = problemsFor({ ...base, PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(problems.map((line) => line.split(' ')[0])).to.have.members(['PORT', 'LOG_LEVEL']);
  });

  it('never repeats a secret value in an error', () => {
    const problems = problemsFor({ ...base, LTI_ENCRYPTION_KEY: 'short-secret-value' });
    expect(problems[0]).to.contain('LTI_ENCRYPTION_KEY must be a random secret of at least 32 characters');
    expect(problems.join('\n')).not.to.contain('short-secret-value');
  });

  it('requires database, Redis and a real key in production', () => {
    const problems = problemsFor({ NODE_ENV: 'production', PUBLIC_URL: 'https://help.example.edu' });
    const named = problems.map((line) => line.split(' ')[0]);
    expect(named).to.include.members(['LTI_ENCRYPTION_KEY', 'FRAME_ANCESTORS']);
    const complete = problemsFor({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://help.example.edu',
      LTI_ENCRYPTION_KEY: 'x'.repeat(40),
      FRAME_ANCESTORS: 'https://canvas.example.edu',
    });
    expect(complete.map((line) => line.split(' ')[0])).to.have.members(['MONGODB_URL', 'REDIS_URL']);
  });

  it('refuses an unknown environment name', () => {
    expect(problemsFor({ NODE_ENV: 'staging' })[0]).to.match(
      /^NODE_ENV must be one of development, test, production/,
    );
  });

  it('documents every variable the issue names', () => {
    const names = describeVariables().map((variable) => variable.name);
    for (const required of [
      'PORT',
      'PUBLIC_URL',
      'MONGODB_URL',
      'REDIS_URL',
      'LTI_ENCRYPTION_KEY',
      'FRAME_ANCESTORS',
      'OPENAI_API_KEY',
      'OPENAI_BASE_URL',
      'OPENAI_CHAT_MODEL',
      'OPENAI_EMBEDDING_MODEL',
      'SMTP_URL',
      'MAIL_FROM',
      'LOG_LEVEL',
    ]) {
      expect(names).to.include(required);
    }
    expect(describeVariables().every((variable) => variable.expected.length > 0)).to.equal(true);
  });
});

describe('README', () => {
  it('has a configuration table row for every variable', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const missing = describeVariables().filter((variable) => !readme.includes(`| \`${variable.name}\` |`));
    expect(missing.map((variable) => variable.name)).to.deep.equal([]);
  });
});
