import { randomUUID } from 'node:crypto';
import { DEV_LMS_CLIENT_ID, LTI, platformUrls } from '../../src/devlms/constants.js';
import type { LaunchRole } from '../../src/devlms/index.js';
import { addDeployment } from '../../src/tenants/tenant.service.js';
import type { TestApp } from './app.js';
import { launchSession, type Person } from './people.js';

/** An institution of its own: a new deployment of the development LMS becomes a new tenant on first launch. */
export interface Institution {
  deploymentId: string;
  tenantName: string;
}

export async function newInstitution(app: TestApp, label: string): Promise<Institution> {
  const deploymentId = `dep-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${randomUUID().slice(0, 8)}`;
  const tenantName = `${label} ${deploymentId.slice(-8)}`;
  await addDeployment(
    { issuer: platformUrls(app.url).issuer, clientId: DEV_LMS_CLIENT_ID, deploymentId },
    { tenantName },
  );
  return { deploymentId, tenantName };
}

/**
 * A real launch through the development LMS into `institution` as a person of our choosing: their name,
 * the course (its LTI context id and title), LTI roles. Names and titles are sent as given, so a test can
 * put any text (an XSS payload) into the launch's `name` and `context.title` claims.
 */
export async function launchInto(
  app: TestApp,
  institution: Institution | null,
  options: {
    role: LaunchRole;
    name: string;
    course?: { id: string; title: string };
    roles?: string[];
    email?: string;
  },
): Promise<Person> {
  const email = options.email ?? `p-${randomUUID().slice(0, 8)}@example.edu`;
  const session = await launchSession(app, options.role, (claims) => {
    claims.sub = `person-${randomUUID()}`;
    claims.name = options.name;
    claims.given_name = options.name.split(' ')[0];
    claims.family_name = options.name.split(' ').slice(1).join(' ');
    claims.email = email;
    if (options.roles) claims[`${LTI}roles`] = options.roles;
    if (options.course)
      claims[`${LTI}context`] = {
        id: options.course.id,
        label: options.course.id,
        title: options.course.title,
        type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'],
      };
    if (institution) claims[`${LTI}deployment_id`] = institution.deploymentId;
  });
  return { ...session, name: options.name, email };
}
