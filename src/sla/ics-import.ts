import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ICAL from 'ical.js';
import ipaddr from 'ipaddr.js';
import { DateTime } from 'luxon';
import { AppError } from '../lib/errors.js';

/** A closure read from a calendar: an all-day event (or one occurrence of a yearly one), dates inclusive. */
export interface IcsClosure {
  name: string;
  start: string;
  end: string;
}

export interface IcsImportResult {
  closures: IcsClosure[];
  /** Events left out: timed (not all-day) ones, and those that ended before today. */
  skipped: number;
}

/** How far ahead recurring events (yearly holidays) are expanded. */
const HORIZON_YEARS = 2;
const MAX_CLOSURES = 1000;

const bad = (field: string, message: string) =>
  new AppError('bad_request', `${field}: ${message}`, { field });

/** An ICAL date as `yyyy-MM-dd`, or undefined when it is not a real date ("2026XX25" parses as NaN). */
function isoOf(time: ICAL.Time | null | undefined): string | undefined {
  if (!time) return undefined;
  const date = DateTime.fromObject({ year: time.year, month: time.month, day: time.day });
  return date.isValid ? (date.toISODate() ?? undefined) : undefined;
}

/** Inclusive closure dates of an all-day span whose DTEND is exclusive (a one-day event ends the next day). */
function closureDates(start: string, endExclusive: string | undefined): { start: string; end: string } {
  if (!endExclusive || endExclusive <= start) return { start, end: start };
  return { start, end: DateTime.fromISO(endExclusive).minus({ days: 1 }).toISODate() ?? start };
}

/**
 * The closures of an iCalendar text: all-day VEVENTs (single or several days) named by their SUMMARY;
 * recurring ones (yearly holidays) expanded from today to two years ahead; events that ended before today
 * and timed events are skipped. A malformed file is a 400 naming `field`.
 */
