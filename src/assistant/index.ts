/** Public entry of the assistant: grounded answers (model or extractive) over the knowledge base. */
export * from './assistant.service.js';
export * from './grounding-prompt.js';
