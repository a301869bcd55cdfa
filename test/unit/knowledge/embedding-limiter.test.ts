import { expect } from 'chai';
import {
  batches,
  EmbeddingCancelledError,
  EmbeddingLimiter,
} from '../../../src/knowledge/embedding-limiter.js';
import { meaningOf, summariseMeaning } from '../../../src/knowledge/embedding-status.js';
import {
  describeEmbeddingError,
  type EmbeddingConfig,
  embeddingSettings,
} from '../../../src/knowledge/embeddings.service.js';

/** A task that runs until the test lets it finish. */
function held() {
  let finish: (value: string) => void = () => {};
  let started = false;
  const done = new Promise<string>((resolve) => {
    finish = resolve;
  });
  return {
    task: () => {
      started = true;
      return done;
    },
    finish: (value = 'done') => finish(value),
    get started() {
      return started;
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** The message a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error)?.message ?? String(error);
  }
  throw new Error('expected a rejection');
}

describe('embedding limiter', () => {
  it('never runs more than its concurrency, and starts the next as soon as one finishes', async () => {
    const limiter = new EmbeddingLimiter(2);
    const tasks = Array.from({ length: 5 }, held);
    const results = tasks.map((t) => limiter.run(t.task));
    await tick();
    expect(tasks.map((t) => t.started)).to.deep.equal([true, true, false, false, false]);
    expect(limiter.running).to.equal(2);
    expect(limiter.waiting).to.equal(3);
    tasks[1]?.finish();
    await tick();
    expect(tasks.map((t) => t.started)).to.deep.equal([true, true, true, false, false]);
    for (const t of tasks) t.finish();
    await Promise.all(results);
    expect(limiter.peak).to.equal(2);
    expect(limiter.running).to.equal(0);
  });

  it('lets a question go before document batches already waiting', async () => {
    const limiter = new EmbeddingLimiter(1);
    const order: string[] = [];
    const first = held();
    const running = limiter.run(first.task);
    const later = [
      limiter.run(async () => order.push('document 1'), { priority: 'document' }),
      limiter.run(async () => order.push('document 2'), { priority: 'document' }),
      limiter.run(async () => order.push('question'), { priority: 'query' }),
    ];
    await tick();
    first.finish();
    await Promise.all([running, ...later]);
    expect(order).to.deep.equal(['question', 'document 1', 'document 2']);
  });

  it('puts the fill job batches behind uploads, and estimates the wait of an upload from the line ahead', async () => {
    const limiter = new EmbeddingLimiter(1);
    expect(limiter.expectedWaitMs()).to.equal(0);
    const first = held();
    const running = limiter.run(first.task);
    const order: string[] = [];
    const later = [
      limiter.run(async () => order.push('fill'), { priority: 'backfill' }),
      limiter.run(async () => order.push('upload'), { priority: 'document' }),
    ];
    // No task finished yet: no duration to go by.
    expect(limiter.expectedWaitMs()).to.equal(0);
    await tick();
    first.finish();
    await Promise.all([running, ...later]);
    expect(order).to.deep.equal(['upload', 'fill']);

    const second = held();
    const busy = limiter.run(second.task);
    const queued = [limiter.run(async () => 1, { priority: 'backfill' }), limiter.run(async () => 2)];
    // One upload ahead (the fill job's batch does not count for an upload), one slot: two durations.
    const perTask = limiter.expectedWaitMs() / 2;
    expect(perTask).to.be.greaterThan(0);
    expect(limiter.expectedWaitMs('backfill')).to.equal(3 * perTask);
    second.finish();
    await Promise.all([busy, ...queued]);
  });

  it('drops a waiting task whose signal aborts, without ever running it', async () => {
    const limiter = new EmbeddingLimiter(1);
    const first = held();
    const running = limiter.run(first.task);
    const controller = new AbortController();
    let ran = false;
    const waiting = limiter.run(
      async () => {
        ran = true;
      },
      { priority: 'query', signal: controller.signal },
    );
    controller.abort(new Error('the question stopped waiting'));
    expect(await rejection(waiting)).to.contain('the question stopped waiting');
    expect(limiter.waiting).to.equal(0);
    first.finish();
    await running;
    expect(ran).to.equal(false);
    expect(limiter.running).to.equal(0);
  });

  it('refuses at once a task whose signal already aborted', async () => {
    const limiter = new EmbeddingLimiter(1);
    const controller = new AbortController();
    controller.abort();
    await rejection(limiter.run(async () => 1, { signal: controller.signal }));
    expect(limiter.running).to.equal(0);
  });

  it('cancels every waiting document batch when told the server is failing; running ones finish', async () => {
    const limiter = new EmbeddingLimiter(1);
    const first = held();
    const running = limiter.run(first.task);
    const waiting = [limiter.run(async () => 'a'), limiter.run(async () => 'b')];
    const reason = new EmbeddingCancelledError('the embedding server could not be reached');
    expect(limiter.cancelWaiting('document', reason)).to.equal(2);
    for (const w of waiting) expect(await rejection(w)).to.contain('could not be reached');
    first.finish('still answered');
    expect(await running).to.equal('still answered');
    expect(await limiter.run(async () => 'next')).to.equal('next');
  });

  it('frees the slot when a task throws', async () => {
    const limiter = new EmbeddingLimiter(1);
    const failed = limiter.run(async () => Promise.reject(new Error('HTTP 500')));
    expect(await rejection(failed)).to.contain('HTTP 500');
    expect(limiter.running).to.equal(0);
    expect(await limiter.run(async () => 'ok')).to.equal('ok');
  });

  it('splits texts into batches of at most the batch size', () => {
    expect(batches([1, 2, 3, 4, 5, 6, 7], 3)).to.deep.equal([[1, 2, 3], [4, 5, 6], [7]]);
    expect(batches([], 16)).to.deep.equal([]);
  });
});

