import { Router } from 'express';
import type { Config } from '../config/env.js';
import { createDevLmsRouter, devLmsPlatform } from '../devlms/index.js';
import type { Logger } from '../lib/logger.js';
import { registerPlatform } from '../lti/platforms.service.js';
import { toolUrls } from '../lti/tool-configuration.js';
import { TenantModel } from '../tenants/tenant.model.js';
import { addDeployment } from '../tenants/tenant.service.js';

/** The development LMS exists everywhere but production. */
export function devLmsEnabled(config: Config): boolean {
  return config.NODE_ENV !== 'production';
}

/**
 * Registers the development LMS as a platform with a "Demo University" tenant (idempotent, safe from
 * several processes) and returns its router, so `npm start` is a full demo and tests launch for real.
 */
export async function installDevLms(
  config: Config,
  logger: Logger,
): Promise<{ router: Router; tenantId: string }> {
  const lmsUrl = config.DEV_LMS_URL ?? config.PUBLIC_URL;
  const platform = devLmsPlatform(lmsUrl);
  await registerPlatform({
    issuer: platform.issuer,
    clientId: platform.clientId,
    name: platform.name,
    authUrl: platform.authUrl,
    tokenUrl: platform.tokenUrl,
    jwksUrl: platform.jwksUrl,
    active: true,
  });
  const { tenant } = await addDeployment(
    { issuer: platform.issuer, clientId: platform.clientId, deploymentId: platform.deploymentId },
    { tenantName: 'Demo University' },
  );
  if (tenant.timeZone === 'UTC')
    await TenantModel.updateOne({ _id: tenant._id }, { $set: { timeZone: 'America/New_York' } });
  const urls = toolUrls(config.PUBLIC_URL);
  const router = Router();
  router.use(
    '/dev/lms',
    createDevLmsRouter({
      publicUrl: lmsUrl,
      tool: {
        loginUrl: urls.loginUrl,
        launchUrl: urls.launchUrl,
        jwksUrl: urls.jwksUrl,
        registrationUrl: urls.registrationUrl,
      },
    }),
  );
  logger.info({ url: `${lmsUrl}/dev/lms` }, 'development LMS ready');
  return { router, tenantId: String(tenant._id) };
}
