// Two network namespaces joined by a veth pair, with documentation addresses
// only (RFC 5737 for IPv4, RFC 3849 for IPv6), and a tc filter that drops
// chosen IKE messages at one side's egress.

import { randomBytes } from 'node:crypto';
import { runCommand } from './process.js';

export type Side = 'a' | 'b';
export type Family = 4 | 6;

/** Addresses and names of one side of the lab. */
export interface Host {
  side: Side;
  netns: string;
  iface: string;
  /** Outer (IKE and ESP) address. */
  outer: string;
  /** Inner address, protected by the tunnel. */
  inner: string;
  id: string;
}

export interface LabNetwork {
  runId: string;
  family: Family;
  a: Host;
  b: Host;
}

const IP = '/usr/sbin/ip';
const TC = '/usr/sbin/tc';

const OUTER: Record<Family, Record<Side, { address: string; prefix: number }>> = {
  4: { a: { address: '192.0.2.1', prefix: 24 }, b: { address: '192.0.2.2', prefix: 24 } },
  6: { a: { address: '2001:db8::1', prefix: 64 }, b: { address: '2001:db8::2', prefix: 64 } },
};
const INNER: Record<Side, string> = { a: '198.51.100.1', b: '203.0.113.1' };

/** Returns a short random id that makes namespace names unique per run. */
export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

export async function listNetns(): Promise<string[]> {
  const result = await runCommand(IP, ['netns', 'list']);
  return result.stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.length > 0);
}

export function ipIn(netns: string, args: readonly string[]) {
  return runCommand(IP, ['-n', netns, ...args]);
}

/**
 * Creates both namespaces and the veth pair. The veth ends are created
 * directly inside the namespaces, so their names never appear in the host
 * namespace and cannot collide with another run.
 */
export async function createNetwork(runId: string, family: Family, created: (netns: string) => void): Promise<LabNetwork> {
  const hosts = {} as Record<Side, Host>;
  for (const side of ['a', 'b'] as const) {
    hosts[side] = {
      side,
      netns: `spitrace-lab-${runId}-${side}`,
      iface: `veth-${side}`,
      outer: OUTER[family][side].address,
      inner: INNER[side],
      id: `${side}.lab.test`,
    };
  }
  const existing = new Set(await listNetns());
  for (const side of ['a', 'b'] as const) {
    if (existing.has(hosts[side].netns)) {
      throw new Error(`network namespace ${hosts[side].netns} already exists; pick another run id`);
    }
  }

  for (const side of ['a', 'b'] as const) {
    await runCommand(IP, ['netns', 'add', hosts[side].netns]);
    created(hosts[side].netns);
  }
  await runCommand(IP, [
    'link', 'add', hosts.a.iface, 'netns', hosts.a.netns, 'type', 'veth',
    'peer', 'name', hosts.b.iface, 'netns', hosts.b.netns,
  ]);

  for (const side of ['a', 'b'] as const) {
    const host = hosts[side];
    const outer = OUTER[family][side];
    await ipIn(host.netns, ['link', 'set', 'lo', 'up']);
    // No IPv6 link-local address, so the capture contains no router
    // solicitations or MLD reports from link-local sources.
    await ipIn(host.netns, ['link', 'set', host.iface, 'addrgenmode', 'none']);
    await ipIn(host.netns, ['addr', 'add', `${host.inner}/32`, 'dev', 'lo']);
    const addressArgs = ['addr', 'add', `${outer.address}/${outer.prefix}`, 'dev', host.iface];
    // Without nodad the IPv6 address stays tentative for about a second and
    // charon cannot bind to it yet.
    if (family === 6) addressArgs.push('nodad');
    await ipIn(host.netns, addressArgs);
    await ipIn(host.netns, ['link', 'set', host.iface, 'up']);
  }
  // Permanent neighbour entries: no ARP or neighbour discovery on the wire,
  // and no first IKE message held back while an address is being resolved.
  const mac = {} as Record<Side, string>;
  for (const side of ['a', 'b'] as const) {
    const result = await ipIn(hosts[side].netns, ['-j', 'link', 'show', 'dev', hosts[side].iface]);
    const links = JSON.parse(result.stdout) as { address?: string }[];
    const address = links[0]?.address;
    if (!address) throw new Error(`no MAC address for ${hosts[side].iface} in ${hosts[side].netns}`);
    mac[side] = address;
  }
  for (const [side, peer] of [['a', 'b'], ['b', 'a']] as const) {
    await ipIn(hosts[side].netns, ['neigh', 'replace', hosts[peer].outer, 'lladdr', mac[peer], 'dev', hosts[side].iface, 'nud', 'permanent']);
  }
  return { runId, family, a: hosts.a, b: hosts.b };
}

