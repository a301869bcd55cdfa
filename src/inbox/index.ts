/**
 * Public entry of the inbox module: the list index, the inbox service, teams, presence, audit. The index
 * and the wiring are exported as the product runs them (Redis and MongoDB adapters from src/storage/inbox):
 * `new InboxIndex({ redis, prefix, teams })` is the Redis-backed index.
 */
export {
  createInbox,
  type InboxDomain,
  indexWorkerEvents,
  rebuildMissingIndexes,
} from '../storage/inbox/create-inbox.js';
export { RedisInboxIndex as InboxIndex } from '../storage/inbox/redis-inbox-index.js';
export * from './canned-render.js';
export * from './inbox.models.js';
export * from './inbox.service.js';
export * from './index-doc.js';
export type { IndexPage } from './index-queries.js';
export * from './leads.js';
export * from './presence.js';
export * from './teams.js';
