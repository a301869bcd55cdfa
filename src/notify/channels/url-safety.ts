import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { AppError } from '../../lib/errors.js';

/** Address ranges a notification must never be sent to in production (our own network, the cloud metadata). */
const FORBIDDEN_RANGES = new Set([
  'unspecified',
  'broadcast',
  'multicast',
  'linkLocal',
  'loopback',
  'private',
  'uniqueLocal',
  'carrierGradeNat',
  'reserved',
  'ipv4Mapped',
  'rfc6145',
  'rfc6052',
  '6to4',
  'teredo',
  'benchmarking',
  'amt',
  'as112',
  'as112v6',
  'deprecated',
  'orchid2',
  'droneRemoteIdProtocolEntityTags',
]);

/** Whether an IP literal is in a loopback, private, link-local or otherwise non-public range. */
export function isForbiddenAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return FORBIDDEN_RANGES.has(parsed.range());
}

/** Resolves a host name to every address it has (A and AAAA). */
export type HostResolver = (host: string) => Promise<string[]>;

export const resolveHost: HostResolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Checks a channel URL: it must be http(s) with a host; in production its host must resolve, and only to
 * public addresses (no loopback, private, link-local…), so notifications cannot be aimed at our own
 * network. The error names the field. Returns the URL as normalised by `new URL`.
 */
export async function checkChannelUrl(
  value: string,
  field: string,
  options: { production: boolean; resolve?: HostResolver },
): Promise<string> {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new AppError(
      'bad_request',
      `${field}: "${value.slice(0, 100)}" is not a URL; use an https:// address.`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new AppError(
      'bad_request',
      `${field}: only http:// and https:// URLs are accepted (got ${url.protocol}).`,
    );
  if (!url.hostname) throw new AppError('bad_request', `${field}: the URL has no host.`);
  if (url.username || url.password)
    throw new AppError('bad_request', `${field}: the URL must not carry a user name or password.`);
  if (options.production) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    if (ipaddr.isValid(host)) addresses = [host];
    else {
      try {
        addresses = await (options.resolve ?? resolveHost)(host);
      } catch {
        throw new AppError('bad_request', `${field}: the host ${host} could not be resolved.`);
      }
    }
    if (addresses.length === 0)
      throw new AppError('bad_request', `${field}: the host ${host} has no address.`);
    const bad = addresses.find(isForbiddenAddress);
    if (bad)
      throw new AppError(
        'bad_request',
        `${field}: ${host} points at a loopback, private or link-local address (${bad}); notifications go to public addresses only.`,
      );
  }
  return url.toString();
}
