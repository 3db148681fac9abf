// One charon per namespace: its strongswan.conf and swanctl.conf, and its
// lifecycle. Two charons on one machine would collide on the configuration
// file, the pid file compiled in under /run and the vici socket, so each gets
// its own STRONGSWAN_CONF, its own /run (a bind mount in a private mount
// namespace) and its own vici socket path.

import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Host } from './network.js';
import { DaemonRegistry, runCommand, waitFor, type CommandResult, type Daemon } from './process.js';

export const CHARON = '/usr/lib/ipsec/charon';
export const SWANCTL = '/usr/sbin/swanctl';

/** The plugins each charon loads. kernel-libipsec comes before kernel-netlink
 * so that it provides the IPsec backend, and kernel-netlink only addresses
 * and routes (the kernel on the lab machines has no ESP). */
export const PLUGINS = [
  'random', 'nonce', 'openssl', 'aes', 'sha1', 'sha2', 'hmac', 'gcm', 'kdf', 'curve25519',
  'pem', 'pkcs1', 'x509', 'pubkey', 'kernel-libipsec', 'kernel-netlink', 'socket-default', 'vici',
];

/**
 * charon log levels. ike and chd at 4 print the IKE and ESP keys. esp at 2
 * prints every SAD add and delete and one line per inbound ESP packet,
 * including "does not belong to an installed SA" drops. mgr at 2 prints the
 * IKE SPIs of every IKE_SA. enc and net at 1 print one line per IKE message
 * with its payload list and one per packet sent. Higher enc, net and knl
 * levels add hex dumps of every message and netlink exchange, which the
 * ground truth does not use.
 */
export const LOG_LEVELS: Record<string, number> = {
  default: 1, ike: 4, chd: 4, esp: 2, knl: 2, net: 1, enc: 1, mgr: 2, cfg: 1, job: 1, lib: 1, dmn: 1,
};

/** Every group at level 4, for debugging the lab itself (`--full-logs`). */
export const FULL_LOG_LEVELS: Record<string, number> = {
  ...LOG_LEVELS, esp: 4, knl: 4, net: 4, enc: 4, mgr: 4, cfg: 2,
};

export interface ChildConfig {
  espProposals: string;
  rekeyTime: string;
  lifeTime?: string;
  dpdAction: 'none' | 'clear' | 'trap' | 'restart';
}

export interface SideConfig {
  version: 1 | 2;
  proposals: string;
  rekeyTime: string;
  dpdDelay: string;
  child: ChildConfig;
  /** IKEv1: send a DELETE for the old CHILD_SA after a Quick Mode rekey. */
  deleteRekeyed: boolean;
}

export interface RetransmitSettings {
  timeout: number;
  base: number;
  tries: number;
}

export class Charon {
  readonly dir: string;
  readonly runDir: string;
  readonly confPath: string;
  readonly swanctlPath: string;
  readonly logPath: string;
  readonly viciPath: string;
  daemon: Daemon | undefined;

  constructor(
    readonly host: Host,
    readonly peer: Host,
    workDir: string,
    private readonly registry: DaemonRegistry,
  ) {
    this.dir = join(workDir, host.side);
    this.runDir = join(this.dir, 'run');
    this.confPath = join(this.dir, 'strongswan.conf');
    this.swanctlPath = join(this.dir, 'swanctl', 'swanctl.conf');
    this.logPath = join(this.dir, 'charon.log');
    this.viciPath = join(this.dir, 'charon.vici');
    mkdirSync(this.runDir, { recursive: true });
    mkdirSync(join(this.dir, 'swanctl'), { recursive: true });
  }

  get uri(): string {
    return `unix://${this.viciPath}`;
  }

  writeConfig(scenario: string, config: SideConfig, retransmit: RetransmitSettings, levels: Record<string, number>): void {
    writeFileSync(this.confPath, strongswanConf(this, scenario, config, retransmit, levels));
    writeFileSync(this.swanctlPath, swanctlConf(this.host, this.peer, scenario, config));
  }