/** Deletes the namespaces this run created; the veth pair goes with them. */
export async function deleteNetns(names: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const existing = new Set(await listNetns().catch(() => [] as string[]));
  for (const name of names) {
    if (!existing.has(name)) continue;
    const result = await runCommand(IP, ['netns', 'del', name], { allowFailure: true });
    if (result.code !== 0) problems.push(`ip netns del ${name}: ${result.stderr.trim()}`);
  }
  return problems;
}

/** PIDs of processes still inside a namespace (`ip netns pids`). */
export async function pidsInNetns(netns: string): Promise<number[]> {
  const result = await runCommand(IP, ['netns', 'pids', netns], { allowFailure: true });
  return result.stdout
    .split('\n')
    .map((line) => Number.parseInt(line, 10))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/**
 * Installs a drop filter on a side's egress for IKE messages on UDP 4500 whose
 * IKE initiator SPI (IKEv1: initiator cookie) is `initiatorSpi`, optionally
 * only one exchange type. The kernel here has no tc actions, so the filter
 * classifies matching packets into an htb class whose queue is a pfifo of
 * length 0, which drops every packet it is given.
 *
 * Offsets assume IPv4 without options: IP header 20 bytes, UDP 8, then the
 * four-byte non-ESP marker (RFC 3948 section 2.2) that distinguishes IKE from ESP.
 */
export async function addIkeDropFilter(host: Host, initiatorSpi: string, exchangeType?: number): Promise<void> {
  if (!/^[0-9a-f]{16}$/.test(initiatorSpi)) throw new Error(`invalid IKE SPI for the drop filter: ${initiatorSpi}`);
  const dev = ['dev', host.iface];
  const tc = (args: string[]) => runCommand(TC, ['-n', host.netns, ...args]);
  await tc(['qdisc', 'add', ...dev, 'root', 'handle', '1:', 'htb', 'default', '1']);
  await tc(['class', 'add', ...dev, 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '10gbit', 'quantum', '60000']);
  await tc(['class', 'add', ...dev, 'parent', '1:', 'classid', '1:2', 'htb', 'rate', '10gbit', 'quantum', '60000']);
  await tc(['qdisc', 'add', ...dev, 'parent', '1:2', 'handle', '20:', 'pfifo', 'limit', '0']);
  const match = [
    'match', 'ip', 'protocol', '17', '0xff',
    'match', 'u16', '4500', '0xffff', 'at', '20',
    'match', 'u32', '0x00000000', '0xffffffff', 'at', '28',
    'match', 'u32', `0x${initiatorSpi.slice(0, 8)}`, '0xffffffff', 'at', '32',
    'match', 'u32', `0x${initiatorSpi.slice(8)}`, '0xffffffff', 'at', '36',
  ];
  if (exchangeType !== undefined) match.push('match', 'u8', String(exchangeType), '0xff', 'at', '50');
  await tc(['filter', 'add', ...dev, 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', ...match, 'flowid', '1:2']);
}

/** Removes the drop filter and its queueing discipline. */
export async function removeIkeDropFilter(host: Host): Promise<void> {
  await runCommand(TC, ['-n', host.netns, 'qdisc', 'del', 'dev', host.iface, 'root'], { allowFailure: true });
}

/** Returns how many packets the drop filter has dropped, or null when tc does not show it. */
export async function dropFilterStats(host: Host): Promise<number | null> {
  const result = await runCommand(TC, ['-n', host.netns, '-s', 'qdisc', 'show', 'dev', host.iface], { allowFailure: true });
  const match = /qdisc pfifo 20:[\s\S]*?dropped (\d+)/.exec(result.stdout);
  return match?.[1] === undefined ? null : Number(match[1]);
}
