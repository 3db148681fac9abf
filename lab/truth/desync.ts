// Groups the ESP packets a receiver could not accept into outages, one per
// (source, destination, SPI), and derives from the sender's log how each ended.
// Used for a lab run's truth.json and by the tests for any run folder,
// including those recorded before this file existed.

/** The fields of an esp-packets.csv row this module needs. */
export interface EspRow {
  frame: number;
  time: number;
  src: string;
  dst: string;
  spi: string;
  sender: string;
  receiver: string;
  label: string;
}

/** The fields of a truth.json CHILD_SA this module needs. */
export interface ChildSaSummary {
  spi_in: string;
  spi_out: string;
  end_reason: string;
}

export type RecoveryKind = 'delete-notify' | 'invalid-spi-recovery' | 'dpd-restart' | 'rekey' | 'new-ike-sa' | 'none';

export interface ExpectedDesync {
  spi: string;
  src: string;
  dst: string;
  sender: string;
  receiver: string;
  packets: number;
  firstFrame: number;
  lastFrame: number;
  durationSeconds: number;
  /** At least this long: an outage shorter than the transient window could be judged transient. */
  persistent: boolean;
  /**
   * Recovery kinds consistent with the sender's log, or null when the outage
   * ended because the receiver installed the SA (every packet was labelled
   * receiver_not_yet_installed), which no recovery kind describes.
   */
  recovery: RecoveryKind[] | null;
  senderEndReason: string;
}

/** The transient window of the report contract: outages near an SA change and shorter than this are transient. */
export const TRANSIENT_WINDOW_SECONDS = 2;

/**
 * Maps how the sender's CHILD_SA for the lost SPI ended to the recovery kinds
 * a correct analyzer may report:
 * - rekeyed: the stale SA was replaced by a rekey;
 * - destroyed after DPD gave up: the sender's DPD declared the peer dead and
 *   rebuilt the IKE_SA (dpd_action restart);
 * - deleted by a DELETE from the peer: the receiver sent a Delete;
 * - still installed at the end: no recovery in the capture.
 */
export function recoveryKinds(endReason: string): RecoveryKind[] {
  if (/^rekeyed/.test(endReason)) return ['rekey'];
  if (/DPD/.test(endReason)) return ['dpd-restart'];
  if (/DELETE exchange, sent by the peer/.test(endReason)) return ['delete-notify', 'invalid-spi-recovery'];
  if (/DELETE exchange/.test(endReason)) return ['delete-notify', 'new-ike-sa'];
  if (/still installed|shutdown/.test(endReason)) return ['none'];
  return ['new-ike-sa', 'none'];
}

export function expectedDesyncs(rows: readonly EspRow[], senderChildren: (sender: string) => readonly ChildSaSummary[]): ExpectedDesync[] {
  const groups = new Map<string, EspRow[]>();
  for (const row of rows) {
    if (row.label === 'receiver_has_sa') continue;
    const key = `${row.src}>${row.dst}:${row.spi}`;
    const group = groups.get(key) ?? [];
    group.push(row);
    groups.set(key, group);
  }

  const outages: ExpectedDesync[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    const last = group[group.length - 1];
    if (!first || !last) continue;
    const child = senderChildren(first.sender).find((candidate) => candidate.spi_out === first.spi);
    const endReason = child?.end_reason ?? 'unknown';
    const durationSeconds = last.time - first.time;
    outages.push({
      spi: first.spi,
      src: first.src,
      dst: first.dst,
      sender: first.sender,
      receiver: first.receiver,
      packets: group.length,
      firstFrame: first.frame,
      lastFrame: last.frame,
      durationSeconds: Number(durationSeconds.toFixed(6)),
      persistent: durationSeconds > TRANSIENT_WINDOW_SECONDS,
      recovery: group.every((row) => row.label === 'receiver_not_yet_installed') ? null : recoveryKinds(endReason),
      senderEndReason: endReason,
    });
  }
  return outages;
}
