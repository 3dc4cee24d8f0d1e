// CIDR matching for the IpAddress / NotIpAddress condition operators (aws:SourceIp); IPv4-mapped IPv6 addresses
// (::ffff:a.b.c.d, as Node reports IPv4 peers on dual-stack sockets) compare as IPv4.
import { BlockList, isIP } from 'node:net';

const compiled = new Map<string, BlockList | null>();

function normalise(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}

function rangeOf(cidr: string): BlockList | null {
  let list = compiled.get(cidr);
  if (list !== undefined) return list;
  const [address = '', prefixText] = cidr.split('/');
  const base = normalise(address);
  const family = isIP(base);
  const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
  if (family === 0 || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
    list = null;
  } else {
    list = new BlockList();
    list.addSubnet(base, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  if (compiled.size > 4096) compiled.clear();
  compiled.set(cidr, list);
  return list;
}

export function isValidCidr(cidr: string): boolean {
  return rangeOf(cidr) !== null;
}

export function isInRange(cidr: string, address: string): boolean {
  const range = rangeOf(cidr);
  const ip = normalise(address);
  const family = isIP(ip);
  return range !== null && family !== 0 && range.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}
