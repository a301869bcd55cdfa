import { findInTenant } from '../db/by-id.js';
import { AppError } from '../lib/errors.js';
import { LaunchModel } from './launch.model.js';
import { ltijsProvider } from './ltijs.js';
import type { Session } from './session.js';

/**
 * Answers a deep-linking request with one signed LtiResourceLink item, so the assistant appears in the
 * course where the instructor chose. Signed by ltijs with the tool's key for that platform.
 */
export async function createDeepLink(input: { session: Session; title: string; launchUrl: string }) {
  const { session } = input;
  const launch = await findInTenant(LaunchModel, session.launchId, session.tenantId);
  const settings = launch?.deepLinkingSettings as { deep_link_return_url?: string } | undefined;
  if (launch?.messageType !== 'LtiDeepLinkingRequest' || !settings?.deep_link_return_url) {
    throw new AppError(
      'bad_request',
      'This launch was not a request to place the assistant; start again from the LMS.',
    );
  }
  const item = {
    type: 'ltiResourceLink',
    title: input.title,
    text: "Answers from your institution's help documents, and a way to reach a person.",
    url: input.launchUrl,
    custom: { placement: 'deep_link' },
  };
  const jwt = await (await ltijsProvider()).DeepLinking.createDeepLinkingMessage(
    {
      iss: launch.issuer,
      clientId: launch.clientId,
      deploymentId: launch.deploymentId,
      platformContext: { deepLinkingSettings: launch.deepLinkingSettings },
    },
    [item],
    { message: `Added “${input.title}”.` },
  );
  return { returnUrl: settings.deep_link_return_url, jwt, item };
}
