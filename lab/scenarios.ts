// The lab scenarios: what each side is configured with and what happens, step
// by step, once the first CHILD_SA is up and the pings run. Lifetimes, DPD
// delays and retransmission timers are short so that each run takes under a
// minute.

import type { RetransmitSettings, SideConfig } from './charon.js';
import type { Family, Side } from './network.js';

/** Actions a scenario script can take. The recorder implements them. */
export interface ScenarioContext {
  wait(seconds: number): Promise<void>;
  note(event: string, fields?: Record<string, unknown>): void;
  snapshot(moment: string): Promise<void>;
  rekeyChild(side: Side): Promise<void>;
  rekeyIke(side: Side): Promise<void>;
  terminateChild(side: Side, timeoutSeconds?: number): Promise<void>;
  terminateIke(side: Side, options?: { force?: boolean; timeoutSeconds?: number }): Promise<void>;
  /** SIGKILL, so the charon leaves no DELETE on the wire. */
  killCharon(side: Side): Promise<void>;
  /** Starts a fresh charon with the same configuration and no SAs. */
  restartCharon(side: Side): Promise<void>;
  /** Drops this side's outgoing IKE messages of its current IKE_SA (optionally one exchange type). */
  dropOwnIke(side: Side, exchangeType?: number): Promise<void>;
  stopDroppingIke(side: Side): Promise<void>;
  stopPings(): Promise<void>;
}

export interface Scenario {
  name: string;
  /** One paragraph for meta.json and the README. */
  description: string;
  family: Family;
  sides: Record<Side, SideConfig>;
  retransmit: RetransmitSettings;
  /** Seconds between echo requests in each direction. */
  pingInterval: Record<'a2b' | 'b2a', number>;
  /** Whether packets are expected to be lost on an SPI the receiver no longer has. */
  expectsDesync: boolean;
  /** The steps after the first CHILD_SA is established and pings started. */
  steps(lab: ScenarioContext): Promise<void>;
}

const RETRANSMIT: RetransmitSettings = { timeout: 1, base: 1.4, tries: 3 };

type SideOverrides = Partial<Omit<SideConfig, 'child'>> & { child?: Partial<SideConfig['child']> };

function ikev2(overrides: SideOverrides = {}): SideConfig {
  return {
    version: 2,
    proposals: 'aes256-sha256-modp2048',
    rekeyTime: '4h',
    dpdDelay: '0',
    deleteRekeyed: false,
    ...overrides,
    child: { espProposals: 'aes128-sha256-modp2048', rekeyTime: '1h', dpdAction: 'none', ...overrides.child },
  };
}

function ikev1(overrides: SideOverrides = {}): SideConfig {
  return ikev2({ version: 1, deleteRekeyed: true, ...overrides });
}

/** Stops the pings and lets the last replies arrive, so the final DELETEs race no ESP. */
async function quiesce(lab: ScenarioContext): Promise<void> {
  await lab.stopPings();
  await lab.wait(1);
  await lab.snapshot('end');
}

/**
 * Seconds added to the first wait of every scenario. The pings start on a
 * grid of whole and half seconds, so this keeps rekeys, kills and deletes a
 * quarter second away from any echo request: a clean scenario stays clean
 * instead of sometimes racing a packet against an SA install.
 */
const OFF_GRID = 0.25;

// IKE exchange type numbers used by the drop filter (RFC 2408 section 3.1).
const ISAKMP_INFORMATIONAL = 5;