  /** Starts charon in its namespace, waits for vici and loads the configuration. */
  async start(): Promise<Daemon> {
    rmSync(this.viciPath, { force: true });
    // A pid file left by a killed charon would make the new one refuse to start.
    rmSync(join(this.runDir, 'charon.pid'), { force: true });
    const script = 'mount --bind "$0" /run && exec "$1"';
    this.daemon = this.registry.start(`charon-${this.host.side}`, '/usr/sbin/ip', [
      'netns', 'exec', this.host.netns,
      '/usr/bin/unshare', '--mount', '--propagation', 'private',
      '/bin/sh', '-c', script, this.runDir, CHARON,
    ], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', STRONGSWAN_CONF: this.confPath, TZ: 'UTC' },
      detached: true,
    });
    const daemon = this.daemon;
    await waitFor(`charon ${this.host.side} to open ${this.viciPath}`, () => {
      if (!this.registry.isRunning(daemon)) {
        throw new Error(`charon ${this.host.side} exited during startup: ${daemon.stderrTail().trim() || 'no output'}`);
      }
      return existsSync(this.viciPath);
    }, 15_000);
    await this.swanctl(['--load-all', '--noprompt', '--file', this.swanctlPath]);
    return daemon;
  }

  swanctl(args: readonly string[], timeoutMs = 30_000, allowFailure = false): Promise<CommandResult> {
    return runCommand(SWANCTL, [...args, '--uri', this.uri], {
      timeoutMs,
      allowFailure,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', STRONGSWAN_CONF: this.confPath, TZ: 'UTC' },
    });
  }

  /** Lists the IKE_SAs and CHILD_SAs as swanctl prints them. */
  async listSas(): Promise<string> {
    const result = await this.swanctl(['--list-sas'], 10_000, true);
    return result.stdout;
  }

  /** Returns the initiator SPI of the first IKE_SA that `swanctl --list-sas` lists. */
  async currentIkeInitiatorSpi(): Promise<string> {
    const listing = await this.listSas();
    const match = /\b([0-9a-f]{16})_i\*? [0-9a-f]{16}_r/.exec(listing);
    if (!match?.[1]) throw new Error(`charon ${this.host.side} lists no IKE_SA:\n${listing}`);
    return match[1];
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.daemon) await this.registry.stop(this.daemon, signal, 8_000);
  }

  /** Sends SIGKILL and waits for the exit: the crash leaves no DELETE on the wire. */
  async kill(): Promise<void> {
    if (this.daemon) await this.registry.stop(this.daemon, 'SIGKILL', 5_000);
  }
}

function strongswanConf(
  charon: Charon,
  scenario: string,
  config: SideConfig,
  retransmit: RetransmitSettings,
  levels: Record<string, number>,
): string {
  const levelLines = Object.entries(levels).map(([group, level]) => `\t\t\t${group} = ${level}`);
  return [
    `# strongswan.conf for side ${charon.host.side} of lab scenario ${scenario}`,
    'charon {',
    '\tload_modular = no',
    `\tload = ${PLUGINS.join(' ')}`,
    `\tretransmit_timeout = ${retransmit.timeout}`,
    `\tretransmit_base = ${retransmit.base}`,
    `\tretransmit_tries = ${retransmit.tries}`,
    `\tdelete_rekeyed = ${config.deleteRekeyed ? 'yes' : 'no'}`,
    '\tfilelog {',
    '\t\tlab {',
    `\t\t\tpath = ${charon.logPath}`,
    '\t\t\ttime_format = %Y-%m-%dT%H:%M:%S',
    '\t\t\ttime_add_ms = yes',
    '\t\t\tike_name = yes',
    '\t\t\tappend = yes',
    '\t\t\tflush_line = yes',
    ...levelLines,
    '\t\t}',
    '\t}',
    '\tsyslog {',
    '\t\tdaemon {',
    '\t\t\tdefault = -1',
    '\t\t}',
    '\t}',
    '\tplugins {',
    '\t\tvici {',
    `\t\t\tsocket = unix://${charon.viciPath}`,
    '\t\t}',
    '\t}',
    '}',
    '',
  ].join('\n');
}

function swanctlConf(host: Host, peer: Host, scenario: string, config: SideConfig): string {
  const child = config.child;
  return [
    `# swanctl.conf for side ${host.side} of lab scenario ${scenario}`,
    'connections {',
    '  lab {',
    `    version = ${config.version}`,
    `    local_addrs = ${host.outer}`,
    `    remote_addrs = ${peer.outer}`,
    `    proposals = ${config.proposals}`,
    `    rekey_time = ${config.rekeyTime}`,
    '    over_time = 10m',
    '    rand_time = 0',
    `    dpd_delay = ${config.dpdDelay}`,
    '    local {',
    '      auth = psk',
    `      id = ${host.id}`,
    '    }',
    '    remote {',
    '      auth = psk',
    `      id = ${peer.id}`,
    '    }',
    '    children {',
    '      net {',
    `        local_ts = ${host.inner}/32`,
    `        remote_ts = ${peer.inner}/32`,
    `        esp_proposals = ${child.espProposals}`,
    `        rekey_time = ${child.rekeyTime}`,
    ...(child.lifeTime ? [`        life_time = ${child.lifeTime}`] : []),
    '        rand_time = 0',
    `        dpd_action = ${child.dpdAction}`,
    '        start_action = none',
    '      }',
    '    }',
    '  }',
    '}',
    'secrets {',
    '  ike-lab {',
    '    id-a = a.lab.test',
    '    id-b = b.lab.test',
    `    secret = "${LAB_PSK}"`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The pre-shared key of every lab run. It protects nothing: the key tables
 * and logs of each run are published with the capture. */
export const LAB_PSK = 'spitrace-lab-psk-not-a-secret';
