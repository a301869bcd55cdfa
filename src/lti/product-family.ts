import type { ProductFamily } from './launch.model.js';

/** The tool_platform claim's fields that tell which LMS product sent a launch (all optional in LTI 1.3). */
export interface ToolPlatformClaim {
  product_family_code?: unknown;
  name?: unknown;
  guid?: unknown;
}

/** Reads the product family from `product_family_code`, the field meant for it. */
function fromCode(code: string): ProductFamily | undefined {
  const value = code.toLowerCase();
  if (value.includes('moodle')) return 'moodle';
  if (value.includes('canvas')) return 'canvas';
  if (value.includes('blackboard') || value === 'learn') return 'blackboard';
  if (value.includes('desire2learn') || value.includes('brightspace') || value === 'd2l')
    return 'brightspace';
  if (value.includes('sakai')) return 'sakai';
  if (value.includes('openedx') || value.includes('open_edx') || value === 'edx') return 'openedx';
  return undefined;
}

/**
 * Words and host names that identify a product in a platform's `name` ("Open edX", "Moodle LMS") or
 * `guid` (often its host, "courses.edx.org", "school.instructure.com"). Matched as whole words so that an
 * institution's own name does not turn into a product by accident ("Medxford" is not edX).
 */
const NAME_PATTERNS: Array<[RegExp, ProductFamily]> = [
  [/\bopen[\s_-]?edx\b|\bedx\b/, 'openedx'],
  [/\bmoodle\b/, 'moodle'],
  [/\bcanvas\b|\binstructure\b/, 'canvas'],
  [/\bblackboard\b/, 'blackboard'],
  [/\bbrightspace\b|\bdesire2learn\b|\bd2l\b/, 'brightspace'],
  [/\bsakai\b/, 'sakai'],
];

function fromName(text: string): ProductFamily | undefined {
  const value = text.toLowerCase();
  return NAME_PATTERNS.find(([pattern]) => pattern.test(value))?.[1];
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Which LMS product sent a launch. `product_family_code` decides when it names a known product; platforms
 * that leave it out (Open edX sends only `guid` and `name`) are recognised from their name, then their guid.
 */
export function productFamily(platform: ToolPlatformClaim | undefined): ProductFamily {
  return (
    fromCode(text(platform?.product_family_code)) ??
    fromName(text(platform?.name)) ??
    fromName(text(platform?.guid)) ??
    'other'
  );
}
