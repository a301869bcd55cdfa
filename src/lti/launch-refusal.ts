/**
 * Why a launch or login was refused, in words an LMS admin can act on. Refusals never store anything.
 */
export const REFUSALS = {
  not_a_launch: 'The LMS did not send an LTI 1.3 launch (no id_token).',
  malformed_token: 'The launch token is not a valid signed token.',
  unsupported_algorithm: 'The launch token must be signed with RS256.',
  missing_kid: 'The launch token does not say which key signed it (no "kid").',
  unknown_kid: 'The launch token was signed with a key the LMS does not publish.',
  bad_signature: 'The launch token signature does not match the LMS keys.',
  expired: 'The launch token has expired. Please open the tool again from your LMS.',
  issued_in_future: 'The launch token claims to be issued in the future; check the LMS clock.',
  wrong_audience: 'The launch token was issued for another tool.',
  missing_azp: 'The launch token names several audiences but no authorized party (azp).',
  wrong_azp: 'The launch token names another tool as authorized party (azp).',
  missing_claim: 'The launch is missing required LTI information',
  wrong_version: 'Only LTI 1.3 launches are supported.',
  unsupported_message: 'This kind of LTI message is not supported.',
  missing_nonce: 'The launch token has no nonce.',
  nonce_mismatch: 'The launch token does not belong to this login (nonce mismatch).',
  missing_state: 'The launch did not carry its login state.',
  unknown_state: 'This launch was already used or has expired. Please open the tool again from your LMS.',
  state_mismatch: 'The launch does not belong to this login (state mismatch).',
  unbound_browser: 'Your browser blocked the cookie that protects this launch.',
  unknown_platform: 'This LMS is not registered with Chatref.',
  inactive_platform: 'This LMS connection is waiting for approval by a Chatref administrator.',
  unknown_deployment: 'This LMS deployment is not registered with Chatref.',
  missing_login_parameter: 'The LMS login request is missing a required parameter',
  learner_deep_link: 'Only instructors and administrators can place the assistant in a course.',
} as const;

export type RefusalCode = keyof typeof REFUSALS;

/** A refused login or launch: a 4xx page in plain words, never a stack trace. */
export class LaunchRefused extends Error {
  /** For a launch blocked by the browser: the login parameters to start again in a new window. */
  restartLogin?: Record<string, string>;

  constructor(
    readonly code: RefusalCode,
    readonly detail?: string,
    readonly status = 401,
  ) {
    super(detail ? `${REFUSALS[code]}: ${detail}` : REFUSALS[code]);
    this.name = 'LaunchRefused';
  }
}
