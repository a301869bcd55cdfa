/**
 * Whether any admin is watching a tenant's inbox right now (async capture when nobody is). The product
 * passes the process's one `Presence` (`live/presence.ts`, which the inbox records admins in); handoff
 * code only asks.
 */
export interface StaffPresence {
  anyStaffOnline(tenantId: string, withinSeconds: number): Promise<boolean>;
}

/** Presence that always answers the same (tests, single-process tools). */
export const fixedPresence = (online: boolean): StaffPresence => ({ anyStaffOnline: async () => online });
