// Records one scenario: builds the two namespaces, starts tcpdump and both
// charons, brings up the tunnel, runs the pings and the scenario's steps, and
// tears everything down again on success, error or abort. The output folder
// receives the raw material (capture, charon logs, events, pings, SA
// snapshots, configuration); derive.ts turns it into keys and ground truth.

import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Charon, FULL_LOG_LEVELS, LOG_LEVELS } from './charon.js';
import {
  addIkeDropFilter,
  createNetwork,
  deleteNetns,
  dropFilterStats,
  newRunId,
  pidsInNetns,
  removeIkeDropFilter,
  type Host,
  type LabNetwork,
  type Side,
} from './network.js';
import { DaemonRegistry, delay, waitFor, type Daemon } from './process.js';
import type { Scenario, ScenarioContext } from './scenarios.js';

const LAB_DIR = dirname(fileURLToPath(import.meta.url));
const PINGER = join(LAB_DIR, 'pinger.py');

/** Host clock time in UNIX epoch seconds with sub-millisecond resolution. */
export function epochNow(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

/** Appends one JSON line per lab action to events.jsonl. */
export class EventLog {
  constructor(private readonly path: string) {
    writeFileSync(path, '');
  }

  write(ev: string, fields: Record<string, unknown> = {}): void {
    appendFileSync(this.path, `${JSON.stringify({ ev, ...fields, t: Number(epochNow().toFixed(6)) })}\n`);
  }
}

export interface RecordOptions {
  outDir: string;
  fullLogs?: boolean;
  /** Aborts the run (Ctrl-C, SIGTERM); teardown still happens. */
  signal?: AbortSignal;
  progress?: (message: string) => void;
}

export class AbortedError extends Error {
  constructor() {
    super('lab run aborted');
    this.name = 'AbortedError';
  }
}

/** Records `scenario` into `options.outDir`. Throws on failure after tearing down. */
export async function recordScenario(scenario: Scenario, options: RecordOptions): Promise<void> {
  const progress = options.progress ?? (() => undefined);
  const outDir = options.outDir;
  mkdirSync(join(outDir, 'config'), { recursive: true });
  mkdirSync(join(outDir, 'logs'), { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'spitrace-lab-'));
  const registry = new DaemonRegistry();
  const createdNetns: string[] = [];
  const events = new EventLog(join(outDir, 'events.jsonl'));
  const pingsPath = join(outDir, 'pings.jsonl');
  const snapshotsPath = join(outDir, 'sa-snapshots.txt');
  writeFileSync(pingsPath, '');
  writeFileSync(snapshotsPath, '');

  const checkAbort = () => {
    if (options.signal?.aborted) throw new AbortedError();
  };
  const wait = async (seconds: number) => {
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      checkAbort();
      await delay(Math.min(100, until - Date.now()));
    }
    checkAbort();
  };

  const charons = {} as Record<Side, Charon>;
  let capture: Daemon | undefined;
  const pingers: Daemon[] = [];
  const runId = newRunId();
  let failure: unknown;

  events.write('scenario_started', { scenario: scenario.name, run_id: runId });
  try {
    progress(`creating namespaces for run ${runId}`);
    const net = await createNetwork(runId, scenario.family, (name) => createdNetns.push(name));
    checkAbort();

    progress('starting tcpdump');
    capture = await startCapture(registry, net.a, join(outDir, 'capture.pcap'));
    events.write('capture_started', { iface: net.a.iface, netns: net.a.netns });

    const levels = options.fullLogs ? FULL_LOG_LEVELS : LOG_LEVELS;
    for (const side of ['b', 'a'] as const) {
      const peer = side === 'a' ? net.b : net.a;
      const charon = new Charon(net[side], peer, workDir, registry);
      charon.writeConfig(scenario.name, scenario.sides[side], scenario.retransmit, levels);
      copyFileSync(charon.confPath, join(outDir, 'config', `strongswan-${side}.conf`));
      copyFileSync(charon.swanctlPath, join(outDir, 'config', `swanctl-${side}.conf`));
      charons[side] = charon;
    }
    for (const side of ['b', 'a'] as const) {
      progress(`starting charon ${side}`);
      const daemon = await charons[side].start();
      events.write('charon_started', { side, pid: daemon.pid });
    }

    const snapshot = async (moment: string) => {
      for (const side of ['a', 'b'] as const) {
        const charon = charons[side];
        const listing = charon.daemon && registry.isRunning(charon.daemon) ? await charon.listSas() : '(charon not running)\n';
        appendFileSync(snapshotsPath, `# ${new Date().toISOString()} side ${side} (${moment})\n${listing}`);
      }
    };

    progress('initiating the CHILD_SA from a');
    events.write('initiate', { side: 'a', child: 'net' });
    await charons.a.swanctl(['--initiate', '--child', 'net', '--timeout', '15'], 20_000);
    await snapshot('established');

    for (const [tag, sender, receiver] of [['a2b', net.a, net.b], ['b2a', net.b, net.a]] as const) {
      const interval = scenario.pingInterval[tag];
      pingers.push(startPinger(registry, sender, receiver, interval, tag, pingsPath));
      events.write('ping_started', { side: sender.side, tag, interval });
    }

    const lab = scenarioContext({ events, charons, net, registry, pingers, wait, snapshot });

    progress(`running scenario ${scenario.name}`);
    await scenario.steps(lab);

    progress('deleting the IKE_SA from a');
    await lab.terminateIke('a');
    await wait(1);
  } catch (error) {
    failure = error;
  } finally {
    progress('tearing down');
    const problems = await teardown(registry, charons, pingers, capture, createdNetns, events, join(outDir, 'logs'));
    rmSync(workDir, { recursive: true, force: true });
    if (failure === undefined && problems.length > 0) failure = new Error(`teardown problems: ${problems.join('; ')}`);
  }
  if (failure !== undefined) throw failure;
  events.write('scenario_finished', { scenario: scenario.name });
}

