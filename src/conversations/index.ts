/** Public entry of the conversations module: models, status machine, service and plain views. */
export * from './conversation.model.js';
export * from './conversation.presenters.js';
export * from './conversation.service.js';
export * from './conversation.types.js';
export * from './conversation.views.js';
export * from './conversation-domain.js';
export * from './conversation-lock.js';
export * from './feedback.service.js';
export * from './message.model.js';
export * from './rate-limit.js';
export * from './status-machine.js';
export * from './thread-pointer.model.js';
