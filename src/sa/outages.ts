// Outages: runs of failing packets on one (source, destination, SPI), each
// summarised by one `desync` finding with its classification, duration,
// packets lost, how it ended and any known defect signature.

import type { FrameRef } from '../types.js';
import { secondsBetween } from '../util/format.js';
import type { ChildSa } from './child-sa.js';
import type { Evidence, Finding, FindingKind, RecoveryKind, Signature } from './findings.js';
import type { Tunnel, TunnelEvent, TunnelEventKind } from './tunnel.js';

export interface Outage {
  sa: ChildSa;
  src: string;
  dst: string;
  first: FrameRef;
  last: FrameRef;
  packets: number;
  kinds: Set<FindingKind>;
  findings: Set<Finding>;
  evidence: Evidence[];
}

/** Events that can make an outage transient: the SA set of the tunnel changed. */
const SA_CHANGES: ReadonlySet<TunnelEventKind> = new Set<TunnelEventKind>([
  'child-installed',
  'child-rekeyed',
  'child-delete',
  'child-deleted',
  'ike-sa-established',
  'ike-sa-rekeyed',
  'ike-sa-deleted',
]);

const MAX_EVIDENCE = 20;

/** Fills the desync finding `f` from an outage that has ended. */
export function closeOutage(o: Outage, f: Finding, tunnel: Tunnel, windowSeconds: number): void {
  f.protocol = o.sa.protocol;
  f.spi = o.sa.spi;
  f.src = o.src;
  f.dst = o.dst;
  f.first = o.first;
  f.last = o.last;
  f.packets = o.packets;
  f.packetsLost = o.packets;
  f.durationSeconds = secondsBetween(o.first.time, o.last.time);
  f.ikeSa = o.sa.ikeSa;
  f.certainty = [...o.findings].some((x) => x.certainty === 'inferred') ? 'inferred' : 'certain';
  f.evidence = dedupeEvidence(o.evidence);
  f.classification = isTransient(o, tunnel.events, windowSeconds) ? 'transient' : 'persistent';
  f.severity = f.classification === 'persistent' ? 'error' : 'warning';
  f.recovery = findRecovery(o, tunnel.events, windowSeconds);
  f.signature = signatureOf(o, tunnel.events);
  f.details = { cause: mainKind(o.kinds), kinds: [...o.kinds].join(',') };
}

function within(a: FrameRef, b: FrameRef, seconds: number): boolean {
  return Math.abs(secondsBetween(a.time, b.time)) <= seconds;
}

/** Transient when it starts and ends within the window of one install, rekey or delete on the tunnel. */
export function isTransient(o: Outage, events: TunnelEvent[], windowSeconds: number): boolean {
  return events.some((e) => SA_CHANGES.has(e.kind) && within(o.first, e.at, windowSeconds) && within(o.last, e.at, windowSeconds));
}

function names(e: TunnelEvent, sa: ChildSa): boolean {
  return e.sas.includes(sa) || (sa.pair !== null && e.sas.includes(sa.pair));
}

/**
 * Finds how the outage ended: the first recovery event at or after its last
 * failing packet (allowing the transient window for packets in flight).
 */
export function findRecovery(o: Outage, events: TunnelEvent[], windowSeconds: number): { kind: RecoveryKind; at: FrameRef | null } {
  const startOfSearch = o.last.time.sec + o.last.time.nsec / 1e9 - windowSeconds;
  const firstTime = o.first.time.sec + o.first.time.nsec / 1e9;
  const after = events.filter((e) => e.at.time.sec + e.at.time.nsec / 1e9 >= firstTime);
  let receiverStartedIkeSa: TunnelEvent | null = null;

  for (const e of after) {
    const t = e.at.time.sec + e.at.time.nsec / 1e9;
    if (e.kind === 'ike-sa-init' && e.actor === o.dst) receiverStartedIkeSa ??= e;
    if (t < startOfSearch) continue;
    switch (e.kind) {
      case 'child-delete':
      case 'child-deleted':
        if (!names(e, o.sa)) break;
        if (e.actor === o.dst && receiverStartedIkeSa) return { kind: 'invalid-spi-recovery', at: e.at };
        return { kind: 'delete-notify', at: e.at };
      case 'child-rekeyed':
        if (names(e, o.sa)) return { kind: 'rekey', at: e.at };
        break;
      case 'child-installed':
        if (o.kinds.has('spi-before-install') && names(e, o.sa)) return { kind: 'install-completed', at: e.at };
        break;
      case 'ike-sa-init': {
        if (e.actor === o.dst) break; // wait for the receiver's Delete: invalid SPI recovery
        const dpd = after.some((u) => u.kind === 'ike-unanswered' && u.actor === o.src && u.at.time.sec <= e.at.time.sec);
        return { kind: dpd ? 'dpd-restart' : 'new-ike-sa', at: e.at };
      }
      default:
        break;
    }
  }
  if (receiverStartedIkeSa && receiverStartedIkeSa.at.time.sec + receiverStartedIkeSa.at.time.nsec / 1e9 >= startOfSearch) {
    return { kind: 'new-ike-sa', at: receiverStartedIkeSa.at };
  }
  // Packets in flight on an SA that a rekey had already replaced: the traffic went on over the new SA.
  if (o.sa.replacedBy || o.sa.pair?.replacedBy) {
    const rekey = events.find((e) => e.kind === 'child-rekeyed' && names(e, o.sa));
    if (rekey) return { kind: 'rekey', at: rekey.at };
  }
  return { kind: 'none', at: null };
}

function signatureOf(o: Outage, events: TunnelEvent[]): Signature | null {
  const sa = o.sa;
  // Cisco CSCvp16730: IOS XE dropped inbound packets on SPIs beginning 0xFF that it had installed itself.
  if (sa.spi >>> 24 === 0xff && sa.origin === 'negotiated' && (o.kinds.has('spi-lost') || o.kinds.has('spi-not-installed'))) return 'CSCvp16730';
  // Cisco CSCvn31824: ESP on a new SPI before its negotiation completed, then the receiver deletes that SPI.
  if (o.kinds.has('spi-before-install')) {
    const deleted = events.some((e) => (e.kind === 'child-delete' || e.kind === 'child-deleted') && e.actor === o.dst && e.sas.includes(sa) && secondsBetween(o.first.time, e.at.time) >= 0);
    if (deleted) return 'CSCvn31824';
  }
  return null;
}

function mainKind(kinds: Set<FindingKind>): FindingKind {
  for (const k of ['spi-lost', 'spi-after-delete', 'spi-not-installed', 'spi-before-install'] as const) if (kinds.has(k)) return k;
  return [...kinds][0] ?? 'spi-lost';
}

function dedupeEvidence(list: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const e of list) {
    const key = `${e.kind}|${e.at.input}|${e.at.frame}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
    if (out.length >= MAX_EVIDENCE) break;
  }
  return out;
}
