import { findInTenant } from '../db/by-id.js';
import { AppError } from '../lib/errors.js';
import { LaunchModel } from '../lti/launch.model.js';
import type { Session } from '../lti/session.js';
import { UserModel } from '../users/user.model.js';
import type { InboxSettingsStore } from './inbox-settings.js';
import { isLead } from './leads.js';

/** Who is working the inbox, from the session (plus name and lead permission, looked up and cached). */
export interface StaffContext {
  tenantId: string;
  userId: string;
  role: 'admin' | 'instructor';
  /** Instructors see only this course's threads. */
  courseId?: string;
  launchId: string;
  name?: string;
  isLead: boolean;
}

export interface PersonNames {
  name?: string;
  givenName?: string;
}

const CACHE_MS = 30_000;
const CACHE_MAX = 10_000;

/** A small per-process cache of promises (the oldest entry goes first when it is full). */
class Recent<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  get(key: string, load: () => Promise<T>): Promise<T> {
    const cached = this.entries.get(key);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.value;
    const value = load();
    this.entries.set(key, { at: Date.now(), value });
    if (this.entries.size > CACHE_MAX) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }

  delete(key: string) {
    this.entries.delete(key);
  }

  clear() {
    this.entries.clear();
  }
}

/**
 * Turns a session into a {@link StaffContext}: the person's name and whether they are an inbox lead, each
 * looked up once per 30 s per process (every inbox request needs them).
 */
export class StaffContexts {
  private readonly people = new Recent<PersonNames | null>();
  private readonly leads = new Recent<boolean>();

  constructor(private readonly settings: Pick<InboxSettingsStore, 'read'>) {}

  /** The staff context of a session; learners are refused. */
  async context(session: Session): Promise<StaffContext> {
    if (session.role !== 'admin' && session.role !== 'instructor')
      throw new AppError('forbidden', 'The inbox is for LMS administrators and instructors.');
    const [person, lead] = await Promise.all([
      this.person(session.tenantId, session.userId),
      this.leadOf(session),
    ]);
    return {
      tenantId: session.tenantId,
      userId: session.userId,
      role: session.role,
      courseId: session.courseId,
      launchId: session.launchId,
      name: person?.name,
      isLead: lead,
    };
  }

  /** A user's display and given name (null when not a user of the tenant). */
  person(tenantId: string, userId: string): Promise<PersonNames | null> {
    return this.people.get(userId, () =>
      findInTenant(UserModel, userId, tenantId, { name: 1, givenName: 1, email: 1 }).then((user) =>
        user ? { name: user.name ?? user.email, givenName: user.givenName } : null,
      ),
    );
  }

  /** Drops the cached lead decisions (the tenant's lead settings changed). */
  forgetLeads(): void {
    this.leads.clear();
  }

  private leadOf(session: Session): Promise<boolean> {
    if (session.role !== 'admin') return Promise.resolve(false);
    const value = this.leads.get(session.launchId, async () => {
      const [launch, settings] = await Promise.all([
        findInTenant(LaunchModel, session.launchId, session.tenantId, { ltiRoles: 1 }),
        this.settings.read(session.tenantId),
      ]);
      return isLead({
        role: session.role,
        userId: session.userId,
        ltiRoles: launch?.ltiRoles ?? [],
        settings,
      });
    });
    value.catch(() => this.leads.delete(session.launchId));
    return value;
  }
}
