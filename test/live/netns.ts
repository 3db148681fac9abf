// Test fixtures for live capture: a pair of network namespaces joined by a
// veth pair, with no addresses at all, so the kernels on both ends stay
// silent and the capture holds only what the test sends. `spitrace live`
// runs in one namespace; the replay sender (test/helpers/replay.ts) runs in
// the other. Processes are started through the lab's DaemonRegistry, which
// ends them by PID.

import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { deleteNetns, ipIn, listNetns, pidsInNetns } from '../../lab/network.js';
import { DaemonRegistry, runCommand, waitFor, type Daemon } from '../../lab/process.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const spitraceBin = fileURLToPath(new URL('../../bin/spitrace.js', import.meta.url));
export const replayScript = fileURLToPath(new URL('../helpers/replay.ts', import.meta.url));

const IP = '/usr/sbin/ip';

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export interface NamespacePair {
  /** Where spitrace captures. */
  capture: string;
  /** Where the replay sender sends from. */
  sender: string;
  captureIface: string;
  senderIface: string;
}

/**
 * Creates two namespaces named spitrace-live-TAG-RANDOM-{cap,snd} and a veth
 * pair between them. The links get no address and no IPv6 link-local address,
 * and an MTU of 65535 so that every captured frame fits. `created` receives
 * each namespace name as soon as it exists, for teardown after a failure.
 */
export async function createPair(tag: string, created: (netns: string) => void): Promise<NamespacePair> {
  const id = `${tag}-${randomBytes(3).toString('hex')}`;
  const pair: NamespacePair = { capture: `spitrace-live-${id}-cap`, sender: `spitrace-live-${id}-snd`, captureIface: 'veth-cap', senderIface: 'veth-snd' };
  const existing = new Set(await listNetns());
  for (const name of [pair.capture, pair.sender]) {
    if (existing.has(name)) throw new Error(`network namespace ${name} already exists`);
  }
  for (const name of [pair.capture, pair.sender]) {
    await runCommand(IP, ['netns', 'add', name]);
    created(name);
  }
  await runCommand(IP, ['link', 'add', pair.captureIface, 'netns', pair.capture, 'type', 'veth', 'peer', 'name', pair.senderIface, 'netns', pair.sender]);
  for (const [netns, iface] of [
    [pair.capture, pair.captureIface],
    [pair.sender, pair.senderIface],
  ] as const) {
    await ipIn(netns, ['link', 'set', iface, 'addrgenmode', 'none']);
    await ipIn(netns, ['link', 'set', iface, 'mtu', '65535']);
    await ipIn(netns, ['link', 'set', iface, 'up']);
  }
  return pair;
}

/** Ends the registry's processes by PID, then deletes the namespaces; returns what went wrong. */
export async function teardown(registry: DaemonRegistry, namespaces: string[]): Promise<string[]> {
  await registry.stopAll();
  const problems: string[] = [];
  for (const netns of namespaces) {
    const left = await pidsInNetns(netns).catch(() => [] as number[]);
    if (left.length > 0) problems.push(`processes still in ${netns}: ${left.join(' ')}`);
  }
  problems.push(...(await deleteNetns(namespaces)));
  return problems;
}

/** One finding line of `spitrace live --ndjson`, and when the test read it (host clock, ms). */
export interface LiveRecord {
  at: number;
  record: Record<string, unknown> & { record: string };
}

/** A running `spitrace live`, with its output read line by line as it arrives. */
export class LiveProcess {
  readonly records: LiveRecord[] = [];
  stdout = '';
  stderr = '';
  private partial = '';
  /** Resolves once both output streams ended, which can be after the process exited. */
  private readonly drained: Promise<void>;

