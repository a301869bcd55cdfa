import { expect } from 'chai';
import { summarise } from '../../../bench/results.js';

describe('bench results.json', () => {
  it('reads each headline figure from its bench, numbers with their target annotations included', () => {
    const results = summarise(
      new Map<string, Record<string, number | string>>([
        [
          'SLA timers (sla-timers: 100k pending…)',
          {
            pendingTimers: 100000,
            latenessP50Ms: '12.5 (target ≤ 1000: ✓)',
            redisBytesPerTimer: '412 (target ≤ 500: ✓)',
          },
        ],
        [
          'Admin inbox (100k conversations…)',
          { conversations: 100000, 'claim (thread open first) p95 ms': 16.9 },
        ],
      ]),
    );
    expect(results.sla).to.deep.equal({ pending: 100000, latenessP50Ms: 12.5, bytesPerTimer: 412 });
    expect(results.claim).to.deep.equal({ p95Ms: 16.9 });
    expect(results.inbox).to.deep.equal({ conversations: 100000 });
  });

  it('leaves out the groups whose bench did not run, so a partial run keeps the earlier figures', () => {
    const results = summarise(
      new Map([['LTI launch (login…)', { launchesPerSecond: 210, underLoadP95Ms: 61.2 }]]),
    );
    expect(Object.keys(results)).to.deep.equal(['launch']);
    expect(results.launch).to.deep.equal({ p95Ms: 61.2, perSecond: 210 });
  });
});
