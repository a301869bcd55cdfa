// Settings → Hours and SLAs: the tenant's business calendar, closures (typed or imported from .ics),
// academic periods, SLA policies and rules, warnings, pauses, escalation and the digest rhythm.
// The page edits one copy of the settings and saves it whole (with the version it read, so a change made
// meanwhile by someone else is refused rather than overwritten). Each part is a module under
// ./settings-hours/; this one starts them. Server text is written with textContent.
import { wireClosures } from './settings-hours/closures.js';
import { load, wireSave } from './settings-hours/form.js';
import { $, el, root } from './settings-hours/page.js';
import { wirePeriods } from './settings-hours/periods.js';
import { wirePolicies } from './settings-hours/policies.js';
import { wireRules } from './settings-hours/rules.js';

if (root) {
  wireClosures();
  wirePeriods();
  wirePolicies();
  wireRules();
  wireSave();
  // Time zones the browser knows, for the picker (typing any IANA name works too).
  try {
    $('time-zones').append(
      ...Intl.supportedValuesOf('timeZone').map((zone) => el('option', { value: zone })),
    );
  } catch {
    // Older browsers: the field stays a plain text input.
  }
  void load();
}
