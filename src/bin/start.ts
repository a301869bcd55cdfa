import { boot } from '../app/boot.js';

// The local default: web and worker in one process, embedded FerretDB and Redis unless URLs are set.
await boot('all');
