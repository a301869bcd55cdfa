import { expect } from 'chai';
import { Bm25Index } from '../../../src/knowledge/bm25.index.js';
import type { ChunkRecord } from '../../../src/knowledge/knowledge.types.js';
import { VectorIndex } from '../../../src/knowledge/vector.index.js';

const record = (chunkId: string, text: string, extra: Partial<ChunkRecord> = {}): ChunkRecord => ({
  chunkId,
  sourceId: chunkId.split('#')[0] ?? chunkId,
  courseId: null,
  title: '',
  heading: '',
  path: `${chunkId}.md`,
  ordinal: 0,
  text,
  ...extra,
});

describe('lexical index', () => {
  it('a course-specific document is not visible from another course, tenant-wide ones are', () => {
    const index = new Bm25Index();
    index.add([
      record('syllabus#0', 'late submission policy for essays', { courseId: 'bio101' }),
      record('handbook#0', 'late submission policy of the university'),
    ]);
    const ids = (courseId: string | null) =>
      index.search('late submission policy', { k: 5, courseId }).map((h) => h.chunkId);
    expect(ids('bio101')).to.have.members(['syllabus#0', 'handbook#0']);
    expect(ids('chem202')).to.deep.equal(['handbook#0']);
    expect(ids(null)).to.deep.equal(['handbook#0']);
  });

  it('a removed document no longer shows up in results', () => {
    const index = new Bm25Index();
    index.add([
      record('a#0', 'proctored exam webcam'),
      record('a#1', 'webcam setup'),
      record('b#0', 'webcam drivers'),
    ]);
    expect(index.removeSource('a')).to.equal(2);
    expect(index.search('webcam', { k: 5 }).map((h) => h.chunkId)).to.deep.equal(['b#0']);
    expect(index.size).to.equal(1);
  });

  it('ranks a passage whose heading names the topic above one that only mentions it', () => {
    const index = new Bm25Index();
    index.add([
      record('x#0', 'You can also read about cohorts elsewhere and many other things here.'),
      record('y#0', 'Open the settings page and choose options.', { heading: 'Enable cohorts' }),
    ]);
    expect(index.search('cohorts', { k: 2 })[0]?.chunkId).to.equal('y#0');
  });
});

describe('vector index', () => {
  for (const disableSimd of [false, true]) {
    it(`finds the most similar chunks by cosine (${disableSimd ? 'plain JS' : 'SIMD'} scan)`, () => {
      const index = new VectorIndex({ disableSimd });
      const dim = 40;
      const unit = (i: number) => Array.from({ length: dim }, (_, d) => (d === i ? 1 : 0.01));
      index.add(Array.from({ length: 30 }, (_, i) => record(`s${i}#0`, '', { embedding: unit(i) })));
      index.add([record('course#0', '', { embedding: unit(3), courseId: 'c1' })]);
      const hits = index.search(unit(3), { k: 2 });
      expect(hits[0]?.chunkId).to.equal('s3#0');
      expect(hits[0]?.score).to.be.closeTo(1, 1e-3);
      expect(hits.map((h) => h.chunkId)).not.to.include('course#0');
      expect(index.search(unit(3), { k: 2, courseId: 'c1' }).map((h) => h.chunkId)).to.include('course#0');
      index.removeSource('s3');
      expect(index.search(unit(3), { k: 1 })[0]?.chunkId).not.to.equal('s3#0');
    });
  }
});

describe('weighted and grouped query terms', () => {
  it('an article using three synonyms does not outscore one using the question word itself', () => {
    const index = new Bm25Index();
    index.add([
      record('own#0', 'how to prohibit a file type'),
      record('synonyms#0', 'restrict, block and forbid a file type'),
    ]);
    const hits = index.search(
      [
        { term: 'prohibit', weight: 1, group: 1 },
        { term: 'restrict', weight: 0.5, group: 1 },
        { term: 'block', weight: 0.5, group: 1 },
        { term: 'forbid', weight: 0.5, group: 1 },
        'file',
        'type',
      ],
      { k: 5, courseId: null },
    );
    expect(hits.map((h) => h.chunkId)).to.deep.equal(['own#0', 'synonyms#0']);
  });

  it('a lower-weighted term counts proportionally less', () => {
    const index = new Bm25Index();
    index.add([record('a#0', 'enroll in a course'), record('b#0', 'register for a site')]);
    const full = index.search(['regist'], { k: 1, courseId: null })[0]?.score ?? 0;
    const half = index.search([{ term: 'regist', weight: 0.5 }], { k: 1, courseId: null })[0]?.score ?? 0;
    expect(half).to.be.closeTo(full / 2, 1e-9);
  });
});
