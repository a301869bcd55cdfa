/** Public entry of the handoff module: triggers, rules, settings, priority, decision, card and messages. */
export * from './decide.js';
export * from './handoff.types.js';
export * from './handoff-card.js';
export * from './handoff-config.schema.js';
export * from './handoff-config.service.js';
export * from './handoff-messages.catalog.js';
export * from './handoff-settings.model.js';
export * from './human-request.js';
export * from './keyword-rule.model.js';
export * from './keyword-rules.js';
export * from './low-confidence.js';
export * from './normalize.js';
export * from './priority.js';
export * from './staff-presence.js';
