/** Public entry of the live module: the per-process hub and who may see which event. */
export * from './live-hub.js';
export * from './transient-channel.js';
export * from './visibility.js';
