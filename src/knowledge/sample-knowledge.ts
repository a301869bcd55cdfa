import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Types } from 'mongoose';
import { KnowledgeSourceModel } from './knowledge.models.js';
import type { KnowledgeService } from './knowledge.service.js';

/** Open edX help pages (CC BY-SA 4.0, see ATTRIBUTION.md there) shipped for the development LMS. */
export const SAMPLE_KNOWLEDGE_DIR = path.resolve(import.meta.dirname, '../../samples/knowledge');

/** The licence note that travels with the articles (CC BY-SA asks for it); never ingested as an article. */
export const ATTRIBUTION_FILE = 'ATTRIBUTION.md';

/**
 * Queues the sample documents for a tenant that has no knowledge sources yet (so a fresh development
 * LMS answers questions at once); does nothing otherwise. Returns how many files were queued.
 */
export async function seedSampleKnowledge(
  tenantId: string,
  service: KnowledgeService,
  options: { dir?: string } = {},
): Promise<number> {
  const existing = await KnowledgeSourceModel.countDocuments({ tenantId: new Types.ObjectId(tenantId) });
  if (existing > 0) return 0;
  const dir = options.dir ?? SAMPLE_KNOWLEDGE_DIR;
  const names = (await readdir(dir)).filter((n) => n.endsWith('.md') && n !== ATTRIBUTION_FILE).sort();
  const outcomes = await service.addFiles({
    tenantId,
    courseId: null,
    files: await Promise.all(
      names.map(async (name) => ({
        filename: name,
        bytes: await readFile(path.join(dir, name)),
        mimeType: 'text/markdown',
      })),
    ),
  });
  const queued = outcomes.filter((o) => 'queued' in o && o.queued).length;
  return queued;
}
