/** Text for HTML (email bodies): the five characters that can change markup. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Text for Slack mrkdwn: Slack's rule is to escape `&`, `<` and `>` (so a learner's `<!channel>` or
 * `<https://evil|bank>` stays text); markdown emphasis from learner text is left as typed.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Text for a Teams Adaptive Card TextBlock (a markdown subset): backslash-escapes the characters that
 * start emphasis, links, code or headings, and `<`/`>` so no HTML-like text is interpreted.
 */
export function escapeTeams(text: string): string {
  return text.replace(/[\\`*_[\]()#~>|<]/g, (char) => `\\${char}`);
}
