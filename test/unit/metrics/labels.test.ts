import { expect } from 'chai';
import { loadConfig } from '../../../src/config/env.js';
import { bearerMatches } from '../../../src/http/routes/metrics.routes.js';
import { routeLabeller, statusClass } from '../../../src/metrics/http.js';
import { liveKind } from '../../../src/metrics/live.js';
import { reportedUsage } from '../../../src/metrics/model.js';

describe('metrics labels stay bounded and carry no values', () => {
  it('labels a request by the route pattern it matched, never the URL', () => {
    const label = routeLabeller();
    expect(label('', '/api/inbox/conversations/:id/claim')).to.equal('/api/inbox/conversations/:id/claim');
    expect(label('/dev/lms', '/launch')).to.equal('/dev/lms/launch');
    expect(label('/public', undefined), 'static files').to.equal('/public/*');
    expect(label('', undefined), 'a 404 of any URL').to.equal('unmatched');
  });

  it('masks segments that look like ids should a mount path ever carry one', () => {
    const label = routeLabeller();
    expect(label('/t/65f0c0ffee0123456789abcd', '/x')).to.equal('/t/:value/x');
    expect(label('/t/6f1c2e8a-4b0d-4d7e-9a51-0c3f2b7d9e10', undefined)).to.equal('/t/:value/*');
    expect(label('/page/42', '/x')).to.equal('/page/:value/x');
  });

  it('past its limit of distinct routes, new ones read "other" (known ones keep their label)', () => {
    const label = routeLabeller(3);
    for (const route of ['/a', '/b', '/c']) expect(label('', route)).to.equal(route);
    expect(label('', '/d')).to.equal('other');
    expect(label('', '/a')).to.equal('/a');
  });

  it('groups statuses by class and names a request the client abandoned', () => {
    expect(statusClass(201, true)).to.equal('2xx');
    expect(statusClass(404, true)).to.equal('4xx');
    expect(statusClass(200, false)).to.equal('aborted');
  });

  it('names live streams by the channel they were opened on', () => {
    expect(liveKind('/api/chat/events')).to.equal('chat');
    expect(liveKind('/api/inbox/events')).to.equal('inbox');
    expect(liveKind('unmatched')).to.equal('other');
  });

  it('reads the token counts a model server reports at the end of a body', () => {
    const streamed =
      'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":120,"completion_tokens":7,"total_tokens":127}}\n\ndata: [DONE]\n\n';
    expect(reportedUsage(streamed)).to.deep.equal({ promptTokens: 120, completionTokens: 7 });
    const embeddings = `{"object":"list","data":[{"embedding":"${'A'.repeat(5000)}"}],"model":"e5","usage":{"prompt_tokens":33,"total_tokens":33}}`;
    expect(reportedUsage(embeddings)).to.deep.equal({ promptTokens: 33, completionTokens: undefined });
    expect(reportedUsage('{"data":[]}'), 'nothing reported').to.deep.equal({});
  });

  it('accepts only the exact bearer token', () => {
    const token = 'a-metrics-token-of-some-length';
    expect(bearerMatches(`Bearer ${token}`, token)).to.equal(true);
    expect(bearerMatches(`bearer ${token}`, token)).to.equal(true);
    expect(bearerMatches(token, token)).to.equal(false);
    expect(bearerMatches(`Bearer ${token}x`, token)).to.equal(false);
    expect(bearerMatches(undefined, token)).to.equal(false);
  });

  it('refuses a metrics port equal to the public port and never echoes the token', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', PORT: '8080', METRICS_PORT: '8080' })).to.throw(
      /METRICS_PORT must differ from PORT/,
    );
    const short = 'short-secret';
    try {
      loadConfig({ NODE_ENV: 'test', METRICS_TOKEN: short });
      expect.fail('a short token is refused');
    } catch (error) {
      expect((error as Error).message).to.match(/METRICS_TOKEN must be/);
      expect((error as Error).message).not.to.include(short);
    }
  });
});
