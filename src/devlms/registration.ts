import { z } from 'zod';
import { newClientId, newDeploymentId, type RegistrationDocument, RegistrationModel } from './clients.js';
import {
  COURSE,
  type DemoUser,
  fullName,
  NRPS_SCOPE,
  RESOURCE_LINK,
  TOOL_CONFIGURATION,
} from './constants.js';
import { openRegistrationToken } from './hints.js';

/** LTI Dynamic Registration, platform side: check a tool's registration request and store it. */

const httpUrl = z.url({ protocol: /^https?$/ });

const toolConfiguration = z.looseObject({
  domain: z.string().min(1),
  target_link_uri: httpUrl,
  custom_parameters: z.record(z.string(), z.string()).optional(),
  description: z.string().optional(),
  claims: z.array(z.string()).optional(),
  messages: z
    .array(
      z.looseObject({
        type: z.string(),
        target_link_uri: httpUrl.optional(),
        label: z.string().optional(),
      }),
    )
    .optional(),
});

const registrationRequest = z.looseObject({
  application_type: z.literal('web').optional(),
  response_types: z.array(z.string()).refine((types) => types.includes('id_token'), 'must include id_token'),
  grant_types: z
    .array(z.string())
    .refine(
      (grants) => grants.includes('implicit') && grants.includes('client_credentials'),
      'must include implicit and client_credentials',
    ),
  initiate_login_uri: httpUrl,
  redirect_uris: z.array(httpUrl).min(1),
  jwks_uri: httpUrl,
  client_name: z.string().optional(),
  token_endpoint_auth_method: z.literal('private_key_jwt').optional(),
  scope: z.string().optional(),
  [TOOL_CONFIGURATION]: toolConfiguration,
});

export type RegistrationOutcome =
  | { status: 201; body: Record<string, unknown> }
  | { status: 400 | 401; body: { error: string; error_description: string } };

/** URLs must live in the tool's declared domain (or a subdomain), so one tool cannot register another's. */
function inDomain(url: string, domain: string): boolean {
  const { host, hostname } = new URL(url);
  const wanted = domain.toLowerCase();
  return host === wanted || hostname === wanted || hostname.endsWith(`.${wanted}`);
}

export async function registerTool(
  authorization: string | undefined,
  body: unknown,
): Promise<RegistrationOutcome> {
  let tokenId: string | undefined;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    tokenId = match ? await openRegistrationToken(match[1]) : undefined;
    if (!tokenId) {
      return {
        status: 401,
        body: {
          error: 'invalid_token',
          error_description: 'The registration token is invalid or has expired.',
        },
      };
    }
    if (await RegistrationModel.exists({ registrationTokenId: tokenId })) {
      return {
        status: 401,
        body: { error: 'invalid_token', error_description: 'The registration token was already used.' },
      };
    }
  }

  const parsed = registrationRequest.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`,
    );
    return {
      status: 400,
      body: { error: 'invalid_client_metadata', error_description: problems.join('; ') },
    };
  }
  const request = parsed.data;
  const config = request[TOOL_CONFIGURATION];
  const urls = [request.initiate_login_uri, ...request.redirect_uris, config.target_link_uri];
  const outside = urls.filter((url) => !inDomain(url, config.domain));
  if (outside.length) {
    return {
      status: 400,
      body: {
        error: 'invalid_redirect_uri',
        error_description: `Not within the tool domain ${config.domain}: ${outside.join(', ')}`,
      },
    };
  }

  const deepLinking = config.messages?.find((message) => message.type === 'LtiDeepLinkingRequest');
  const requestedScopes = (request.scope ?? '').split(/\s+/).filter(Boolean);
  const scopes = requestedScopes.filter((scope) => scope === NRPS_SCOPE);
  const clientId = newClientId();
  const deploymentId = newDeploymentId();
  const response: Record<string, unknown> = {
    ...request,
    client_id: clientId,
    scope: scopes.join(' '),
    [TOOL_CONFIGURATION]: { ...config, deployment_id: deploymentId },
  };
  const document: RegistrationDocument = {
    clientId,
    deploymentId,
    clientName: request.client_name ?? config.domain,
    initiateLoginUri: request.initiate_login_uri,
    redirectUris: request.redirect_uris,
    jwksUri: request.jwks_uri,
    targetLinkUri: config.target_link_uri,
    deepLinkUri: deepLinking?.target_link_uri ?? config.target_link_uri,
    scopes,
    customParametersJson: JSON.stringify(config.custom_parameters ?? {}),
    registrationJson: JSON.stringify(response),
    registrationTokenId: tokenId,
    createdAt: new Date(),
  };
  await RegistrationModel.create(document);
  return { status: 201, body: response };
}

/** Variable substitution for custom parameters, as listed in the platform configuration. */
export const SUBSTITUTION_VARIABLES: Record<string, (user: DemoUser) => string> = {
  'Context.id': () => COURSE.id,
  'Context.label': () => COURSE.label,
  'Context.title': () => COURSE.title,
  'ResourceLink.id': () => RESOURCE_LINK.id,
  'ResourceLink.title': () => RESOURCE_LINK.title,
  'User.id': (user) => user.id,
  'Person.name.full': (user) => fullName(user),
  'Person.name.given': (user) => user.givenName,
  'Person.name.family': (user) => user.familyName,
  'Person.email.primary': (user) => user.email,
};

/** Custom parameters with `$Variable` values substituted; unknown variables pass through unchanged, per spec. */
export function substituteCustom(custom: Record<string, string>, user: DemoUser): Record<string, string> {
  return Object.fromEntries(
    Object.entries(custom).map(([key, value]) => {
      const variable = value.startsWith('$') ? SUBSTITUTION_VARIABLES[value.slice(1)] : undefined;
      return [key, variable ? variable(user) : value];
    }),
  );
}
