/** The per-thread Redis lock, for the SLA clock store that shares it (the adapter lives in src/storage). */
export { ConversationLocks } from '../storage/conversations/thread-lock.js';