export const SCENARIOS: Scenario[] = [
  {
    name: 'ikev2-baseline',
    description:
      'IKEv2: IKE_SA_INIT and IKE_AUTH (AES-CBC-256, HMAC-SHA2-256, MODP2048), one CHILD_SA (ESP AES-CBC-128, HMAC-SHA2-256), ' +
      'pings both ways for 10 s, then A deletes the CHILD_SA and the IKE_SA.',
    family: 4,
    sides: { a: ikev2(), b: ikev2() },
    retransmit: RETRANSMIT,
    pingInterval: { a2b: 0.5, b2a: 1 },
    expectsDesync: false,
    async steps(lab) {
      await lab.wait(10 + OFF_GRID);
      await quiesce(lab);
      await lab.terminateChild('a');
    },
  },
  {
    name: 'ikev2-rekey',
    description:
      'IKEv2: the CHILD_SA is rekeyed by A, then by B (the responder), then the IKE_SA by A and by B; ' +
      'each old SA is deleted (inbound CHILD_SAs 5 s later, strongSwan\'s delete_rekeyed_delay). Pings both ways throughout.',
    family: 4,
    sides: { a: ikev2(), b: ikev2() },
    retransmit: RETRANSMIT,
    pingInterval: { a2b: 0.5, b2a: 1 },
    expectsDesync: false,
    async steps(lab) {
      await lab.wait(6 + OFF_GRID);
      await lab.rekeyChild('a');
      await lab.wait(8);
      await lab.rekeyChild('b');
      await lab.wait(8);
      await lab.rekeyIke('a');
      await lab.wait(8);
      await lab.rekeyIke('b');
      await lab.wait(8);
      await quiesce(lab);
    },
  },
  {
    name: 'ikev2-responder-restart',
    description:
      'IKEv2: B\'s charon is killed with SIGKILL and started again with no SAs. A keeps sending ESP on the old SPI ' +
      '(a black hole: ICMP port unreachable while B is down, silent drops once it is back) until A\'s DPD (5 s delay, ' +
      'dpd_action restart) gives up after its retransmissions and A builds a new IKE_SA and CHILD_SA.',
    family: 4,
    sides: { a: ikev2({ dpdDelay: '5s', child: { dpdAction: 'restart' } }), b: ikev2() },
    retransmit: RETRANSMIT,
    pingInterval: { a2b: 0.5, b2a: 1 },
    expectsDesync: true,
    async steps(lab) {
      await lab.wait(8 + OFF_GRID);
      await lab.snapshot('before_kill');
      await lab.killCharon('b');
      await lab.wait(3);
      await lab.restartCharon('b');
      await lab.wait(16);
      await lab.snapshot('after_recovery');
      await lab.wait(4);
      await quiesce(lab);
    },
  },
  {
    name: 'ikev2-silent-loss',
    description:
      'IKEv2: B deletes its IKE_SA with force while a tc filter in B\'s namespace drops B\'s IKE messages for that IKE_SA, ' +
      'so the DELETE never reaches the wire. B\'s charon stays up and logs every ESP packet on the old SPI as not belonging ' +
      'to an installed SA until A\'s DPD (5 s delay, dpd_action restart) gives up and A builds a new IKE_SA.',
    family: 4,
    sides: { a: ikev2({ dpdDelay: '5s', child: { dpdAction: 'restart' } }), b: ikev2() },
    retransmit: RETRANSMIT,
    pingInterval: { a2b: 0.5, b2a: 1 },
    expectsDesync: true,
    async steps(lab) {
      await lab.wait(8 + OFF_GRID);
      await lab.snapshot('before_loss');
      await lab.dropOwnIke('b');
      await lab.terminateIke('b', { force: true, timeoutSeconds: 5 });
      await lab.wait(18);
      await lab.snapshot('after_recovery');
      await lab.stopDroppingIke('b');
      await lab.wait(4);
      await quiesce(lab);
    },
  },
  {
    name: 'ikev1-main-quick',
    description:
      'IKEv1: Main Mode (PSK) and Quick Mode with PFS, pings both ways; the CHILD SA is rekeyed by A, then by B, ' +
      'each rekey followed by a DELETE of the old SA (delete_rekeyed); then Quick Mode and ISAKMP SA DELETEs.',
    family: 4,
    sides: { a: ikev1(), b: ikev1() },
    retransmit: RETRANSMIT,
    pingInterval: { a2b: 0.5, b2a: 1 },
    expectsDesync: false,
    async steps(lab) {
      await lab.wait(8 + OFF_GRID);
      await lab.rekeyChild('a');
      await lab.wait(8);
      await lab.rekeyChild('b');
      await lab.wait(8);
      await quiesce(lab);
      await lab.terminateChild('a');
    },
  },
  {
    name: 'ikev1-child-silent-delete',
    description:
      'IKEv1: B deletes only its CHILD SA while a tc filter in B\'s namespace drops B\'s Informational messages, so the ' +
      'DELETE never reaches the wire. The ISAKMP SA stays up and A\'s DPD is answered, but A\'s ESP on the old SPI is ' +
      'dropped by B until A\'s scheduled Quick Mode rekey (30 s after the CHILD SA was installed) creates a new pair of SAs.',
    family: 4,
    sides: {
      a: ikev1({ dpdDelay: '5s', child: { rekeyTime: '30s', lifeTime: '40s', dpdAction: 'restart' } }),
      b: ikev1(),
    },
    retransmit: RETRANSMIT,
    pingInterval: { a2b: 0.5, b2a: 1 },
    expectsDesync: true,
    async steps(lab) {
      await lab.wait(8 + OFF_GRID);
      await lab.snapshot('before_delete');
      await lab.dropOwnIke('b', ISAKMP_INFORMATIONAL);
      await lab.terminateChild('b', 5);
      await lab.wait(1.5);
      await lab.stopDroppingIke('b');
      await lab.snapshot('after_delete');
      await lab.wait(28);
      await lab.snapshot('after_rekey');
      await quiesce(lab);
      await lab.terminateChild('a');
    },
  },
  {
    name: 'ikev2-gcm-x25519',
    description:
      'IKEv2 with AES-GCM-256 (16-octet ICV) and PRF-HMAC-SHA2-256 for IKE, Curve25519 for the key exchange, ' +
      'ESP AES-GCM-128 with Curve25519 PFS; A rekeys the CHILD_SA and then the IKE_SA.',
    family: 4,
    sides: {
      a: ikev2({ proposals: 'aes256gcm16-prfsha256-x25519', child: { espProposals: 'aes128gcm16-x25519' } }),
      b: ikev2({ proposals: 'aes256gcm16-prfsha256-x25519', child: { espProposals: 'aes128gcm16-x25519' } }),
    },
    retransmit: RETRANSMIT,
    pingInterval: { a2b: 0.5, b2a: 1 },
    expectsDesync: false,
    async steps(lab) {
      await lab.wait(6 + OFF_GRID);
      await lab.rekeyChild('a');
      await lab.wait(6);
      await lab.rekeyIke('a');
      await lab.wait(6);
      await quiesce(lab);
    },
  },
  {
    name: 'ikev2-ipv6',
    description:
      'IKEv2 baseline over IPv6 outer addresses (2001:db8::1 and 2001:db8::2), IPv4 inner traffic; ' +
      'pings both ways for 10 s, then A deletes the CHILD_SA and the IKE_SA.',
    family: 6,
    sides: { a: ikev2(), b: ikev2() },
    retransmit: RETRANSMIT,
    pingInterval: { a2b: 0.5, b2a: 1 },
    expectsDesync: false,
    async steps(lab) {
      await lab.wait(10 + OFF_GRID);
      await quiesce(lab);
      await lab.terminateChild('a');
    },
  },
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((scenario) => scenario.name === name);
}