describe('embedding settings', () => {
  const base: EmbeddingConfig = {
    OPENAI_API_KEY: undefined,
    OPENAI_BASE_URL: undefined,
    OPENAI_EMBEDDING_MODEL: 'text-embedding-3-small',
    EMBEDDINGS_BASE_URL: undefined,
    EMBEDDINGS_API_KEY: undefined,
    EMBEDDINGS_MODEL: undefined,
    EMBEDDINGS_CONCURRENCY: 2,
    EMBEDDINGS_BATCH_SIZE: 16,
    EMBEDDINGS_TIMEOUT_MS: 30_000,
    EMBEDDINGS_QUERY_WAIT_MS: 400,
  };

  it('uses EMBEDDINGS_BASE_URL on its own, without a key (a local server needs none)', () => {
    const settings = embeddingSettings({
      ...base,
      EMBEDDINGS_BASE_URL: 'http://e5:8000/v1',
      EMBEDDINGS_MODEL: 'multilingual-e5-small',
    });
    expect(settings).to.include({ baseURL: 'http://e5:8000/v1', model: 'multilingual-e5-small' });
    expect(settings?.apiKey).to.be.a('string').and.not.equal('');
  });

  it('prefers EMBEDDINGS_* over OPENAI_* when both are set (chat and embeddings on different servers)', () => {
    const settings = embeddingSettings({
      ...base,
      OPENAI_API_KEY: 'sk-chat',
      OPENAI_BASE_URL: 'https://chat.example/v1',
      EMBEDDINGS_BASE_URL: 'http://e5:8000/v1',
      EMBEDDINGS_API_KEY: 'emb-key',
    });
    expect(settings).to.include({ baseURL: 'http://e5:8000/v1', apiKey: 'emb-key' });
  });

  it('falls back to OPENAI_* when only OPENAI_API_KEY is set, and to none without either', () => {
    const settings = embeddingSettings({
      ...base,
      OPENAI_API_KEY: 'sk-x',
      OPENAI_BASE_URL: 'https://api.example/v1',
    });
    expect(settings).to.include({
      baseURL: 'https://api.example/v1',
      apiKey: 'sk-x',
      model: 'text-embedding-3-small',
    });
    expect(embeddingSettings(base)).to.equal(null);
  });
});