  private constructor(
    private readonly registry: DaemonRegistry,
    readonly daemon: Daemon,
  ) {
    daemon.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.onStdout(chunk));
    daemon.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.drained = new Promise((resolve) => daemon.child.on('close', () => resolve()));
  }

  /** Starts `spitrace live ARGS` inside `netns` and waits until it captures. */
  static async start(registry: DaemonRegistry, netns: string, args: string[]): Promise<LiveProcess> {
    const daemon = registry.start('spitrace live', IP, ['netns', 'exec', netns, process.execPath, spitraceBin, 'live', ...args], { env: { ...process.env, LANG: 'C' } });
    const live = new LiveProcess(registry, daemon);
    await waitFor('spitrace live to start capturing', () => {
      if (!registry.isRunning(daemon)) throw new Error(`spitrace live exited: ${live.stderr.trim()}`);
      return live.stderr.includes('capturing on');
    }, 15_000);
    return live;
  }

  private onStdout(chunk: string): void {
    const at = Date.now();
    this.stdout += chunk;
    this.partial += chunk;
    let newline = this.partial.indexOf('\n');
    while (newline >= 0) {
      const line = this.partial.slice(0, newline);
      this.partial = this.partial.slice(newline + 1);
      if (line.startsWith('{')) this.records.push({ at, record: JSON.parse(line) as LiveRecord['record'] });
      newline = this.partial.indexOf('\n');
    }
  }

  /** Sends `signal` and waits for the exit status and the last output. */
  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    const exited = this.daemon.exited;
    await this.registry.stop(this.daemon, signal, 20_000);
    const { code } = await exited;
    await this.drained;
    return code;
  }
}

/**
 * Replays `capture` from the sender namespace; resolves with the sender's
 * counts. `onStart` runs when the sender is about to send the first frame.
 */
export async function replay(
  registry: DaemonRegistry,
  pair: NamespacePair,
  capture: string,
  maxGapSeconds = 31,
  onStart: () => void = () => undefined,
): Promise<{ sent: number; skipped: number; failed: number; seconds: number }> {
  const daemon = registry.start('replay', IP, [
    'netns', 'exec', pair.sender, process.execPath, '--import', 'tsx', replayScript, '--iface', pair.senderIface, '--max-gap', String(maxGapSeconds), capture,
  ], { cwd: repoRoot });
  let out = '';
  daemon.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    if (!out.includes('"started"') && (out + chunk).includes('"started"')) onStart();
    out += chunk;
  });
  const { code } = await daemon.exited;
  if (code !== 0) throw new Error(`replay of ${capture} failed (exit ${code}): ${daemon.stderrTail().trim()}`);
  return JSON.parse(out.trim().split('\n').pop()!) as { sent: number; skipped: number; failed: number; seconds: number };
}

/** Returns the comparable part of a finding, because frame numbers and times differ between a live run and the file. */
export function findingKey(f: { kind: unknown; src: unknown; dst: unknown; spi: unknown; packets: unknown; classification: unknown }): string {
  return [f.kind, f.src, f.dst, f.spi, f.packets, f.classification].map((v) => String(v)).join(' ');
}

/** Sorted finding keys of `spitrace analyze --json` for a capture. */
export async function offlineFindings(capture: string, keys: string | null): Promise<string[]> {
  const args = [spitraceBin, 'analyze', '--json', ...(keys ? ['--keys', keys] : []), capture];
  const result = await runCommand(process.execPath, args, { allowFailure: true, timeoutMs: 120_000 });
  if (result.code !== 0 && result.code !== 1) throw new Error(`spitrace analyze ${capture} exited ${result.code}: ${result.stderr.trim()}`);
  const report = JSON.parse(result.stdout) as { findings: Parameters<typeof findingKey>[0][] };
  return report.findings.map(findingKey).sort();
}

/** Sorted finding keys of a live run: the last record of every finding id, provisional ones left out. */
export function liveFindings(records: LiveRecord[]): string[] {
  const last = new Map<string, Record<string, unknown>>();
  for (const { record } of records) {
    if (record.record !== 'finding') continue;
    const details = record.details as Record<string, unknown> | undefined;
    if (details?.provisional === true) continue;
    last.set(String(record.id), record);
  }
  return [...last.values()].map((f) => findingKey(f as Parameters<typeof findingKey>[0])).sort();
}
