/** Public entry of the SLA module (business calendar and reply targets for now). */
export * from './calendar.js';
export * from './reply-policy.js';
