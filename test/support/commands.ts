import mongoose from 'mongoose';

/** One database command as the driver sent it: its name, collection and filter. */
export interface CommandSeen {
  name: string;
  collection?: string;
  filter?: Record<string, unknown>;
  upsert?: boolean;
}

/** Commands that are no query of ours (connection upkeep, sessions). */
const UPKEEP = new Set(['ping', 'hello', 'isMaster', 'ismaster', 'endSessions', 'buildInfo', 'getMore']);

function describe(commandName: string, body: Record<string, unknown>): CommandSeen[] {
  const collection = typeof body[commandName] === 'string' ? (body[commandName] as string) : undefined;
  const many = (key: string) => (body[key] as Array<Record<string, unknown>> | undefined) ?? [];
  if (commandName === 'update')
    return many('updates').map((u) => ({
      name: commandName,
      collection,
      filter: u.q as Record<string, unknown>,
      upsert: Boolean(u.upsert),
    }));
  if (commandName === 'delete')
    return many('deletes').map((d) => ({
      name: commandName,
      collection,
      filter: d.q as Record<string, unknown>,
    }));
  if (commandName === 'findAndModify')
    return [{ name: commandName, collection, filter: body.query as Record<string, unknown> }];
  if (commandName === 'insert') return [{ name: commandName, collection }];
  return [{ name: commandName, collection, filter: (body.filter ?? body.query) as Record<string, unknown> }];
}

/**
 * Every command the shared mongoose client sends while `work` runs, as command monitoring reports it.
 * The client must have been connected with `monitorCommands` (e.g. `?monitorCommands=true` in the URL).
 */
export async function commandsDuring(work: () => Promise<unknown>): Promise<CommandSeen[]> {
  const client = mongoose.connection.getClient();
  if (!client.options.monitorCommands)
    throw new Error('connect with ?monitorCommands=true to watch commands');
  const seen: CommandSeen[] = [];
  const listener = (event: mongoose.mongo.CommandStartedEvent) => {
    if (!UPKEEP.has(event.commandName)) seen.push(...describe(event.commandName, event.command));
  };
  client.on('commandStarted', listener);
  try {
    await work();
  } finally {
    client.off('commandStarted', listener);
  }
  return seen;
}

/** An `_id` that names one document: an ObjectId or a plain value, never an operator. */
const isExactId = (value: unknown) =>
  value instanceof mongoose.mongo.ObjectId || ['string', 'number'].includes(typeof value);

/**
 * A tenant's configuration (handoff settings and rules, teams, the knowledge version): a handful of
 * records per tenant, read by tenant and cached for a few seconds per process. Their size follows what
 * admins configure, never the number of people or threads.
 */
export const TENANT_SETTINGS = new Set([
  'handoff_settings',
  'handoff_rules',
  'inbox_teams',
  'knowledge_state',
]);

/**
 * The deployment a launch comes from, read by its key (`src/tenants/tenant.service.ts`) and cached for
 * 30 s per process: whether a launch meets this read depends on when the process last met the deployment,
 * and the collection holds one record per LMS deployment registered, never one per person.
 */
const isDeploymentLookup = (command: CommandSeen, keys: string[]) =>
  command.name === 'find' &&
  command.collection === 'lti_deployments' &&
  keys.sort().join() === 'clientId,deploymentId,issuer';

/**
 * True for a command whose cost grows with the records stored: anything but an insert, a read, update
 * or upsert whose filter is exactly `{ _id: <value> }` (what FerretDB answers from an index), a read
 * of the tenant's configuration by `{ tenantId }`, or the launch's deployment lookup.
 */
export function scalesWithPeople(command: CommandSeen): boolean {
  if (command.name === 'insert') return false;
  const keys = Object.keys(command.filter ?? {});
  if (isDeploymentLookup(command, keys)) return false;
  if (keys.length !== 1) return true;
  if (keys[0] === '_id') return !isExactId(command.filter?._id);
  return !(
    keys[0] === 'tenantId' &&
    command.name === 'find' &&
    TENANT_SETTINGS.has(command.collection ?? '')
  );
}
