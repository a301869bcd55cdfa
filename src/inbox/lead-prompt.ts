import type { MessageView } from '../conversations/conversation.views.js';

/** The bot's lead-capture lines that follow a prospect's enquiry (client ids set by src/chat). */
export const isLeadPrompt = (message: MessageView) =>
  message.author === 'bot' &&
  (message.clientId.startsWith('lead:') || message.clientId.startsWith('lead-known:'));