describe('search by meaning state', () => {
  const vectors = (pending: number, extra: Record<string, unknown> = {}) => ({
    version: 2,
    model: 'e5',
    total: 10,
    pending,
    error: pending ? 'the embedding server did not answer in time' : null,
    attempts: pending ? 1 : 0,
    gaveUp: false,
    updatedAt: new Date(),
    ...extra,
  });

  it('tells ready, pending (with a count), failing (with the error), stored-before-setup and off apart', () => {
    const live = { version: 2, chunkCount: 10 };
    expect(meaningOf({ ...live, vectors: vectors(0) }, 'e5')).to.deep.equal({
      state: 'ready',
      pending: 0,
      error: null,
    });
    expect(meaningOf({ ...live, vectors: vectors(4) }, 'e5')).to.deep.equal({
      state: 'pending',
      pending: 4,
      error: 'the embedding server did not answer in time',
    });
    expect(meaningOf({ ...live, vectors: vectors(4, { attempts: 4 }) }, 'e5')?.state).to.equal('failing');
    expect(meaningOf({ ...live, vectors: vectors(4, { gaveUp: true }) }, 'e5')?.state).to.equal('failing');
    expect(
      meaningOf(
        { ...live, vectors: vectors(4, { error: 'the embedding server refused the API key (HTTP 401)' }) },
        'e5',
      )?.state,
    ).to.equal('failing');
    expect(meaningOf({ ...live, vectors: null }, 'e5')).to.include({ state: 'missing', pending: 10 });
    expect(meaningOf({ ...live, vectors: vectors(0, { version: 1 }) }, 'e5')?.state).to.equal('missing');
    expect(meaningOf({ ...live, vectors: vectors(0) }, 'another-model')?.state).to.equal('missing');
    expect(meaningOf({ ...live, vectors: vectors(0) }, null)?.state).to.equal('off');
    expect(meaningOf({ version: 0, chunkCount: 0, vectors: null }, 'e5')).to.equal(null);
  });

  it('sums a tenant up in one line', () => {
    const ready = { state: 'ready' as const, pending: 0, error: null };
    const pending = { state: 'pending' as const, pending: 3, error: null };
    const states = [...Array.from({ length: 170 }, () => ready), ...Array.from({ length: 8 }, () => pending)];
    expect(summariseMeaning(states, true).text).to.equal(
      'Search by meaning: 170 of 178 documents ready; 8 waiting for the embedding server.',
    );
    expect(summariseMeaning([ready], true).text).to.equal('Search by meaning: 1 of 1 document ready.');
    expect(summariseMeaning([], false).text).to.match(/^Search by meaning is off/);
  });
});

describe('embedding failures in plain words', () => {
  it('names timeouts, rate limits, server errors, refused keys and an unreachable server; blames the texts only for 400s', () => {
    const timeout = Object.assign(new Error('Request timed out.'), { name: 'TimeoutError' });
    expect(describeEmbeddingError(timeout).message).to.equal('the embedding server did not answer in time');
    const limited = Object.assign(new Error('429 Rate limit reached'), { status: 429 });
    expect(describeEmbeddingError(limited).message).to.contain('HTTP 429');
    expect(describeEmbeddingError(Object.assign(new Error('boom'), { status: 503 })).message).to.equal(
      'the embedding server failed (HTTP 503)',
    );
    expect(describeEmbeddingError(Object.assign(new Error('no'), { status: 401 })).message).to.contain(
      'refused the API key',
    );
    expect(describeEmbeddingError(new Error('Connection error.')).message).to.equal(
      'the embedding server could not be reached',
    );
    const tooLong = describeEmbeddingError(Object.assign(new Error('too long'), { status: 400 }));
    expect(tooLong.serverFault).to.equal(false);
    expect(describeEmbeddingError(limited).serverFault).to.equal(true);
  });
});
