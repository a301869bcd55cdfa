/** Public entry of the conversations module: models, status machine, service, store port and plain views. */
export * from './conversation.model.js';
export * from './conversation.presenters.js';
export * from './conversation.service.js';
export * from './conversation.types.js';
export * from './conversation.views.js';
export * from './conversation-domain.js';
export * from './conversation-store.js';
export * from './message.model.js';
export * from './message-limit.js';
export * from './status-machine.js';
export * from './thread-pointer.model.js';
