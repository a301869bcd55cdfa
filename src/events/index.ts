/** Public entry of the events module: the catalog, the store and the bus. */
export * from './catalog.js';
export * from './event-bus.js';
export * from './event-store.js';
export * from './ids.js';
