import { expect } from 'chai';
import type { WebProcess } from '../support/fault-stack.js';
import { api } from '../support/people.js';

/** The address the team's email channel sends hand-offs to. */
export const TEAM_ADDRESS = 'support-team@example.edu';

/** An inbox lead (the development LMS's admin) sends every new hand-off to the team's address. */
export async function emailHandoffsToTeam(web: WebProcess, admin: { token: string }): Promise<void> {
  const saved = await api(web.app, admin, '/api/settings/notifications', {
    method: 'PUT',
    body: { channels: [{ type: 'email', name: 'Team', target: TEAM_ADDRESS, kinds: ['handoff_new'] }] },
  });
  expect(saved.status, saved.text).to.equal(200);
}
