import { expect } from 'chai';
import type { DayOfSummaries } from '../../../src/insights/dashboard-summary.js';
import { emptyScope } from '../../../src/insights/day-summary.js';
import { daysBefore, topicFigures } from '../../../src/insights/topic-spikes.js';

const TO = '2026-11-28';
const rule = { factor: 2, minThreads: 5, trailingWeeks: 4 };

/** A day `back` days before TO with these handed-off threads per topic. */
function day(
  back: number,
  topics: Record<string, number>,
  examples: Record<string, string[]> = {},
): DayOfSummaries {
  return { date: daysBefore(TO, back), summary: { ...emptyScope(), topics, topicExamples: examples } };
}

describe('insights: topics behind handoffs and their spikes', () => {
  it('flags a topic whose last 7 days reach twice its 4-week average with at least 5 threads', () => {
    const days = [
      // Four earlier weeks: 2 a week for "proctor", 5 a week for "grades".
      ...[7, 14, 21, 28].flatMap((w) => [day(w, { proctor: 2, grades: 5 })]),
      // This week: proctor 8 (4× its average), grades 6 (1.2×).
      day(0, { proctor: 5, grades: 6 }, { proctor: ['how do i assign a proctor for the final?'] }),
      day(3, { proctor: 3 }),
    ];
    const figures = topicFigures(days, { from: daysBefore(TO, 34), to: TO, rule });
    const proctor = figures.find((f) => f.topicId === 'proctor');
    const grades = figures.find((f) => f.topicId === 'grades');
    expect(proctor).to.deep.include({ thisWeek: 8, trailingAverage: 2, spike: true, threads: 16 });
    expect(proctor?.examples).to.deep.equal(['how do i assign a proctor for the final?']);
    expect(grades).to.deep.include({ thisWeek: 6, trailingAverage: 5, spike: false });
    // Weekly trend, oldest first, the range cut into weeks ending on its last day.
    expect(proctor?.weekly).to.deep.equal([2, 2, 2, 2, 8]);
  });

  it('needs the minimum count however sharp the rise, and reads the weeks before a short range', () => {
    const days = [day(0, { rare: 3 }), day(10, { steady: 4 }), day(1, { steady: 10 })];
    // A 7-day range: the trailing weeks lie before it, and are read all the same.
    const figures = topicFigures(days, { from: daysBefore(TO, 6), to: TO, rule });
    expect(figures.find((f) => f.topicId === 'rare')).to.deep.include({ spike: false, threads: 3 });
    expect(figures.find((f) => f.topicId === 'steady')).to.deep.include({
      thisWeek: 10,
      trailingAverage: 1,
      spike: true,
    });
  });

  it('lists the busiest ten, then any other topic that spikes', () => {
    const topics: Record<string, number> = {};
    for (let i = 0; i < 12; i++) topics[`t${String(i).padStart(2, '0')}`] = 30 - i;
    const days = [day(20, topics), day(0, { late: 5 })];
    const figures = topicFigures(days, { from: daysBefore(TO, 27), to: TO, rule });
    expect(figures.map((f) => f.topicId)).to.deep.equal([
      't00',
      't01',
      't02',
      't03',
      't04',
      't05',
      't06',
      't07',
      't08',
      't09',
      'late',
    ]);
  });
});
