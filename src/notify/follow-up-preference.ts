import { findInTenant } from '../db/by-id.js';
import { AppError } from '../lib/errors.js';
import { UserModel } from '../users/user.model.js';

/** Whose preference: always the session's own user, in the session's tenant. */
export interface PreferenceOwner {
  tenantId: string;
  userId: string;
}

/** The learner's choice about follow-up emails and whether there is an address to send them to. */
export interface FollowUpPreference {
  /** Email me staff replies that arrive while I am away (default on). */
  enabled: boolean;
}

/** Reads the person's follow-up email preference (on until they turn it off: none stored means on). */
export async function getFollowUpPreference(owner: PreferenceOwner): Promise<FollowUpPreference> {
  const user = await findInTenant(UserModel, owner.userId, owner.tenantId, { preferences: 1 });
  if (!user) throw new AppError('not_found', 'Your user record was not found.');
  return { enabled: user.preferences?.followUpEmail !== false };
}

/** Turns the person's follow-up emails on or off; returns the stored preference. */
export async function setFollowUpPreference(
  owner: PreferenceOwner,
  enabled: boolean,
): Promise<FollowUpPreference> {
  // The tenant is checked on the read by _id; the write is by _id alone (a tenant filter makes FerretDB scan).
  await getFollowUpPreference(owner);
  await UserModel.updateOne({ _id: owner.userId }, { $set: { 'preferences.followUpEmail': enabled } });
  return { enabled };
}

/** Whether a learner wants follow-up emails (read by the follow-up job). Unknown user: no. */
export async function wantsFollowUpEmail(tenantId: string, userId: string): Promise<boolean> {
  const user = await findInTenant(UserModel, userId, tenantId, { preferences: 1 });
  return user ? user.preferences?.followUpEmail !== false : false;
}