interface ContextParts {
  events: EventLog;
  charons: Record<Side, Charon>;
  net: LabNetwork;
  registry: DaemonRegistry;
  pingers: Daemon[];
  wait: (seconds: number) => Promise<void>;
  snapshot: (moment: string) => Promise<void>;
}

/** Implements the scenario actions on this run's charons and namespaces. Every action is written to events.jsonl. */
function scenarioContext({ events, charons, net, registry, pingers, wait, snapshot }: ContextParts): ScenarioContext {
  return {
    wait,
    note: (event, fields) => events.write(event, fields),
    snapshot,
    rekeyChild: async (side) => {
      events.write('rekey_child', { side, child: 'net' });
      await charons[side].swanctl(['--rekey', '--child', 'net']);
    },
    rekeyIke: async (side) => {
      events.write('rekey_ike', { side, ike: 'lab' });
      await charons[side].swanctl(['--rekey', '--ike', 'lab']);
    },
    terminateChild: async (side, timeoutSeconds = 10) => {
      events.write('terminate_child', { side, child: 'net' });
      await charons[side].swanctl(['--terminate', '--child', 'net', '--timeout', String(timeoutSeconds)], (timeoutSeconds + 5) * 1000, true);
    },
    terminateIke: async (side, terminate = {}) => {
      const timeoutSeconds = terminate.timeoutSeconds ?? 10;
      const args = ['--terminate', '--ike', 'lab', '--timeout', String(timeoutSeconds)];
      if (terminate.force) args.push('--force');
      events.write('terminate_ike', { side, ike: 'lab', force: terminate.force ?? false });
      await charons[side].swanctl(args, (timeoutSeconds + 5) * 1000, true);
    },
    killCharon: async (side) => {
      const daemon = charons[side].daemon;
      events.write('charon_killed', { side, pid: daemon?.pid, signal: 'KILL' });
      await charons[side].kill();
      events.write('charon_exited', { side, pid: daemon?.pid });
    },
    restartCharon: async (side) => {
      const daemon = await charons[side].start();
      events.write('charon_started', { side, pid: daemon.pid, restart: true });
    },
    dropOwnIke: async (side, exchangeType) => {
      const spi = await charons[side].currentIkeInitiatorSpi();
      await addIkeDropFilter(net[side], spi, exchangeType);
      events.write('ike_drop_filter_added', { side, iface: net[side].iface, ike_spi_i: spi, exchange_type: exchangeType ?? null });
    },
    stopDroppingIke: async (side) => {
      const dropped = await dropFilterStats(net[side]);
      await removeIkeDropFilter(net[side]);
      events.write('ike_drop_filter_removed', { side, dropped_packets: dropped });
    },
    stopPings: async () => {
      for (const pinger of pingers) await registry.stop(pinger, 'SIGTERM', 3_000);
      events.write('pings_stopped');
    },
  };
}

/** Ends this run's processes (pingers, charons, tcpdump) by PID, copies the logs, deletes the namespaces. */
async function teardown(
  registry: DaemonRegistry,
  charons: Partial<Record<Side, Charon>>,
  pingers: Daemon[],
  capture: Daemon | undefined,
  createdNetns: string[],
  events: EventLog,
  logsDir: string,
): Promise<string[]> {
  const problems: string[] = [];
  for (const pinger of pingers) await registry.stop(pinger, 'SIGTERM', 3_000);
  for (const side of ['b', 'a'] as const) {
    const charon = charons[side];
    if (charon?.daemon && registry.isRunning(charon.daemon)) {
      await charon.stop('SIGTERM');
      events.write('charon_stopped', { side, pid: charon.daemon.pid, signal: 'TERM' });
    }
  }
  if (capture) {
    await delay(300);
    await registry.stop(capture, 'SIGINT', 5_000);
    events.write('capture_stopped');
  }
  await registry.stopAll();
  for (const side of ['a', 'b'] as const) {
    const charon = charons[side];
    if (charon && existsSync(charon.logPath)) {
      copyFileSync(charon.logPath, join(logsDir, `charon-${side}.log`));
    }
  }
  for (const netns of createdNetns) {
    const leftovers = await pidsInNetns(netns).catch(() => [] as number[]);
    if (leftovers.length > 0) problems.push(`processes still in ${netns}: ${leftovers.join(' ')}`);
  }
  problems.push(...(await deleteNetns(createdNetns)));
  return problems;
}

async function startCapture(registry: DaemonRegistry, host: Host, path: string): Promise<Daemon> {
  const daemon = registry.start('tcpdump', '/usr/sbin/ip', [
    'netns', 'exec', host.netns,
    '/usr/bin/tcpdump', '-i', host.iface, '-n', '-U', '-s', '0', '-Z', 'root',
    '--time-stamp-precision=micro', '-w', path,
  ], { detached: true });
  await waitFor('tcpdump to start listening', () => {
    if (!registry.isRunning(daemon)) throw new Error(`tcpdump exited: ${daemon.stderrTail().trim()}`);
    return daemon.stderrTail().includes('listening on');
  }, 10_000);
  return daemon;
}

function startPinger(registry: DaemonRegistry, sender: Host, receiver: Host, interval: number, tag: string, out: string): Daemon {
  return registry.start(`pinger-${tag}`, '/usr/sbin/ip', [
    'netns', 'exec', sender.netns,
    '/usr/bin/python3', PINGER, '--src', sender.inner, '--dst', receiver.inner,
    '--interval', String(interval), '--tag', tag, '--out', out,
  ], { detached: true });
}
