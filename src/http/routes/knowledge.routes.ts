import busboy from 'busboy';
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config/env.js';
import { meaningBySource, summariseMeaning } from '../../knowledge/embedding-status.js';
import { type EmbeddingConfig, embeddingSettings } from '../../knowledge/embeddings.service.js';
import { type KnowledgeService, SUPPORTED_EXTENSIONS } from '../../knowledge/index.js';
import {
  exportEvalSet,
  labelMiss,
  listMisses,
  unreviewedCount,
} from '../../knowledge/labelled-miss.review.js';
import { AppError } from '../../lib/errors.js';
import type { Session } from '../../lti/session.js';
import { requireSession } from '../middleware/session.js';
import {
  type FileOutcomeDto,
  type KnowledgeScope,
  presentKnowledgeSource,
  presentMeaning,
} from '../presenters/knowledge.presenter.js';
import { presentMissedQuestion, presentMissPage } from '../presenters/labelled-miss.presenter.js';
import { pageContext } from './pages.routes.js';

/** Files one upload request may carry; more are refused per file, so a person sees which were left out. */
export const MAX_FILES_PER_UPLOAD = 20;
/** Longest question and answer of a Q&A pair (a question becomes the source's title). */
export const QA_QUESTION_MAX = 500;
export const QA_ANSWER_MAX = 8000;

const scopeSchema = z.enum(['institution', 'course']).default('institution');

const uploadQuery = z.object({
  /** 'course': visible only inside the course the admin launched from; default the whole institution. */
  scope: scopeSchema,
});

/** A Q&A entry's question (as learners would ask it) and answer (what the assistant should give). */
export const qaFields = {
  question: z
    .string({ error: 'A question is needed.' })
    .trim()
    .min(1, 'A question is needed.')
    .max(QA_QUESTION_MAX, `The question is too long (at most ${QA_QUESTION_MAX} characters).`),
  answer: z
    .string({ error: 'An answer is needed.' })
    .trim()
    .min(1, 'An answer is needed.')
    .max(QA_ANSWER_MAX, `The answer is too long (at most ${QA_ANSWER_MAX} characters).`),
};

const qaBody = z.object({ ...qaFields, scope: scopeSchema });

/** A source id: 24 hex digits. Anything else cannot be one of this tenant's sources. */
const sourceParams = z.object({ id: z.string().regex(/^[0-9a-fA-F]{24}$/) });

const notFoundSource = () => new AppError('not_found', 'That knowledge source was not found.');

/** Missed questions listed per page on the Knowledge page (the API takes `perPage` up to 100). */
export const MISSES_PER_PAGE = 10;

const missListQuery = z.object({
  page: z.coerce
    .number({ error: 'page must be a whole number from 1.' })
    .int('page must be a whole number from 1.')
    .min(1, 'page must be a whole number from 1.')
    .max(100_000, 'page is too large.')
    .default(1),
  perPage: z.coerce
    .number({ error: 'perPage must be a whole number from 1 to 100.' })
    .int('perPage must be a whole number from 1 to 100.')
    .min(1, 'perPage must be a whole number from 1 to 100.')
    .max(100, 'perPage must be a whole number from 1 to 100.')
    .default(MISSES_PER_PAGE),
});

/** A label for a missed question: the document that answers it, not covered, or dismissed. */
const missLabelBody = z.discriminatedUnion(
  'label',
  [
    z.object({
      label: z.literal('answerable'),
      sourceId: z
        .string({ error: 'sourceId: choose the document that answers the question.' })
        .regex(/^[0-9a-fA-F]{24}$/, 'sourceId: choose one of your uploaded documents.'),
    }),
    z.object({ label: z.literal('out_of_scope') }),
    z.object({ label: z.literal('dismissed') }),
  ],
  { error: 'label must be one of answerable, out_of_scope or dismissed.' },
);

const notFoundMiss = () => new AppError('not_found', 'That missed question was not found.');

/** Validates with zod; the first problem becomes a 400 with its message. */
function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AppError('bad_request', issue?.message ?? 'The request was not valid.');
  }
  return result.data;
}

/** The course a new source is limited to: only the course of the launch, and only when asked. */
function courseFor(session: Session, scope: KnowledgeScope): string | null {
  if (scope === 'institution') return null;
  if (!session.courseId) {
    throw new AppError('bad_request', 'Open Chatref from a course to add course-only knowledge.');
  }
  return session.courseId;
}

