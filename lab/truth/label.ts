// Labels every ESP packet on the wire from its receiver's point of view.
// Two independent sources decide. The first is the times at which the
// receiver's libipsec added and deleted the inbound SA (SAD lines, or the kill
// time when charon was killed). The second is the receiver's own line for the
// packet: a parsed ESP header, then accepted or "does not belong to an
// installed SA". When they disagree the receiver's line wins, and the packet
// is marked near_boundary. In the recorded runs that happens only within a few
// milliseconds of an install or removal.

import type { Side } from '../network.js';
import type { ChildSaTruth, EspReceipt, SideTruth } from './side.js';
import type { WireEsp } from './tshark.js';

export type EspLabel = 'receiver_has_sa' | 'receiver_already_removed' | 'receiver_never_installed' | 'receiver_not_yet_installed';

/** Distance in seconds from an install or removal within which a packet is near a boundary. */
export const BOUNDARY_SECONDS = 0.005;

export const LABEL_MEANING: Record<EspLabel | 'near_boundary=1', string> = {
  receiver_has_sa: 'the receiving side had this SPI installed inbound (libipsec SAD) when the packet was on the wire',
  receiver_already_removed:
    'the receiver had installed this SPI earlier but it was gone (deleted, rekeyed and expired, or lost in a crash: see removed_how)',
  receiver_never_installed: 'the receiver never had this SPI inbound',
  receiver_not_yet_installed: 'the receiver installed this SPI only later',
  'near_boundary=1': `within ${BOUNDARY_SECONDS * 1000} ms of an install or removal of the SPI at the receiver (log resolution is 1 ms), or the log times and the receiver's own line for the packet disagreed`,
};

export const CSV_HEADER = 'frame,time_epoch,src,dst,spi,seq,sender,receiver,label,receiver_child,near_boundary,removed_how';

export interface LabelledEsp extends WireEsp {
  sender: Side;
  receiver: Side;
  label: EspLabel;
  receiverChild: string;
  nearBoundary: boolean;
  removedHow: string;
  /** Result of the receiver's log line for this packet: accepted, no_sa, another line, or absent. */
  receiverLog: string;
}

interface Interval {
  start: number;
  end: number | null;
  run: number;
  child: ChildSaTruth | undefined;
  removedHow: string;
}

export interface CrossCheck {
  packets_labelled_no_sa_while_charon_up: number;
  charon_logged_no_sa_drops: number;
  packets_without_receiver_line_while_charon_up: number;
  disagreements: { frame: number; by_times: EspLabel; by_receiver_line: string }[];
  agree: boolean;
}

function inboundIntervals(side: SideTruth, spi: string): Interval[] {
  const intervals: Interval[] = [];
  for (const event of side.sad_events) {
    if (event.dir !== 'in' || event.spi !== spi) continue;
    if (event.op === 'add') {
      const child = side.child_sas.find((candidate) => candidate.run === event.run && candidate.spi_in === spi);
      intervals.push({ start: event.t, end: null, run: event.run, child, removedHow: '' });
    } else {
      const open = intervals.find((interval) => interval.end === null && interval.run === event.run);
      if (open) {
        open.end = event.t;
        open.removedHow = event.how ?? open.child?.inbound_removed_by ?? open.child?.end_reason ?? 'deleted';
      }
    }
  }
  return intervals;
}

/** Finds the interval with an install or removal closest to `t`. */
function nearestInterval(intervals: Interval[], t: number): Interval | undefined {
  let best: Interval | undefined;
  let bestDistance = Infinity;
  for (const interval of intervals) {
    const distance = Math.min(Math.abs(interval.start - t), interval.end === null ? Infinity : Math.abs(interval.end - t));
    if (distance < bestDistance) {
      best = interval;
      bestDistance = distance;
    }
  }
  return best;
}

function labelByTimes(intervals: Interval[], t: number): { label: EspLabel; interval?: Interval } {
  const inside = intervals.find((interval) => interval.start <= t && (interval.end === null || t < interval.end));
  if (inside) return { label: 'receiver_has_sa', interval: inside };
  const removed = intervals.filter((interval) => interval.end !== null && interval.end <= t);
  if (removed.length > 0) return { label: 'receiver_already_removed', interval: removed[removed.length - 1] };
  const later = intervals.find((interval) => interval.start > t);
  if (later) return { label: 'receiver_not_yet_installed', interval: later };
  return { label: 'receiver_never_installed' };
}

/** Returns whether the side's charon was running at `t`, so that its log covers the instant. */
function charonUp(side: SideTruth, t: number): boolean {
  return side.charon_runs.some((run) => run.start <= t && (run.end === null || t <= run.end));
}

