/**
 * The development LMS: a small LTI 1.3 platform ("Demo University") mounted at /dev/lms when NODE_ENV is
 * development or test, so demos and tests launch the tool through the real OIDC + id token flow.
 */
import { DEV_LMS_CLIENT_ID, DEV_LMS_DEPLOYMENT_ID, DEV_LMS_NAME, platformUrls } from './constants.js';

export {
  buildIdTokenClaims,
  type IdTokenInput,
  issueDeepLinkingData,
  type LtiMessageType,
  type SigningKey,
  type SignOptions,
  signIdToken,
} from './claims.js';
export type { ToolEndpoints } from './clients.js';
export {
  COURSE,
  COURSE_MEMBERS,
  DEV_LMS_CLIENT_ID,
  DEV_LMS_DEPLOYMENT_ID,
  LAUNCH_USERS,
  type LaunchRole,
  NRPS_SCOPE,
  RESOURCE_LINK,
  ROLES,
} from './constants.js';
export { forgetPlatformKeys } from './keys.js';
export { escapeHtml } from './pages.js';
export { createDevLmsRouter, type DevLmsOptions, type DevLmsStats } from './routes.js';

/** What the tool needs to register this platform: issuer, client id, auth/token/jwks URLs, deployment id. */
export function devLmsPlatform(publicUrl: string): {
  issuer: string;
  clientId: string;
  authUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  deploymentId: string;
  name: string;
} {
  const urls = platformUrls(publicUrl);
  return {
    issuer: urls.issuer,
    clientId: DEV_LMS_CLIENT_ID,
    authUrl: urls.authUrl,
    tokenUrl: urls.tokenUrl,
    jwksUrl: urls.jwksUrl,
    deploymentId: DEV_LMS_DEPLOYMENT_ID,
    name: DEV_LMS_NAME,
  };
}
