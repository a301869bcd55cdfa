import { expect } from 'chai';
import { localEmbeddingThreads, withLocalEmbeddings } from '../../src/app/embedded-services.js';
import { loadConfig } from '../../src/config/env.js';

const url = 'http://127.0.0.1:41234/v1';

describe('local embeddings config', () => {
  it('points embeddings at the local server under its model name, leaving chat settings alone', () => {
    const config = loadConfig({ NODE_ENV: 'test', LOCAL_EMBEDDINGS: 'true', OPENAI_API_KEY: 'sk-chat' });
    const local = withLocalEmbeddings(config, url);
    expect(local.EMBEDDINGS_BASE_URL).to.equal(url);
    expect(local.EMBEDDINGS_MODEL).to.equal('multilingual-e5-small');
    expect(local.OPENAI_API_KEY).to.equal('sk-chat');
    expect(local.OPENAI_CHAT_MODEL).to.equal(config.OPENAI_CHAT_MODEL);
    expect(Object.isFrozen(local)).to.equal(true);
  });

  it('keeps an EMBEDDINGS_MODEL the admin named', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      LOCAL_EMBEDDINGS: 'true',
      EMBEDDINGS_MODEL: 'e5-small-q4',
    });
    expect(withLocalEmbeddings(config, url).EMBEDDINGS_MODEL).to.equal('e5-small-q4');
  });

  it('gives the server every core of a small machine and at most 4 of a large one', () => {
    expect([1, 2, 4, 32].map((cpus) => localEmbeddingThreads(cpus))).to.deep.equal([1, 2, 4, 4]);
  });
});
