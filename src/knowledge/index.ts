/** Public entry of the knowledge module: chunking, indexes, fusion, confidence and the engine facade. */
export * from './answer-strings.catalog.js';
export * from './bm25.index.js';
export * from './chunking.service.js';
export * from './confidence.service.js';
export * from './evaluation.js';
export * from './extractive-answer.service.js';
export * from './fusion.service.js';
export * from './html-text.converter.js';
export * from './knowledge.types.js';
export * from './knowledge-engine.service.js';
export * from './text-analysis.service.js';
export * from './vector.index.js';