function receiptFor(receipts: EspReceipt[], packet: WireEsp, used: Set<EspReceipt>): EspReceipt | undefined {
  let best: EspReceipt | undefined;
  for (const receipt of receipts) {
    if (used.has(receipt) || receipt.spi !== packet.spi || receipt.seq !== packet.seq) continue;
    const distance = Math.abs(receipt.t - packet.time);
    if (distance > 2) continue;
    if (!best || distance < Math.abs(best.t - packet.time)) best = receipt;
  }
  return best;
}

export function labelEspPackets(
  packets: readonly WireEsp[],
  sides: Record<Side, SideTruth>,
  addresses: Record<Side, string>,
): { labelled: LabelledEsp[]; crossCheck: Record<Side, CrossCheck>; problems: string[] } {
  const problems: string[] = [];
  const labelled: LabelledEsp[] = [];
  const crossCheck: Record<Side, CrossCheck> = {
    a: emptyCrossCheck(sides.a),
    b: emptyCrossCheck(sides.b),
  };
  const used = new Set<EspReceipt>();
  const intervalCache = new Map<string, Interval[]>();

  for (const packet of packets) {
    const receiver = (['a', 'b'] as const).find((side) => addresses[side] === packet.dst);
    const sender = (['a', 'b'] as const).find((side) => addresses[side] === packet.src);
    if (!receiver || !sender) {
      problems.push(`frame ${packet.frame}: ESP between unknown addresses ${packet.src} -> ${packet.dst}`);
      continue;
    }
    const side = sides[receiver];
    const cacheKey = `${receiver}:${packet.spi}`;
    let intervals = intervalCache.get(cacheKey);
    if (!intervals) {
      intervals = inboundIntervals(side, packet.spi);
      intervalCache.set(cacheKey, intervals);
    }

    const byTimes = labelByTimes(intervals, packet.time);
    let label = byTimes.label;
    let interval = byTimes.interval;
    let nearBoundary = intervals.some(
      (candidate) =>
        Math.abs(candidate.start - packet.time) < BOUNDARY_SECONDS ||
        (candidate.end !== null && Math.abs(candidate.end - packet.time) < BOUNDARY_SECONDS),
    );

    const up = charonUp(side, packet.time);
    const receipt = receiptFor(side.esp_receipts, packet, used);
    if (receipt) used.add(receipt);
    const receiverLog = receipt?.result ?? 'absent';
    const check = crossCheck[receiver];
    if (up && label !== 'receiver_has_sa') check.packets_labelled_no_sa_while_charon_up += 1;
    if (up && !receipt) check.packets_without_receiver_line_while_charon_up += 1;

    if (receipt) {
      const acceptedByLog = receipt.result === 'accepted';
      if (acceptedByLog !== (label === 'receiver_has_sa')) {
        check.disagreements.push({ frame: packet.frame, by_times: label, by_receiver_line: receipt.result });
        nearBoundary = true;
        if (acceptedByLog) {
          label = 'receiver_has_sa';
          interval = nearestInterval(intervals, packet.time) ?? interval;
        } else if (interval && label === 'receiver_has_sa') {
          // Dropped although the log times say installed: the packet lies just
          // after the logged install or just before the logged removal.
          const sinceStart = packet.time - interval.start;
          const untilEnd = interval.end === null ? Infinity : interval.end - packet.time;
          label = sinceStart <= untilEnd ? 'receiver_not_yet_installed' : 'receiver_already_removed';
        }
      }
    }

    labelled.push({
      ...packet,
      sender,
      receiver,
      label,
      receiverChild: label === 'receiver_has_sa' && interval?.child ? `${interval.child.run}/${interval.child.uid}` : '',
      nearBoundary,
      removedHow: label === 'receiver_already_removed' ? (interval?.removedHow ?? '') : '',
      receiverLog,
    });
  }

  for (const side of ['a', 'b'] as const) {
    const check = crossCheck[side];
    check.agree = check.disagreements.length === 0 && check.packets_labelled_no_sa_while_charon_up === check.charon_logged_no_sa_drops;
  }
  return { labelled, crossCheck, problems };
}

function emptyCrossCheck(side: SideTruth): CrossCheck {
  return {
    packets_labelled_no_sa_while_charon_up: 0,
    charon_logged_no_sa_drops: side.esp_receipts.filter((receipt) => receipt.result === 'no_sa').length,
    packets_without_receiver_line_while_charon_up: 0,
    disagreements: [],
    agree: true,
  };
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function toCsv(labelled: readonly LabelledEsp[]): string {
  const rows = labelled.map((packet) =>
    [
      String(packet.frame), packet.timeText, packet.src, packet.dst, packet.spi, String(packet.seq), packet.sender,
      packet.receiver, packet.label, packet.receiverChild, packet.nearBoundary ? '1' : '0', packet.removedHow,
    ].map(csvField).join(','),
  );
  return `${[CSV_HEADER, ...rows].join('\n')}\n`;
}
