/** Public entry of the live module: the per-process hub, who may see which event, and the frames sent. */
export * from './frames.js';
export * from './live-hub.js';
export * from './transient-channel.js';
export * from './visibility.js';
