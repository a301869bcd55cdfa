// The Knowledge page's elements, its limits (rendered by the server), the sources shown and the live region.
import { announcer } from '../common/admin-ui.js';

export const root = document.getElementById('knowledge');
export const $ = (id) => document.getElementById(id);

export const limits = {
  maxBytes: Number(root?.dataset.maxFileBytes) || Number.POSITIVE_INFINITY,
  maxSize: root?.dataset.maxFileSize || '',
  maxFiles: Number(root?.dataset.maxFiles) || 20,
};

export const ui = {
  tbody: $('sources-body'),
  empty: $('sources-empty'),
  listError: $('sources-error'),
  meaningSummary: $('meaning-summary'),
  uploadForm: $('upload-form'),
  fileInput: $('upload-files'),
  uploadButton: $('upload-button'),
  uploadErrors: $('upload-errors'),
  uploadScope: $('upload-scope'),
  qaForm: $('qa-form'),
  qaQuestion: $('qa-question'),
  qaAnswer: $('qa-answer'),
  qaButton: $('qa-button'),
  qaError: $('qa-error'),
  qaScope: $('qa-scope'),
};

/** id -> { source, row, cells } */
export const rows = new Map();

export const STATUS = {
  queued: 'Waiting to start',
  processing: 'Processing',
  ready: 'Ready',
  failed: 'Failed',
};
export const isBusy = (source) => source.status === 'queued' || source.status === 'processing';
export const nameOf = (source) => source.fileName || source.title;

export const announce = root ? announcer($('announcer')) : () => {};
