// How each SA of a charon run ended, once the whole log has been read. End
// times come from the SAD deletes, or from the kill time. End reasons come
// from what the run's log showed about rekeys, DELETEs, DPD and forced
// destruction.

import type { RunState } from './run-state.js';
import type { Direction, SideTruth } from './side-types.js';

export const KILL_REASON = 'daemon exit: SIGKILL (crash simulated, no cleanup, no DELETE sent)';
export const SHUTDOWN_REASON = 'daemon shutdown (SIGTERM)';

export function openSadEntries(truth: SideTruth, runIndex: number): { dir: Direction; spi: string }[] {
  const open = new Map<string, Direction>();
  for (const event of truth.sad_events) {
    if (event.run !== runIndex) continue;
    const key = `${event.dir}:${event.spi}`;
    if (event.op === 'add') open.set(key, event.dir);
    else open.delete(key);
  }
  return [...open.entries()].map(([key, dir]) => ({ dir, spi: key.slice(3) }));
}

/** Fills end times and reasons once a run's log has been read. */
export function finishRun(run: RunState, truth: SideTruth, runEnd: number | null, killed: boolean): void {
  if (killed && runEnd !== null) {
    for (const open of openSadEntries(truth, run.index)) {
      truth.sad_events.push({ t: runEnd, op: 'delete', dir: open.dir, spi: open.spi, run: run.index, how: KILL_REASON });
    }
  }

  for (const sa of run.ikeSas.values()) {
    const flags = run.ikeFlag(sa.uid);
    if (sa.deleted === null && killed && runEnd !== null) {
      sa.deleted = runEnd;
      sa.end_reason = KILL_REASON;
    } else if (flags.rekeyed) {
      sa.end_reason = 'rekeyed';
    } else if (flags.forced) {
      sa.end_reason = 'destroyed with force before a response to its DELETE arrived (the DELETE got no answer)';
    } else if (flags.gaveUp) {
      sa.end_reason = flags.dpd
        ? 'peer unreachable: gave up after DPD retransmits, destroyed without DELETE'
        : 'peer unreachable: gave up after retransmits, destroyed without DELETE';
    } else if (flags.deleteSent) {
      sa.end_reason = 'deleted (DELETE exchange, sent by this side)';
    } else if (flags.deleteReceived) {
      sa.end_reason = 'deleted (DELETE exchange, sent by the peer)';
    } else if (sa.deleted !== null) {
      sa.end_reason = 'destroyed without DELETE';
    } else {
      sa.end_reason = 'still established when the log ends';
    }
    truth.ike_sas.push(sa);
  }

  for (const child of run.children.values()) {
    if (!child.spi_in) continue;
    const flags = run.childFlag(child.uid);
    const sad = truth.sad_events.filter((event) => event.run === run.index);
    const inbound = sad.filter((event) => event.spi === child.spi_in && event.dir === 'in');
    const outbound = sad.filter((event) => event.spi === child.spi_out && event.dir === 'out');
    child.inbound_installed = inbound.find((event) => event.op === 'add')?.t ?? null;
    child.outbound_installed = outbound.find((event) => event.op === 'add')?.t ?? null;
    const inboundRemoved = inbound.find((event) => event.op === 'delete');
    const outboundRemoved = outbound.find((event) => event.op === 'delete');
    child.inbound_removed = inboundRemoved?.t ?? null;
    child.outbound_removed = outboundRemoved?.t ?? null;
    const ike = child.ike_uids.length > 0 ? run.ikeSas.get(child.ike_uids[child.ike_uids.length - 1] ?? -1) : undefined;

    if (inboundRemoved?.how === KILL_REASON) {
      child.end_reason = 'charon killed (SIGKILL); SA vanished without DELETE';
    } else if (flags.rekeyed) {
      child.end_reason = 'rekeyed';
    } else if (flags.deleteSent || flags.deleteReceived) {
      child.end_reason = `deleted (DELETE exchange, sent by ${flags.deleteSent ? 'this side' : 'the peer'})`;
    } else if (ike && ike.end_reason.startsWith('peer unreachable')) {
      child.end_reason = 'destroyed with its IKE_SA after DPD gave up (peer unreachable)';
    } else if (inboundRemoved?.how === SHUTDOWN_REASON) {
      child.end_reason = SHUTDOWN_REASON;
    } else if (child.inbound_removed !== null) {
      child.end_reason = 'destroyed with its IKE_SA';
    } else {
      child.end_reason = 'still installed when the log ends';
    }
    child.inbound_removed_by = inboundRemoved ? (inboundRemoved.how ?? child.end_reason) : null;
    child.outbound_removed_by = outboundRemoved ? (outboundRemoved.how ?? child.end_reason) : null;
    truth.child_sas.push(child);
  }
}
