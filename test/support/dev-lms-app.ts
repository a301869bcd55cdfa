import { freePort } from '../../src/app/embedded-services.js';
import { DEV_LMS_CLIENT_ID, DEV_LMS_DEPLOYMENT_ID } from '../../src/devlms/index.js';
import { KnowledgeService, KnowledgeSourceModel } from '../../src/knowledge/index.js';
import { findTenantForDeployment } from '../../src/tenants/tenant.service.js';
import { startTestApp, type TestApp } from './app.js';

/**
 * Adds a short "Resetting your password" help article to a tenant through the product's own ingestion
 * (queue and worker) and waits until it is searchable, so the assistant has something to cite.
 */
export async function addPasswordHelpArticle(app: TestApp, tenantId: string): Promise<void> {
  const filename = 'resetting-your-password.md';
  await new KnowledgeService({
    queues: app.runtime.queues,
    config: app.config,
    redis: app.runtime.redis,
  }).addFile({
    tenantId,
    courseId: null,
    filename,
    mimeType: 'text/markdown',
    bytes: Buffer.from(
      '# Resetting your password\n\nIf you forgot your password:\n\n1. Open the sign-in page.\n2. Select **Forgot password**.\n3. Enter your email address and follow the link we send you.\n',
    ),
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const source = await KnowledgeSourceModel.findOne({ tenantId, filename }).lean();
    if ((source as { status?: string } | null)?.status === 'ready') return;
    if (Date.now() > deadline) throw new Error('the help article was not ingested within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The tool with its worker, and the development LMS served as another site (http://127.0.0.1:<port>, the
 * tool being http://localhost:<port>), as an LMS page framing the tool would be; with the LMS's tenant.
 * `env` adds settings (e.g. a model's OPENAI_BASE_URL).
 */
export async function startAppWithDevLms(
  env: Record<string, string> = {},
): Promise<{ app: TestApp; lmsUrl: string; tenantId: string }> {
  const port = String(await freePort());
  const lmsUrl = `http://127.0.0.1:${port}`;
  const app = await startTestApp({ worker: true, env: { ...env, PORT: port, DEV_LMS_URL: lmsUrl } });
  const tenant = await findTenantForDeployment({
    issuer: `${lmsUrl}/dev/lms`,
    clientId: DEV_LMS_CLIENT_ID,
    deploymentId: DEV_LMS_DEPLOYMENT_ID,
  });
  return { app, lmsUrl, tenantId: String(tenant?._id) };
}
