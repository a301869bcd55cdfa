import { z } from 'zod';
import { AppError } from '../lib/errors.js';
import { addDeployment } from '../tenants/tenant.service.js';
import { type Platform, registerPlatform } from './platforms.service.js';
import { dynamicRegistrationRequest } from './tool-configuration.js';

const openIdConfiguration = z.object({
  issuer: z.string().url(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
  registration_endpoint: z.string().url(),
  'https://purl.imsglobal.org/spec/lti-platform-configuration': z
    .object({ product_family_code: z.string().optional(), version: z.string().optional() })
    .partial()
    .optional(),
});

const registrationResponse = z.object({
  client_id: z.string().min(1),
  'https://purl.imsglobal.org/spec/lti-tool-configuration': z
    .object({ deployment_id: z.string().optional() })
    .partial()
    .optional(),
});

async function fetchJson(url: string, init: RequestInit, what: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new AppError(
      'bad_request',
      `Could not reach the LMS ${what} at ${url}: ${(error as Error).message}`,
    );
  }
  if (!response.ok) throw new AppError('bad_request', `The LMS ${what} answered ${response.status}.`);
  try {
    return await response.json();
  } catch {
    throw new AppError('bad_request', `The LMS ${what} did not answer JSON.`);
  }
}

export interface RegistrationResult {
  platform: Platform;
  deploymentId?: string;
  productFamilyCode?: string;
}

/**
 * LTI Dynamic Registration, tool side: read the platform's OpenID configuration, send our registration,
 * store the platform (pending unless auto-activation is on) and, when the LMS names it, the deployment.
 */
export async function registerDynamically(input: {
  openIdConfigurationUrl: string;
  registrationToken?: string;
  publicUrl: string;
  autoActivate: boolean;
}): Promise<RegistrationResult> {
  const configUrl = (() => {
    try {
      return new URL(input.openIdConfigurationUrl);
    } catch {
      throw new AppError('bad_request', 'openid_configuration must be a URL.');
    }
  })();
  const parsed = openIdConfiguration.safeParse(
    await fetchJson(configUrl.toString(), {}, 'OpenID configuration'),
  );
  if (!parsed.success) {
    throw new AppError(
      'bad_request',
      `The LMS OpenID configuration is incomplete: ${parsed.error.issues[0]?.path.join('.')}`,
    );
  }
  const configuration = parsed.data;
  // The spec requires the configuration to come from the issuer's own host, so nobody can register as another LMS.
  if (new URL(configuration.issuer).host !== configUrl.host) {
    throw new AppError('bad_request', 'The OpenID configuration does not come from the issuer it names.');
  }
  const registered = registrationResponse.safeParse(
    await fetchJson(
      configuration.registration_endpoint,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(input.registrationToken ? { authorization: `Bearer ${input.registrationToken}` } : {}),
        },
        body: JSON.stringify(dynamicRegistrationRequest(input.publicUrl)),
      },
      'registration endpoint',
    ),
  );
  if (!registered.success) throw new AppError('bad_request', 'The LMS registration answer has no client_id.');

  const productFamilyCode =
    configuration['https://purl.imsglobal.org/spec/lti-platform-configuration']?.product_family_code;
  const platform = await registerPlatform({
    issuer: configuration.issuer,
    clientId: registered.data.client_id,
    name: `${productFamilyCode ?? 'LMS'} at ${new URL(configuration.issuer).host}`,
    authUrl: configuration.authorization_endpoint,
    tokenUrl: configuration.token_endpoint,
    jwksUrl: configuration.jwks_uri,
    active: input.autoActivate,
  });
  const deploymentId =
    registered.data['https://purl.imsglobal.org/spec/lti-tool-configuration']?.deployment_id;
  if (deploymentId) {
    await addDeployment({ issuer: platform.issuer, clientId: platform.clientId, deploymentId });
  }
  return { platform, deploymentId, productFamilyCode };
}
