import { model, Schema } from 'mongoose';

/**
 * One OIDC login in progress: created at /lti/login, consumed (deleted) by the launch it belongs to,
 * so a state and its nonce work once. Stored in the database so any web process can finish the launch.
 */
export interface LaunchState {
  state: string;
  nonce: string;
  /** Secret put in the browser (cookie, or LMS platform storage) to prove the launch comes back to it. */
  binding: string;
  issuer: string;
  clientId: string;
  /** Where platform storage lives when the LMS offers it (lti_storage_target), e.g. "_parent". */
  storageTarget?: string;
  /** The login request's parameters, to restart the launch in a new window when cookies are blocked. */
  loginParams: Record<string, string>;
  createdAt: Date;
}

const launchStateSchema = new Schema<LaunchState>(
  {
    state: { type: String, required: true, unique: true },
    nonce: { type: String, required: true },
    binding: { type: String, required: true },
    issuer: { type: String, required: true },
    clientId: { type: String, required: true },
    storageTarget: String,
    loginParams: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true, default: Date.now, index: true },
  },
  { collection: 'lti_launch_states', versionKey: false },
);

export const LaunchStateModel = model<LaunchState>('LaunchState', launchStateSchema);

/** How long a user may take between the LMS redirect and the launch post. */
export const LAUNCH_STATE_TTL_MS = 10 * 60_000;
