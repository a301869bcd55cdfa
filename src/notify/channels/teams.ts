import type { NotificationContent } from '../notify.models.js';
import { postJson } from './http-post.js';
import { type MessageLinks, renderTeams } from './render.js';

/** Posts an Adaptive Card to a Teams incoming webhook or a Power Automate Workflows URL. */
export async function sendTeams(
  url: string,
  content: NotificationContent,
  links: MessageLinks,
): Promise<void> {
  await postJson('Teams', url, JSON.stringify(renderTeams(content, links)));
}
