/**
 * Public entry of the inbox module: the inbox service, teams, presence, the index's documents. The
 * product's wiring (Redis and MongoDB adapters) is in src/storage/inbox/create-inbox.ts.
 */
export * from './canned-render.js';
export * from './inbox.models.js';
export * from './inbox.service.js';
export * from './inbox-domain.js';
export * from './index-doc.js';
export type { IndexPage } from './index-queries.js';
export * from './leads.js';
export * from './presence.js';
export * from './teams.js';
