// npm run lti -- <platforms|deployments> <command> [options]: manage the LMSs allowed to launch Chatref.
import { parseArgs } from 'node:util';
import { runCli } from '../app/cli.js';
import { AppError } from '../lib/errors.js';
import {
  listPlatforms,
  registerPlatform,
  removePlatform,
  setPlatformActive,
} from '../lti/platforms.service.js';
import { addDeployment, removeDeployment } from '../tenants/tenant.service.js';

const HELP = `Usage: npm run lti -- <group> <command> [options]

  platforms add --issuer URL --client-id ID --auth-url URL --token-url URL --jwks-url URL
                [--deployment-id ID]... [--name NAME] [--tenant-name NAME] [--inactive]
  platforms list
  platforms activate   --issuer URL --client-id ID
  platforms deactivate --issuer URL --client-id ID
  platforms remove     --issuer URL --client-id ID
  deployments add      --issuer URL --client-id ID --deployment-id ID [--tenant ID | --tenant-name NAME]
  deployments remove   --issuer URL --client-id ID --deployment-id ID

Blackboard: every institution shares one issuer and client id; give each deployment its own
--tenant-name so each institution is its own tenant.`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    issuer: { type: 'string' },
    'client-id': { type: 'string' },
    'auth-url': { type: 'string' },
    'token-url': { type: 'string' },
    'jwks-url': { type: 'string' },
    'deployment-id': { type: 'string', multiple: true },
    name: { type: 'string' },
    tenant: { type: 'string' },
    'tenant-name': { type: 'string' },
    inactive: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const [group, command] = positionals;
if (values.help || !group || !command) {
  console.log(HELP);
  process.exit(values.help ? 0 : 1);
}

function need(name: keyof typeof values): string {
  const value = values[name];
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' || !text)
    throw new AppError('bad_request', `--${name} is required for ${group} ${command}.`);
  return text;
}

await runCli(
  async () => {
    const key = () => ({ issuer: need('issuer'), clientId: need('client-id') });
    switch (`${group} ${command}`) {
      case 'platforms add': {
        const platform = await registerPlatform({
          ...key(),
          name: values.name,
          authUrl: need('auth-url'),
          tokenUrl: need('token-url'),
          jwksUrl: need('jwks-url'),
          active: !values.inactive,
        });
        console.log(
          `platform ${platform.issuer} (client id ${platform.clientId}) ${platform.active ? 'active' : 'pending'}`,
        );
        for (const deploymentId of values['deployment-id'] ?? []) {
          const { tenant } = await addDeployment(
            { ...key(), deploymentId },
            { tenantName: values['tenant-name'] },
          );
          console.log(`deployment ${deploymentId} → tenant "${tenant.name}" (${tenant._id})`);
        }
        break;
      }
      case 'platforms list': {
        const platforms = await listPlatforms();
        if (!platforms.length) console.log('no platforms registered');
        for (const platform of platforms) {
          console.log(
            `${platform.active ? 'active ' : 'pending'}  ${platform.issuer}  client id ${platform.clientId}  (${platform.name})`,
          );
          for (const deployment of platform.deployments) {
            console.log(
              `           deployment ${deployment.deploymentId} → ${deployment.tenantName} (${deployment.tenantId})`,
            );
          }
        }
        break;
      }
      case 'platforms activate':
      case 'platforms deactivate': {
        const platform = await setPlatformActive(need('issuer'), need('client-id'), command === 'activate');
        console.log(
          `platform ${platform.issuer} (client id ${platform.clientId}) ${platform.active ? 'active' : 'deactivated'}`,
        );
        break;
      }
      case 'platforms remove': {
        const removed = await removePlatform(need('issuer'), need('client-id'));
        console.log(removed ? 'platform removed (tenants and their data are kept)' : 'no such platform');
        break;
      }
      case 'deployments add': {
        const { tenant, created } = await addDeployment(
          { ...key(), deploymentId: need('deployment-id') },
          { tenantId: values.tenant, tenantName: values['tenant-name'] },
        );
        console.log(
          `deployment ${need('deployment-id')} ${created ? 'added' : 'already present'} → tenant "${tenant.name}" (${tenant._id})`,
        );
        break;
      }
      case 'deployments remove': {
        const removed = await removeDeployment({ ...key(), deploymentId: need('deployment-id') });
        console.log(removed ? 'deployment removed' : 'no such deployment');
        break;
      }
      default:
        throw new AppError(
          'bad_request',
          `Unknown command "${group} ${command}". Run npm run lti -- --help.`,
        );
    }
  },
  { ltijs: true },
);
