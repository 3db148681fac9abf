// What one analysis produces, before any reporter formats it.

import type { CaptureInfo } from '../capture/types.js';
import type { IkeMessageSummary } from '../ike/summary.js';
import type { IkeMessage } from '../ike/types.js';
import type { ChildSa } from '../sa/child-sa.js';
import type { Finding } from '../sa/findings.js';
import type { Tunnel } from '../sa/tunnel.js';
import type { Anomaly, FrameRef } from '../types.js';

/** IKE SA as the report lists it (ikeSas[] of the JSON contract). */
export interface IkeSaSummary {
  version: 1 | 2;
  initiatorSpi: string;
  responderSpi: string;
  /** "ip:port" of the initiator and responder as last seen. */
  initiator: string;
  responder: string;
  established: FrameRef | null;
  deleted: FrameRef | null;
  /** True when every encrypted message of the SA was decrypted; false when none was; "partial" otherwise. */
  decrypted: boolean | 'partial';
  messages: number;
  encryptedMessages: number;
  decryptedMessages: number;
  /** The IKE SA this one replaced by a rekey, "<SPIi>/<SPIr>". */
  rekeyOf: string | null;
  /** A key line that would let it be decrypted, when it was not. */
  keyHint: string | null;
  /** Requests that were never answered. */
  unanswered: number;
  retransmissions: number;
}

/** Counts of IKE datagrams per IKE SA and direction, for the `analyze` table. */
export interface IkeDatagramRow {
  initiatorSpi: string;
  responderSpi: string;
  src: string;
  dst: string;
  version: 1 | 2;
  datagrams: number;
  bytes: number;
  first: FrameRef;
  last: FrameRef;
  exchanges: Record<string, number>;
}

export interface AnalysisCounts {
  frames: number;
  espPackets: number;
  ahPackets: number;
  ikeMessages: number;
  ikeDecrypted: number;
  ikeUndecryptable: number;
  keepalives: number;
  icmpErrors: number;
  notDecoded: Record<string, number>;
  anomalies: number;
}

export interface AnalysisResult {
  inputs: CaptureInfo[];
  counts: AnalysisCounts;
  ikeSas: IkeSaSummary[];
  ikeDatagrams: IkeDatagramRow[];
  childSas: ChildSa[];
  tunnels: Tunnel[];
  findings: Finding[];
  /** Every IKE message as a compact record, when the analysis was asked to keep them. */
  ikeMessages: IkeMessageSummary[];
  /** Every IKE message fully parsed, only when asked for (the --ike payload trees). */
  ikeParsed: IkeMessage[];
  anomalies: Anomaly[];
  /** Anomalies beyond the kept ones, counted only. */
  anomaliesDropped: number;
  /** Key files that were loaded and skipped. */
  keys: { loaded: string[]; skipped: { path: string; reason: string }[] } | null;
}
