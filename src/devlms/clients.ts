import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet } from 'jose';
import mongoose, { Schema } from 'mongoose';
import { DEV_LMS_CLIENT_ID, DEV_LMS_DEPLOYMENT_ID, NRPS_SCOPE } from './constants.js';

/** How the platform knows one tool: where to send logins and launches, and how to check its signatures. */
export interface ToolClient {
  clientId: string;
  deploymentId: string;
  name: string;
  loginUrl: string;
  /** target_link_uri of resource link launches. */
  launchUrl: string;
  /** target_link_uri of deep-linking requests. */
  deepLinkUrl: string;
  /** The only URLs authorize will post an id token to: compared exactly, as real platforms do. */
  redirectUris: string[];
  jwksUrl: string;
  /** Service scopes the platform will grant this tool. */
  scopes: string[];
  /** Custom parameters sent in the `custom` claim, `$Variable` values substituted at launch. */
  custom: Record<string, string>;
}

/** The tool's endpoints as configured by the app: the built-in registration. */
export interface ToolEndpoints {
  loginUrl: string;
  launchUrl: string;
  jwksUrl: string;
  /** Where deep-linking requests go, absolute or relative to launchUrl; defaults to launchUrl. */
  deepLinkReturnPathHint?: string;
  registrationUrl: string;
}

export function defaultClient(tool: ToolEndpoints): ToolClient {
  const deepLinkUrl = tool.deepLinkReturnPathHint
    ? new URL(tool.deepLinkReturnPathHint, tool.launchUrl).toString()
    : tool.launchUrl;
  return {
    clientId: DEV_LMS_CLIENT_ID,
    deploymentId: DEV_LMS_DEPLOYMENT_ID,
    name: 'Chatref',
    loginUrl: tool.loginUrl,
    launchUrl: tool.launchUrl,
    deepLinkUrl,
    redirectUris: [...new Set([tool.launchUrl, deepLinkUrl])],
    jwksUrl: tool.jwksUrl,
    scopes: [NRPS_SCOPE],
    custom: {},
  };
}

export interface RegistrationDocument {
  clientId: string;
  deploymentId: string;
  clientName: string;
  initiateLoginUri: string;
  redirectUris: string[];
  jwksUri: string;
  targetLinkUri: string;
  deepLinkUri: string;
  scopes: string[];
  /** Custom parameters as JSON text, since their names may contain dots too. */
  customParametersJson: string;
  /** The registration as answered to the tool, as JSON text: its claim-URI keys contain dots, which FerretDB refuses as field names. */
  registrationJson: string;
  /** jti of the registration token used, so a token registers one tool only. */
  registrationTokenId?: string;
  createdAt: Date;
}

const registrationSchema = new Schema<RegistrationDocument>(
  {
    clientId: { type: String, required: true, unique: true },
    deploymentId: { type: String, required: true },
    clientName: { type: String, required: true },
    initiateLoginUri: { type: String, required: true },
    redirectUris: { type: [String], required: true },
    jwksUri: { type: String, required: true },
    targetLinkUri: { type: String, required: true },
    deepLinkUri: { type: String, required: true },
    scopes: { type: [String], default: [] },
    customParametersJson: { type: String, default: '{}' },
    registrationJson: { type: String, required: true },
    registrationTokenId: { type: String },
    createdAt: { type: Date, required: true },
  },
  { collection: 'devlms_registrations', versionKey: false },
);

export const RegistrationModel =
  (mongoose.models.DevLmsRegistration as mongoose.Model<RegistrationDocument> | undefined) ??
  mongoose.model<RegistrationDocument>('DevLmsRegistration', registrationSchema);

export function newClientId(): string {
  return `devlms-client-${randomBytes(8).toString('hex')}`;
}

export function newDeploymentId(): string {
  return `dev-deployment-${randomBytes(4).toString('hex')}`;
}

function fromRegistration(doc: RegistrationDocument): ToolClient {
  return {
    clientId: doc.clientId,
    deploymentId: doc.deploymentId,
    name: doc.clientName,
    loginUrl: doc.initiateLoginUri,
    launchUrl: doc.targetLinkUri,
    deepLinkUrl: doc.deepLinkUri,
    redirectUris: doc.redirectUris,
    jwksUrl: doc.jwksUri,
    scopes: doc.scopes,
    custom: JSON.parse(doc.customParametersJson || '{}') as Record<string, string>,
  };
}

/** The built-in client or a dynamically registered one, by client id. */
export async function findClient(tool: ToolEndpoints, clientId: unknown): Promise<ToolClient | undefined> {
  if (typeof clientId !== 'string' || !clientId) return undefined;
  if (clientId === DEV_LMS_CLIENT_ID) return defaultClient(tool);
  const doc = await RegistrationModel.findOne({ clientId }).lean();
  return doc ? fromRegistration(doc) : undefined;
}

const remoteKeySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/** The tool's JWKS, fetched over HTTP and cached by jose (refetched when an unknown kid shows up). */
export function toolKeySet(jwksUrl: string): ReturnType<typeof createRemoteJWKSet> {
  let keySet = remoteKeySets.get(jwksUrl);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 5000, cooldownDuration: 1000 });
    remoteKeySets.set(jwksUrl, keySet);
  }
  return keySet;
}

/** Signature algorithms accepted from tools: asymmetric only, so `none` and HS256 forgeries fail. */
export const TOOL_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256'];
