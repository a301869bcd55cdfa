// @ts-check
// How the inbox words SLA state and times: "32 min left", "overdue 5 min", "At risk", and reply-by times
// in the tenant's zone with the zone named ("reply by Mon 09:00, New York time"). Pure functions on
// `window.chatrefSla`, so test/unit/inbox/sla-display.test.ts runs this very file.

(() => {
  const MINUTE = 60_000;

  /** @type {Record<string, string>} */
  const STATE_LABEL = {
    on_track: 'On track',
    at_risk: 'At risk',
    breached: 'Breached',
    paused: 'Paused',
    met: 'Met',
    stopped: 'Stopped',
  };

  /** "45 min", "1 h", "2 h 5 min", "3 d 4 h": whole minutes, the two largest units. */
  function span(minutes) {
    if (minutes < 60) return `${minutes} min`;
    if (minutes < 48 * 60) {
      const hours = Math.floor(minutes / 60);
      const rest = minutes % 60;
      return rest ? `${hours} h ${rest} min` : `${hours} h`;
    }
    const days = Math.floor(minutes / (24 * 60));
    const hours = Math.floor((minutes % (24 * 60)) / 60);
    return hours ? `${days} d ${hours} h` : `${days} d`;
  }

  /**
   * Time left until `dueIso` at `nowMs`: "32 min left" (a started minute counts as left), "due now" in
   * its last instant, "overdue 5 min" after (a started minute counts as overdue). Empty without a time.
   * @param {string | undefined} dueIso
   * @param {number} nowMs
   */
  function timeLeft(dueIso, nowMs) {
    const due = dueIso ? Date.parse(dueIso) : Number.NaN;
    if (!Number.isFinite(due)) return '';
    const ms = due - nowMs;
    if (ms > 0) return `${span(Math.ceil(ms / MINUTE))} left`;
    if (ms === 0) return 'due now';
    return `overdue ${span(Math.ceil(-ms / MINUTE))}`;
  }

  /**
   * The state a row shows: the server's, except that a running clock whose due time has passed reads as
   * breached at once (the breach event follows within seconds).
   * @param {{ state: string, dueAt?: string } | undefined} sla
   * @param {number} nowMs
   */
  function shownState(sla, nowMs) {
    if (!sla) return '';
    const running = sla.state === 'on_track' || sla.state === 'at_risk';
    if (running && sla.dueAt && Date.parse(sla.dueAt) <= nowMs) return 'breached';
    return sla.state;
  }

  /**
   * What a row says of its SLA, in words (colour is never the only signal): "At risk · 32 min left".
   * Paused, met and stopped clocks say so without a countdown.
   * @param {{ state: string, dueAt?: string } | undefined} sla
   * @param {number} nowMs
   */
  function describe(sla, nowMs) {
    const state = shownState(sla, nowMs);
    if (!sla || !state) return { state: '', label: '', left: '' };
    const counting = state === 'on_track' || state === 'at_risk' || state === 'breached';
    return {
      state,
      label: STATE_LABEL[state] || state,
      left: counting ? timeLeft(sla.dueAt, nowMs) : '',
    };
  }

  /** @type {Map<string, Intl.DateTimeFormat>} */
  const formats = new Map();
  /**
   * @param {string} timeZone
   * @param {Intl.DateTimeFormatOptions} options
   */
  function format(timeZone, options) {
    const key = `${timeZone}|${JSON.stringify(options)}`;
    let found = formats.get(key);
    if (!found) {
      try {
        found = new Intl.DateTimeFormat('en-GB', { ...options, timeZone });
      } catch {
        found = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' });
      }
      formats.set(key, found);
    }
    return found;
  }

  /**
   * An instant in a zone, short: "14:00" on the zone's today, "Mon 14:00" within six days, "24 Nov 14:00"
   * otherwise; then the zone's name: "Mon 14:00, New York time".
   * @param {string} iso
   * @param {{ timeZone: string, name: string }} zone
   * @param {number} nowMs
   */
  function zonedTime(iso, zone, nowMs) {
    const at = Date.parse(iso);
    if (!Number.isFinite(at)) return '';
    const time = format(zone.timeZone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
    const day = format(zone.timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' });
    let when = time;
    if (day.format(at) !== day.format(nowMs)) {
      when =
        Math.abs(at - nowMs) < 6 * 86_400_000
          ? `${format(zone.timeZone, { weekday: 'short' }).format(at)} ${time}`
          : `${format(zone.timeZone, { day: 'numeric', month: 'short' }).format(at)} ${time}`;
    }
    return `${when}, ${zone.name}`;
  }

  window.chatrefSla = { timeLeft, shownState, describe, zonedTime, STATE_LABEL };
})();
