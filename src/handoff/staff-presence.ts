/**
 * Whether any admin is watching a tenant's inbox right now (async capture when nobody is). The inbox's
 * live channel reports presence (`live/presence.ts`, one Redis layout for the inbox and the handoff
 * decision); handoff code only asks.
 */
export interface StaffPresence {
  anyStaffOnline(tenantId: string, withinSeconds: number): Promise<boolean>;
}

/** Presence that always answers the same (tests, single-process tools). */
export const fixedPresence = (online: boolean): StaffPresence => ({ anyStaffOnline: async () => online });

export { RedisStaffPresence } from '../live/presence-aliases.js';
