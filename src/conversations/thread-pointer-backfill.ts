/** The maintenance job's entry to the thread-pointer backfill (the adapter lives in src/storage). */
export { backfillThreadPointers } from '../storage/conversations/thread-pointer-backfill.js';