export function closuresFromIcs(text: string, options: { field?: string; now?: Date } = {}): IcsImportResult {
  const field = options.field ?? 'file';
  if (!text.trim()) throw bad(field, 'the calendar is empty');
  let root: ICAL.Component;
  try {
    root = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch (error) {
    throw bad(field, `not a valid iCalendar (.ics) file: ${(error as Error).message}`);
  }
  if (root.name !== 'vcalendar')
    throw bad(field, 'not an iCalendar file (it must start with BEGIN:VCALENDAR)');
  const today = DateTime.fromJSDate(options.now ?? new Date(), { zone: 'UTC' }).toISODate() ?? '';
  const horizon = DateTime.fromISO(today).plus({ years: HORIZON_YEARS }).toISODate() ?? '';
  const closures: IcsClosure[] = [];
  let skipped = 0;
  const events = root.getAllSubcomponents('vevent');
  events.forEach((component, index) => {
    // Modified occurrences (RECURRENCE-ID) are read with their series below.
    if (component.hasProperty('recurrence-id')) return;
    const summary = component.getFirstPropertyValue('summary');
    const name = (typeof summary === 'string' ? summary : '').trim().slice(0, 120) || 'Closed';
    let event: ICAL.Event | undefined;
    let start: string | undefined;
    let endExclusive: string | undefined;
    try {
      event = new ICAL.Event(component);
      start = event.startDate ? isoOf(event.startDate) : undefined;
    } catch {
      start = undefined;
    }
    if (!start || !event) throw bad(field, `event ${index + 1} ("${name}") has no valid DTSTART`);
    try {
      endExclusive = isoOf(event.endDate);
    } catch {
      throw bad(field, `event ${index + 1} ("${name}") has no valid DTEND`);
    }
    if (!event.startDate.isDate) {
      skipped++;
      return;
    }
    const lengthDays = Math.max(
      1,
      Math.round(
        DateTime.fromISO(closureDates(start, endExclusive).end).diff(DateTime.fromISO(start), 'days').days,
      ) + 1,
    );
    if (!event.isRecurring()) {
      const dates = closureDates(start, endExclusive);
      if (dates.end < today) skipped++;
      else closures.push({ name, ...dates });
      return;
    }
    const iterator = event.iterator();
    for (let guard = 0; guard < 5000; guard++) {
      const next = iterator.next();
      const occurrence = isoOf(next);
      if (!occurrence || occurrence > horizon) break;
      const end =
        DateTime.fromISO(occurrence)
          .plus({ days: lengthDays - 1 })
          .toISODate() ?? occurrence;
      if (end >= today) closures.push({ name, start: occurrence, end });
    }
  });
  if (closures.length > MAX_CLOSURES) throw bad(field, `the calendar has more than ${MAX_CLOSURES} closures`);
  closures.sort((a, b) => a.start.localeCompare(b.start) || a.name.localeCompare(b.name));
  return { closures, skipped };
}

export interface IcsFetchOptions {
  /** Allow loopback and private addresses (development and tests serve calendars locally). */
  allowPrivate: boolean;
  timeoutMs?: number;
  maxBytes?: number;
  /** Redirects followed (each one checked like the first URL). */
  maxRedirects?: number;
}

/** Whether an address is one a server may fetch from on a tenant's behalf (public unicast only). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

/**
 * A DNS lookup that refuses private addresses at connection time, so a name that resolves (or re-resolves)
 * to 127.0.0.1 or 10.x cannot slip past a check made earlier.
 */
export function publicOnlyLookup(): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = (Array.isArray(addresses) ? addresses : []) as LookupAddress[];
      const refused = list.find((a) => !isPublicAddress(a.address));
      if (refused || list.length === 0) {
        const err = Object.assign(new Error('private address'), { code: 'EPRIVATE' });
        return callback(err, '', 0);
      }
      if ((options as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

/** Checks a calendar URL's form: http(s) (webcal:// read as https://), no credentials, and in production a public host. */
export function checkIcsUrl(raw: string, allowPrivate: boolean, field = 'url'): URL {
  let url: URL;
  try {
    url = new URL(raw.trim().replace(/^webcals?:\/\//i, 'https://'));
  } catch {
    throw bad(field, 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw bad(field, 'must be an http:// or https:// URL');
  if (url.username || url.password) throw bad(field, 'must not carry a user name or password');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate) {
    if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local'))
      throw bad(field, 'must not point at this server or a private network');
    if (ipaddr.isValid(host) && !isPublicAddress(host))
      throw bad(field, 'must not point at a loopback or private address');
  }
  return url;
}

/** Fetches a calendar's text with a timeout and a size limit; every failure is a 400 naming `url`. */
export async function fetchIcs(raw: string, options: IcsFetchOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? 2_000_000;
  let url = checkIcsUrl(raw, options.allowPrivate);
  for (let hop = 0; hop <= (options.maxRedirects ?? 3); hop++) {
    const answer = await get(url, { ...options, timeoutMs, maxBytes });
    if ('redirect' in answer) {
      url = checkIcsUrl(new URL(answer.redirect, url).toString(), options.allowPrivate);
      continue;
    }
    return answer.text;
  }
  throw bad('url', 'redirects too many times');
}

function get(
  url: URL,
  options: IcsFetchOptions & { timeoutMs: number; maxBytes: number },
): Promise<{ text: string } | { redirect: string }> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.get(
      url,
      {
        headers: {
          accept: 'text/calendar, text/plain;q=0.9, */*;q=0.1',
          'user-agent': 'Chatref-LTI calendar import',
        },
        ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup() }),
        timeout: options.timeoutMs,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400 && response.headers.location) {
          response.resume();
          resolve({ redirect: response.headers.location });
          return;
        }
        if (status < 200 || status >= 300) {
          response.resume();
          reject(bad('url', `the calendar server answered ${status}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            request.destroy();
            reject(bad('url', `the calendar is larger than ${Math.round(options.maxBytes / 1_000_000)} MB`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', (error) => reject(bad('url', `the download failed (${error.message})`)));
      },
    );
    // A whole-request deadline as well: `timeout` alone only bounds idle time between packets.
    const deadline = setTimeout(() => {
      request.destroy();
      reject(
        bad('url', `the calendar server did not answer within ${Math.round(options.timeoutMs / 1000)} s`),
      );
    }, options.timeoutMs);
    request.on('close', () => clearTimeout(deadline));
    request.on('timeout', () => {
      request.destroy();
      reject(
        bad('url', `the calendar server did not answer within ${Math.round(options.timeoutMs / 1000)} s`),
      );
    });
    request.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'EPRIVATE') reject(bad('url', 'must not point at a loopback or private address'));
      else reject(bad('url', `the calendar could not be fetched (${error.code ?? error.message})`));
    });
  });
}
