// The records one side's ground truth is made of, as truth.json writes them.
// Field names are snake_case because they are truth.json's keys.

export type Direction = 'in' | 'out';

/** One charon process, from its start line to the lab's kill or stop. */
export interface CharonRun {
  start: number;
  pid: number | null;
  end: number | null;
  end_how: string;
}

/** IKE key material as charon logged it, lowercase hex. */
export interface IkeKeys {
  sk_d?: string;
  sk_ai?: string;
  sk_ar?: string;
  sk_ei?: string;
  sk_er?: string;
  sk_pi?: string;
  sk_pr?: string;
  /** IKEv1: the encryption key Ka (Wireshark's IKEv1 table). */
  ka?: string;
}

/** ESP keys of a CHILD_SA; "i" keys protect traffic from the exchange initiator. */
export interface ChildKeys {
  encr_i?: string;
  encr_r?: string;
  integ_i?: string;
  integ_r?: string;
}

/** One IKE_SA (or ISAKMP SA) as one side saw it. */
export interface IkeSaTruth {
  run: number;
  uid: number;
  name: string;
  version: 1 | 2;
  spi_i: string;
  spi_r: string;
  local_role: 'initiator' | 'responder';
  created: number | null;
  established: number | null;
  deleted: number | null;
  end_reason: string;
  rekeyed_from_uid: number | null;
  proposal: string | null;
  states: [number, string][];
  keys: IkeKeys;
  keys_logged: number | null;
}

/** One CHILD_SA as one side saw it, with the libipsec install and removal times. */
export interface ChildSaTruth {
  run: number;
  uid: number;
  name: string;
  ike_uid: number | null;
  ike_uids: number[];
  spi_in: string;
  spi_out: string;
  exchange_initiator: boolean | null;
  created_by_exchange: string | null;
  proposal: string | null;
  ts_local: string;
  ts_remote: string;
  established: number | null;
  inbound_installed: number | null;
  outbound_installed: number | null;
  inbound_removed: number | null;
  outbound_removed: number | null;
  inbound_removed_by: string | null;
  outbound_removed_by: string | null;
  closing: number | null;
  end_reason: string;
  states: [number, string][];
  keys: ChildKeys;
}

/** One libipsec SAD add or delete. */
export interface SadEvent {
  t: number;
  op: 'add' | 'delete';
  dir: Direction;
  spi: string;
  run: number;
  reqid?: number;
  /** Reason for a removal charon did not log itself (SIGKILL, shutdown flush). */
  how?: string;
}

/** One inbound ESP packet charon parsed, and what became of it. */
export interface EspReceipt {
  t: number;
  spi: string;
  seq: number;
  run: number;
  /** "accepted", "no_sa" (does not belong to an installed SA) or the rejecting line. */
  result: string;
}

/** One IKE message charon generated (out) or parsed (in), with its payload list. */
export interface IkeMessageLog {
  t: number;
  run: number;
  dir: Direction;
  exchange: string;
  request: boolean;
  mid: number;
  payloads: string;
  ike_uid: number | null;
}

/** One IKE packet charon sent ("sending packet" line), with the message it carried. */
export interface IkeSend {
  t: number;
  run: number;
  bytes: number;
  /** Index into ike_messages of the message sent, or null when it was not logged. */
  message: number | null;
  /** 0 for the first transmission, n for the n-th retransmission. */
  retransmit: number;
}

/** A log line worth reading in order: starts, establishments, rekeys, DELETEs, DPD. */
export interface TimelineEntry {
  t: number;
  text: string;
}

/** Everything one side's log shows. */
export interface SideTruth {
  charon_runs: CharonRun[];
  ike_sas: IkeSaTruth[];
  child_sas: ChildSaTruth[];
  sad_events: SadEvent[];
  esp_receipts: EspReceipt[];
  ike_messages: IkeMessageLog[];
  ike_sends: IkeSend[];
  timeline: TimelineEntry[];
  problems: string[];
}

/** Facts about a charon run that its log cannot contain. */
export interface RunFacts {
  pid: number | null;
  /** Time the lab sent SIGKILL, or null. */
  killedAt: number | null;
  /** Time the lab sent SIGTERM, or null. */
  stoppedAt: number | null;
}
