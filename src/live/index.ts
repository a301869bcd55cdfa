/** Public entry of the live module: the bus, the per-process hub, presence, who may see which event, and the frames sent. */
export * from './frames.js';
export * from './live-bus.js';
export * from './live-hub.js';
export * from './presence.js';
export * from './redis-live-bus.js';
export * from './transient-channel.js';
export * from './visibility.js';
