/** Fixed identities of the development LMS: its registration of our tool, its course and its people. */

export const DEV_LMS_CLIENT_ID = 'chatref-dev-lms';
export const DEV_LMS_DEPLOYMENT_ID = 'dev-deployment-1';
export const DEV_LMS_NAME = 'Demo University';
export const DEV_LMS_PRODUCT = 'chatref-devlms';
export const DEV_LMS_VERSION = '1.0.0';
/** Where the router is mounted inside the app. */
export const DEV_LMS_MOUNT = '/dev/lms';

export const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
export const NRPS_CLAIM = 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice';
export const NRPS_SCOPE = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';
export const NRPS_MEDIA_TYPE = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json';
export const DL_SETTINGS_CLAIM = 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings';
export const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';
export const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
export const PLATFORM_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-platform-configuration';
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership';
export const ROLES = {
  learner: `${MEMBERSHIP}#Learner`,
  instructor: `${MEMBERSHIP}#Instructor`,
  teachingAssistant: `${MEMBERSHIP}/instructor#TeachingAssistant`,
  institutionAdmin: 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
  systemAdmin: 'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator',
} as const;

export type LaunchRole = 'learner' | 'instructor' | 'admin';
export const LAUNCH_ROLES: readonly LaunchRole[] = ['learner', 'instructor', 'admin'];
export type MessageKind = 'resource' | 'deeplink';
export type DocumentTarget = 'iframe' | 'window';

export const MESSAGE_TYPES = {
  resource: 'LtiResourceLinkRequest',
  deeplink: 'LtiDeepLinkingRequest',
} as const satisfies Record<MessageKind, string>;

export const COURSE = {
  id: 'course-101',
  label: 'OL101',
  title: 'Introduction to Online Learning',
  type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'],
} as const;

/** The resource link a plain launch comes from: the assistant placed in the course. */
export const RESOURCE_LINK = { id: 'rl-ol101-assistant', title: 'Course assistant' } as const;

export interface DemoUser {
  id: string;
  givenName: string;
  familyName: string;
  email: string;
  roles: string[];
}

/** Admins carry institution and system roles plus Instructor in the course, as Moodle sends them. */
const ADMIN_ROLES = [ROLES.institutionAdmin, ROLES.systemAdmin, ROLES.instructor];

/** The people who launch; role → user. */
export const LAUNCH_USERS: Record<LaunchRole, DemoUser> = {
  learner: {
    id: 'devlms-user-ana',
    givenName: 'Ana',
    familyName: 'Learner',
    email: 'ana@demo.example.edu',
    roles: [ROLES.learner],
  },
  instructor: {
    id: 'devlms-user-iris',
    givenName: 'Iris',
    familyName: 'Instructor',
    email: 'iris@demo.example.edu',
    roles: [ROLES.instructor],
  },
  admin: {
    id: 'devlms-user-adam',
    givenName: 'Adam',
    familyName: 'Admin',
    email: 'adam@demo.example.edu',
    roles: ADMIN_ROLES,
  },
};

/** Everyone enrolled in the course, as NRPS reports them; names include accents and quotes on purpose. */
export const COURSE_MEMBERS: DemoUser[] = [
  LAUNCH_USERS.learner,
  LAUNCH_USERS.instructor,
  LAUNCH_USERS.admin,
  {
    id: 'devlms-user-tom',
    givenName: 'Tom',
    familyName: 'Assistant',
    email: 'tom@demo.example.edu',
    roles: [ROLES.instructor, ROLES.teachingAssistant],
  },
  {
    id: 'devlms-user-ben',
    givenName: 'Ben',
    familyName: 'Student',
    email: 'ben@demo.example.edu',
    roles: [ROLES.learner],
  },
  {
    id: 'devlms-user-chloe',
    givenName: 'Chloé',
    familyName: 'Martin',
    email: 'chloe@demo.example.edu',
    roles: [ROLES.learner],
  },
  {
    id: 'devlms-user-dara',
    givenName: 'Dara',
    familyName: "O'Neil",
    email: 'dara@demo.example.edu',
    roles: [ROLES.learner],
  },
];

export function fullName(user: DemoUser): string {
  return `${user.givenName} ${user.familyName}`;
}

export function findUser(id: string): DemoUser | undefined {
  return COURSE_MEMBERS.find((user) => user.id === id);
}

/** Every URL of the platform, derived from the app's public URL. */
export function platformUrls(publicUrl: string) {
  const base = `${publicUrl.replace(/\/+$/, '')}${DEV_LMS_MOUNT}`;
  return {
    base,
    /** Path part of base, for links inside our own pages. */
    path: new URL(base).pathname,
    issuer: base,
    authUrl: `${base}/authorize`,
    tokenUrl: `${base}/token`,
    jwksUrl: `${base}/jwks`,
    openidConfiguration: `${base}/.well-known/openid-configuration`,
    registrationUrl: `${base}/registrations`,
    deepLinkReturnUrl: `${base}/deep-linking/return`,
    returnUrl: `${base}/return`,
    membershipsUrl: (contextId: string) => `${base}/nrps/${encodeURIComponent(contextId)}/memberships`,
    avatarUrl: (userId: string) => `${base}/avatars/${encodeURIComponent(userId)}.svg`,
  };
}

export type PlatformUrls = ReturnType<typeof platformUrls>;