/** A size in the unit a person would use: 25 MB, 512 KB. */
function formatSize(bytes: number): string {
  const round = (n: number) => Math.round(n * 10) / 10;
  if (bytes >= 1024 * 1024) return `${round(bytes / 1024 / 1024)} MB`;
  if (bytes >= 1024) return `${round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

interface ReceivedFile {
  name: string;
  mimeType: string;
  bytes: Buffer;
  /** Over the size limit: only the first bytes were read. */
  truncated: boolean;
}

/**
 * Streams a multipart body and stores each file as soon as it is read, rather than holding the whole
 * request in memory. Files over `maxBytes` are cut short and flagged instead of buffered whole; files past
 * `maxFiles` are reported as left out.
 */
function readMultipart(
  req: Request,
  limits: { maxBytes: number; maxFiles: number },
  onFile: (file: ReceivedFile) => Promise<FileOutcomeDto>,
): Promise<FileOutcomeDto[]> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: { fileSize: limits.maxBytes, files: limits.maxFiles, fields: 20, fieldSize: 10_000 },
      });
    } catch {
      reject(new AppError('bad_request', 'Send the files as multipart/form-data.'));
      return;
    }
    const outcomes: FileOutcomeDto[] = [];
    // Files are stored one at a time, in the order they were sent.
    let chain: Promise<void> = Promise.resolve();
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      reject(error);
    };
    const then = (step: () => Promise<void> | void) => {
      chain = chain.then(step);
      chain.catch(fail);
    };
    parser.on('file', (_field, stream, info) => {
      if (!info.filename) {
        // An empty file input still sends a nameless, empty part.
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      let truncated = false;
      stream.on('data', (chunk: Buffer) => {
        if (!truncated) chunks.push(chunk);
      });
      stream.on('limit', () => {
        truncated = true;
        chunks.length = 0;
      });
      const received = new Promise<ReceivedFile>((resolveFile, rejectFile) => {
        stream.on('error', rejectFile);
        stream.on('end', () =>
          resolveFile({
            name: (info.filename ?? '').trim(),
            mimeType: info.mimeType,
            bytes: Buffer.concat(chunks),
            truncated,
          }),
        );
      });
      received.catch(fail);
      then(async () => {
        outcomes.push(await onFile(await received));
      });
    });
    parser.on('filesLimit', () =>
      then(() => {
        outcomes.push({
          name: '',
          ok: false,
          status: 413,
          error: {
            code: 'payload_too_large',
            message: `Only ${limits.maxFiles} files can be uploaded at once; upload the rest separately.`,
          },
        });
      }),
    );
    parser.on('error', () => fail(new AppError('bad_request', 'The upload was not a valid multipart form.')));
    parser.on('close', () => then(() => resolve(outcomes)));
    req.on('aborted', () => fail(new AppError('bad_request', 'The upload was interrupted.')));
    req.pipe(parser);
  });
}

/** The HTTP status of a whole upload: every file's when they agree, 207 when some were taken and some not. */
function overallStatus(files: FileOutcomeDto[]): number {
  const accepted = files.filter((file) => file.ok);
  if (accepted.length === files.length) return accepted.some((file) => file.queued) ? 202 : 200;
  if (accepted.length > 0) return 207;
  return Math.max(...files.map((file) => file.status));
}

export interface KnowledgeRouteDeps {
  config: Pick<Config, 'LTI_ENCRYPTION_KEY' | 'KB_MAX_FILE_BYTES'> & EmbeddingConfig;
  knowledge: KnowledgeService;
}

/**
 * The admin "Knowledge" page and its API: uploads (ingested by the `knowledge.ingest` job), Q&A pairs,
 * listing with progress, removal. Admins only; everything is scoped to the session's tenant.
 */
export function knowledgeRoutes({ config, knowledge }: KnowledgeRouteDeps): Router {
  const router = Router();
  const admin = requireSession(config.LTI_ENCRYPTION_KEY, ['admin']);
  const maxBytes = config.KB_MAX_FILE_BYTES;
  // This process's embedding model, null without one (the workers run on the same settings).
  const embeddingModel = embeddingSettings(config)?.model ?? null;

  router.get('/knowledge', admin, async (_req, res) => {
    const session = res.locals.session;
    res.render('knowledge', {
      ...(await pageContext(session)),
      // This admin page is in English only (its strings are not translated); say so whatever the launch locale.
      lang: 'en',
      hasCourse: Boolean(session.courseId),
      maxFileBytes: maxBytes,
      maxFileSize: formatSize(maxBytes),
      maxFiles: MAX_FILES_PER_UPLOAD,
      accept: SUPPORTED_EXTENSIONS.join(','),
      acceptedList: SUPPORTED_EXTENSIONS.join(', '),
      questionMax: QA_QUESTION_MAX,
      answerMax: QA_ANSWER_MAX,
      missesPerPage: MISSES_PER_PAGE,
    });
  });

  router.get('/api/knowledge/sources', admin, async (_req, res) => {
    const tenantId = res.locals.session.tenantId;
    const [sources, meaning] = await Promise.all([
      knowledge.listSources(tenantId),
      meaningBySource(tenantId, embeddingModel),
    ]);
    res.json({
      data: sources.map(presentKnowledgeSource),
      meaning: presentMeaning(summariseMeaning(meaning.values(), embeddingModel !== null), meaning),
    });
  });

  router.get('/api/knowledge/sources/:id', admin, async (req, res) => {
    const params = sourceParams.safeParse(req.params);
    if (!params.success) throw notFoundSource();
    const tenantId = res.locals.session.tenantId;
    const source = await knowledge.getSource(tenantId, params.data.id);
    if (!source) throw notFoundSource();
    const meaning = await meaningBySource(tenantId, embeddingModel, source.id);
    res.json({ data: presentKnowledgeSource(source), meaning: meaning.get(source.id) ?? null });
  });

  router.post('/api/knowledge/files', admin, async (req, res) => {
    const session = res.locals.session;
    const { scope } = parse(uploadQuery, req.query);
    const courseId = courseFor(session, scope);
    if (!req.is('multipart/form-data')) {
      throw new AppError('bad_request', 'Send the files as multipart/form-data.');
    }
    const files = await readMultipart(
      req,
      { maxBytes, maxFiles: MAX_FILES_PER_UPLOAD },
      async (file): Promise<FileOutcomeDto> => {
        const name = file.name || 'unnamed file';
        if (file.truncated) {
          return {
            name,
            ok: false,
            status: 413,
            error: {
              code: 'payload_too_large',
              message: `"${name}" is over the size limit of ${formatSize(maxBytes)}.`,
            },
          };
        }
        try {
          const added = await knowledge.addFile({
            tenantId: session.tenantId,
            courseId,
            filename: file.name,
            bytes: file.bytes,
            mimeType: file.mimeType,
          });
          return {
            name,
            ok: true,
            status: added.queued ? 202 : 200,
            queued: added.queued,
            source: presentKnowledgeSource(added.source),
          };
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          return {
            name,
            ok: false,
            status: error.status,
            error: { code: error.code, message: error.message },
          };
        }
      },
    );
    if (files.length === 0) throw new AppError('bad_request', 'Choose at least one file to upload.');
    const status = overallStatus(files);
    const rejected = files.filter((file) => !file.ok);
    if (rejected.length === files.length) {
      // Nothing was taken: an error like any other, naming every file's problem.
      const worst = rejected.find((file) => file.status === status) ?? rejected[0];
      const message = rejected.map((file) => file.error.message).join(' ');
      res.status(status).json({ error: { code: worst?.error.code, message }, data: { files } });
      return;
    }
    res.status(status).json({ data: { files } });
  });

  router.post('/api/knowledge/qa', admin, async (req, res) => {
    const session = res.locals.session;
    const body = parse(qaBody, req.body ?? {});
    const source = await knowledge.addQa({
      tenantId: session.tenantId,
      courseId: courseFor(session, body.scope),
      question: body.question,
      answer: body.answer,
    });
    res.status(201).json({ data: presentKnowledgeSource(source) });
  });

  // Missed questions: a learner's thumbs-down (or asking for a person right after an answer) followed
  // by a handoff, stored by the `review.recordMiss` job, for an admin to label.
  router.get('/api/knowledge/misses', admin, async (req, res) => {
    const { page, perPage } = parse(missListQuery, req.query);
    res.json(presentMissPage(await listMisses(res.locals.session.tenantId, page, perPage)));
  });

  // The labelled ones as an evaluation set (JSONL, the format of samples/eval/questions.jsonl).
  router.get('/api/knowledge/misses/export.jsonl', admin, async (_req, res) => {
    const body = await exportEvalSet(res.locals.session.tenantId);
    const day = new Date().toISOString().slice(0, 10);
    res
      .status(200)
      .type('application/x-ndjson; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="missed-questions-${day}.jsonl"`)
      .send(body);
  });

  router.put('/api/knowledge/misses/:id/label', admin, async (req, res) => {
    const params = sourceParams.safeParse(req.params);
    if (!params.success) throw notFoundMiss();
    const session = res.locals.session;
    const label = parse(missLabelBody, req.body ?? {});
    const miss = await labelMiss({
      tenantId: session.tenantId,
      missId: params.data.id,
      by: { userId: session.userId },
      label,
    });
    res.json({ data: presentMissedQuestion(miss), unreviewed: await unreviewedCount(session.tenantId) });
  });

  router.delete('/api/knowledge/sources/:id', admin, async (req, res) => {
    const params = sourceParams.safeParse(req.params);
    if (!params.success) throw notFoundSource();
    // The service scopes the delete by tenant: another tenant's id is simply not found.
    await knowledge.removeSource(res.locals.session.tenantId, params.data.id).catch((error: unknown) => {
      throw error instanceof AppError && error.code === 'not_found' ? notFoundSource() : error;
    });
    res.status(204).end();
  });

  return router;
}
