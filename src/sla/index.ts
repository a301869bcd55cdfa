/** Public entry of the SLA module: business calendars, tenants' SLA settings and policies, reply-by times. */
export * from './calendar.js';
export * from './reply-policy.js';
export * from './sla-plan.js';
export * from './tenant-sla.js';
