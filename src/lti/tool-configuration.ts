import { NRPS_SCOPE } from './claims.js';
import { DEFAULT_ADMIN_ROLES } from './roles.js';

/** The tool's public LTI endpoints, derived from PUBLIC_URL: what admins paste into their LMS. */
export function toolUrls(publicUrl: string) {
  return {
    publicUrl,
    loginUrl: `${publicUrl}/lti/login`,
    launchUrl: `${publicUrl}/lti/launch`,
    jwksUrl: `${publicUrl}/lti/keys`,
    registrationUrl: `${publicUrl}/lti/register`,
    canvasConfigUrl: `${publicUrl}/lti/canvas.json`,
    logoUrl: `${publicUrl}/public/logo.svg`,
  };
}

export const TOOL_NAME = 'Chatref';
export const TOOL_DESCRIPTION =
  "Answers learners' and instructors' questions from your institution's own help documents, with sources, and hands the conversation to your LMS support team when a person is needed.";

/**
 * The LTI Dynamic Registration request: resource-link launches for courses, an admin inbox in account
 * navigation (Canvas), deep linking to place the assistant, and the NRPS scope to read course members.
 */
export function dynamicRegistrationRequest(publicUrl: string) {
  const urls = toolUrls(publicUrl);
  return {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: urls.loginUrl,
    redirect_uris: [urls.launchUrl],
    client_name: TOOL_NAME,
    jwks_uri: urls.jwksUrl,
    logo_uri: urls.logoUrl,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: NRPS_SCOPE,
    'https://purl.imsglobal.org/spec/lti-tool-configuration': {
      domain: new URL(publicUrl).host,
      description: TOOL_DESCRIPTION,
      target_link_uri: urls.launchUrl,
      custom_parameters: {},
      claims: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email', 'picture', 'locale'],
      messages: [
        {
          type: 'LtiResourceLinkRequest',
          target_link_uri: urls.launchUrl,
          label: 'Ask for help',
          placements: ['course_navigation'],
        },
        {
          type: 'LtiResourceLinkRequest',
          target_link_uri: urls.launchUrl,
          label: 'Chatref support inbox',
          placements: ['account_navigation'],
          roles: DEFAULT_ADMIN_ROLES.filter((role) => role.startsWith('http')),
        },
        {
          type: 'LtiDeepLinkingRequest',
          target_link_uri: urls.launchUrl,
          label: 'Add Chatref to a course',
          placements: ['link_selection', 'assignment_selection', 'ContentArea'],
        },
      ],
      'https://canvas.instructure.com/lti/privacy_level': 'public',
    },
  };
}

/** Canvas's JSON configuration (Developer Keys → LTI Key → "Enter URL"). */
export function canvasConfiguration(publicUrl: string) {
  const urls = toolUrls(publicUrl);
  const placement = (name: string, extra: Record<string, unknown> = {}) => ({
    placement: name,
    message_type: 'LtiResourceLinkRequest',
    target_link_uri: urls.launchUrl,
    ...extra,
  });
  return {
    title: TOOL_NAME,
    description: TOOL_DESCRIPTION,
    oidc_initiation_url: urls.loginUrl,
    target_link_uri: urls.launchUrl,
    public_jwk_url: urls.jwksUrl,
    scopes: [NRPS_SCOPE],
    extensions: [
      {
        domain: new URL(publicUrl).host,
        tool_id: 'chatref',
        platform: 'canvas.instructure.com',
        privacy_level: 'public',
        settings: {
          text: TOOL_NAME,
          icon_url: urls.logoUrl,
          placements: [
            placement('course_navigation', { text: 'Ask for help', default: 'enabled' }),
            placement('account_navigation', { text: 'Chatref support inbox', visibility: 'admins' }),
            {
              ...placement('link_selection', { text: 'Add Chatref to a course' }),
              message_type: 'LtiDeepLinkingRequest',
            },
          ],
        },
      },
    ],
    custom_fields: { canvas_user_locale: '$Canvas.user.locale' },
  };
}
