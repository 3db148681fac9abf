// Finding records. The tracker fills kinds and data; reporters add wording
// from the catalog in src/report/catalog.ts.

import type { FrameRef, Spi } from '../types.js';
import type { IpsecProtocol } from './events.js';

export const FINDING_KINDS = [
  'spi-not-installed',
  'spi-after-delete',
  'spi-lost',
  'spi-before-install',
  'desync',
  'invalid-spi-notify',
  'invalid-spi-notify-rejected',
  'child-sa-not-found',
  'ike-undecryptable',
  'ike-integrity-failed',
  'ike-unanswered',
  'reserved-spi',
  'ff-prefixed-spi',
  'spi-unknown-origin',
] as const;

export type FindingKind = (typeof FINDING_KINDS)[number];
export type Severity = 'error' | 'warning' | 'info';

/** Kinds whose frames[] are flagged packets: sent on an SPI the receiver did not have. */
export const FLAGGING_KINDS: ReadonlySet<FindingKind> = new Set(['spi-not-installed', 'spi-after-delete', 'spi-lost', 'spi-before-install']);

export const BASE_SEVERITY: Record<FindingKind, Severity> = {
  'spi-not-installed': 'error',
  'spi-after-delete': 'error',
  'spi-lost': 'error',
  'spi-before-install': 'warning',
  desync: 'error',
  'invalid-spi-notify': 'warning',
  'invalid-spi-notify-rejected': 'error',
  'child-sa-not-found': 'warning',
  'ike-undecryptable': 'warning',
  'ike-integrity-failed': 'warning',
  'ike-unanswered': 'info',
  'reserved-spi': 'warning',
  'ff-prefixed-spi': 'info',
  'spi-unknown-origin': 'info',
};

/** How an outage ended; 'install-completed' ends an outage of packets sent before their SA was installed. */
export type RecoveryKind = 'delete-notify' | 'invalid-spi-recovery' | 'dpd-restart' | 'rekey' | 'new-ike-sa' | 'install-completed' | 'none';

export type Signature = 'CSCvp16730' | 'CSCvd40554' | 'CSCvn31824';

/** Something on the wire that supports a finding. */
export interface Evidence {
  kind:
    | 'icmp-error'
    | 'ike-unanswered'
    | 'ike-answered-esp-silent'
    | 'new-ike-sa'
    | 'initial-contact'
    | 'invalid-spi'
    | 'child-sa-not-found'
    | 'reverse-silent'
    | 'informational-after-burst'
    | 'delete'
    | 'ike-sa-deleted';
  at: FrameRef;
  /** Short machine-readable detail, e.g. "port unreachable" or "INFORMATIONAL MID 2". */
  detail: string;
}

export interface Finding {
  id: string;
  kind: FindingKind;
  severity: Severity;
  protocol: IpsecProtocol | null;
  spi: Spi | null;
  src: string | null;
  dst: string | null;
  first: FrameRef | null;
  last: FrameRef | null;
  packets: number;
  /** [input, frame] of every packet behind a packet-level finding; IKE frames for IKE findings. */
  frames: [number, number][];
  classification: 'transient' | 'persistent' | null;
  durationSeconds: number | null;
  packetsLost: number | null;
  recovery: { kind: RecoveryKind; at: FrameRef | null } | null;
  signature: Signature | null;
  certainty: 'certain' | 'inferred';
  evidence: Evidence[];
  /** The IKE SA the finding concerns, "<SPIi>/<SPIr>". */
  ikeSa: string | null;
  /** A key that would make an inferred finding certain (never key material itself). */
  keyHint: string | null;
  /** Ids of findings this one summarises or is summarised by. */
  related: string[];
  /** Values the message templates use (exchange names, notify encodings...). */
  details: Record<string, string | number | boolean | null>;
}

/** A finding with nothing filled in but its kind and severity. */
export function blankFinding(id: string, kind: FindingKind): Finding {
  return {
    id,
    kind,
    severity: BASE_SEVERITY[kind],
    protocol: null,
    spi: null,
    src: null,
    dst: null,
    first: null,
    last: null,
    packets: 0,
    frames: [],
    classification: null,
    durationSeconds: null,
    packetsLost: null,
    recovery: null,
    signature: null,
    certainty: 'certain',
    evidence: [],
    ikeSa: null,
    keyHint: null,
    related: [],
    details: {},
  };
}
