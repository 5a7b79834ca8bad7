/**
 * Where a customer's webhook may go (SSRF rules). A callback URL must be https, carry no
 * credentials, and its host must be, or resolve only to, public unicast addresses: never
 * loopback, private (RFC 1918), link-local (169.254/16, fe80::/10, which hold the cloud metadata
 * endpoints 169.254.169.254 and fd00:ec2::254's neighbours), unique-local (fc00::/7), CGNAT
 * (100.64/10), unspecified, multicast, broadcast, reserved or documentation ranges, nor IPv6
 * forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo), which could reach
 * any of those.
 *
 * The check runs twice: when the order is placed (`checkCallbackUrl`, a 422 naming `callbackUrl`)
 * and on every connection (http-sender.ts), because DNS can answer differently the second time
 * (DNS rebinding). `allowLocalCallbacks` (the local stack's `--allow-local-callbacks`) lets
 * http and loopback through, nothing else.
 */
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

export interface CallbackPolicy {
  /** Allow `http:` and loopback addresses (127/8, ::1), for a receiver on this machine. @default false */
  allowLocalCallbacks?: boolean;
}

/** All addresses a name resolves to (`dns.lookup` with `all: true` by default). */
export type HostResolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: HostResolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

export type AddressVerdict =
  | { allowed: true; range: string }
  | {
      allowed: false;
      range: string;
      /** What kind of address it is: "a private address". */
      what: string;
      /** The whole sentence: "10.0.0.1 is a private address". */
      reason: string;
    };

const rangeNames: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a unique-local (private IPv6) address',
  carrierGradeNat: 'a carrier-grade NAT address',
  unspecified: 'the unspecified address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
  metadata: 'a cloud metadata address',
  ipv4Embedded: 'an IPv6 address that embeds an IPv4 address',
  invalid: 'not an IP address',
};

/** Cloud instance metadata endpoints (AWS, GCP, Azure on 169.254.169.254; AWS IPv6; Alibaba). */
const METADATA = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200'];

/** IPv6 ranges whose addresses carry an IPv4 address inside. */
const IPV4_EMBEDDING = new Set(['ipv4Mapped', 'rfc6145', 'rfc6052', '6to4', 'teredo']);

function describe(range: string): string {
  return rangeNames[range] ?? `an address of the special range "${range}"`;
}

/** Is this literal address a place a webhook may go? */
export function classifyAddress(address: string, policy: CallbackPolicy = {}): AddressVerdict {
  const literal = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(literal);
  } catch {
    return { allowed: false, range: 'invalid', what: describe('invalid'), reason: `${address} is ${describe('invalid')}` };
  }
  let range: string;
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) {
      // ::ffff:a.b.c.d is a.b.c.d on a dual-stack socket: judge the IPv4 address.
      const ipv4 = v6.toIPv4Address().toString();
      const inner = classifyAddress(ipv4, policy);
      return inner.allowed ? inner : { ...inner, reason: `${address} maps to ${ipv4}, ${inner.what}` };
    }
    range = v6.range();
    // ::a.b.c.d (IPv4-compatible, deprecated) is "unicast" to ipaddr.js; it is no place for a webhook.
    if (range === 'unicast' && v6.parts.slice(0, 6).every((part) => part === 0)) range = 'ipv4Embedded';
    if (IPV4_EMBEDDING.has(range)) range = 'ipv4Embedded';
  } else {
    range = (parsed as ipaddr.IPv4).range();
  }
  if (METADATA.some((m) => ipaddr.parse(m).kind() === parsed.kind() && ipaddr.parse(m).toString() === parsed.toString())) range = 'metadata';
  if (range === 'unicast') return { allowed: true, range };
  if (range === 'loopback' && policy.allowLocalCallbacks) return { allowed: true, range };
  return { allowed: false, range, what: describe(range), reason: `${address} is ${describe(range)}` };
}

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

/** The checks that need no DNS: scheme, credentials, and the host when it is an IP literal. */
export function checkUrlShape(text: string, policy: CallbackPolicy = {}): UrlVerdict {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'must be an absolute URL' };
  }
  if (url.protocol !== 'https:' && !(policy.allowLocalCallbacks && url.protocol === 'http:')) {
    return { ok: false, reason: policy.allowLocalCallbacks ? 'must be an http(s) URL' : 'must be an https URL' };
  }
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'must not carry credentials (user:password@)' };
  const host = hostOf(url);
  if (ipaddr.isValid(host)) {
    const verdict = classifyAddress(host, policy);
    if (!verdict.allowed) return { ok: false, reason: `must not point at ${verdict.what} (${host})` };
  } else if (isLocalhostName(host) && !policy.allowLocalCallbacks) {
    // RFC 6761: these names are loopback whatever DNS says.
    return { ok: false, reason: `must not point at a loopback address (${host})` };
  }
  return { ok: true, url };
}

/** The host of a URL without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

export interface CheckCallbackUrlOptions extends CallbackPolicy {
  /** @default the system resolver (`dns.lookup`) */
  resolve?: HostResolver;
  /** Give up resolving after this long (and accept: delivery checks again). @default 2000 */
  resolveTimeoutMs?: number;
}

/**
 * The check made when an order is placed: the URL's shape, then every address its name resolves
 * to. A name that does not resolve (yet) is accepted: delivery resolves it again on every
 * attempt and refuses to connect to a forbidden address, so nothing is lost by waiting.
 */
export async function checkCallbackUrl(text: string, options: CheckCallbackUrlOptions = {}): Promise<UrlVerdict> {
  const shape = checkUrlShape(text, options);
  if (!shape.ok) return shape;
  const host = hostOf(shape.url);
  if (ipaddr.isValid(host)) return shape;
  const addresses = await resolveWithin(options.resolve ?? systemResolver, host, options.resolveTimeoutMs ?? 2_000);
  for (const { address } of addresses ?? []) {
    const verdict = classifyAddress(address, options);
    if (!verdict.allowed) return { ok: false, reason: `must not resolve to ${verdict.what} (${host} resolves to ${address})` };
  }
  return shape;
}

async function resolveWithin(resolve: HostResolver, host: string, timeoutMs: number): Promise<{ address: string }[] | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((done) => {
    timer = setTimeout(() => done(undefined), timeoutMs);
  });
  try {
    return await Promise.race([resolve(host).catch(() => undefined), expired]);
  } finally {
    clearTimeout(timer);
  }
}
