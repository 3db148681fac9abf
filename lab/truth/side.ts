// Builds one side's ground truth from its charon log. It lists each charon
// run, each IKE_SA and CHILD_SA with SPIs, keys and states, and every SAD add
// and delete of libipsec (the datapath truth). It also lists every inbound ESP
// packet charon parsed, whether charon found an SA for it, and the IKE
// messages charon sent and received. Only log lines are used, except for what
// charon cannot log: the lab's events.jsonl gives the time it was killed.

import type { LogEntry } from './charon-log.js';
import { finishRun, openSadEntries, SHUTDOWN_REASON } from './side-end.js';
import { RunState, type ChildKeyBatch, type ThreadState } from './run-state.js';
import type { ChildKeys, ChildSaTruth, IkeKeys, RunFacts, SideTruth } from './side-types.js';

export type * from './side-types.js';

const IKE_KEY_LABELS: Record<string, keyof IkeKeys> = {
  'Sk_d secret': 'sk_d',
  'Sk_ai secret': 'sk_ai',
  'Sk_ar secret': 'sk_ar',
  'Sk_ei secret': 'sk_ei',
  'Sk_er secret': 'sk_er',
  'Sk_pi secret': 'sk_pi',
  'Sk_pr secret': 'sk_pr',
  'encryption key Ka': 'ka',
};
const CHILD_KEY_LABELS: Record<string, keyof ChildKeys> = {
  'encryption initiator key': 'encr_i',
  'encryption responder key': 'encr_r',
  'integrity initiator key': 'integ_i',
  'integrity responder key': 'integ_r',
};

const TIMELINE = [
  /^Starting IKE charon daemon/,
  /^SIGTERM received/,
  /initiating (an |a )?(Main Mode )?IKE_SA/,
  /is initiating/,
  /^IKE_SA \S+\[\d+\] (established|rekeyed) between/,
  /^(inbound |outbound )?CHILD_SA \S+\{\d+\} established with SPIs/,
  /^establishing CHILD_SA/,
  /^scheduling (rekeying|reauthentication|delete)/,
  /^creating (rekey|delete) job/,
  /^(sending|received) DELETE/,
  /^(sending|received) DPD/,
  /^(sending|received) INVALID/,
  /^closing CHILD_SA/,
  /^deleting IKE_SA/,
  /^IKE_SA deleted/,
  /^CHILD_SA closed/,
  /^retransmit \d+ of request/,
  /^giving up after/,
  /^destroying IKE_SA/,
  /^restarting CHILD_SA/,
  /^(rekeying|reauthenticating)/,
  /^DPD/,
  /no IKE_SA found|ignoring|unable to|failed/i,
];

const RE = {
  start: /^Starting IKE charon daemon/,
  createdIke: /^created IKE_SA (\S+)\[(\d+)\]/,
  ikeSpis: /IKEv([12]) SA (\S+)\[(\d+)\] with SPIs ([0-9a-f]{16})_i ([0-9a-f]{16})_r/,
  ikeState: /^IKE_SA (\S+)\[(\d+)\] state change: (\S+) => (\S+)/,
  initiating: /^initiating (?:Main Mode |Aggressive Mode )?IKE_SA (\S+)\[(\d+)\]/,
  rekeyedBetween: /^IKE_SA (\S+)\[(\d+)\] rekeyed between/,
  ikeDelete: /^(sending|received) DELETE for IKE_SA (\S+)\[(\d+)\]/,
  givingUp: /^giving up after \d+ retransmits/,
  destroyedUnnotified: /^destroying IKE_SA in state \S+ without notification/,
  dpd: /^sending DPD request/,
  selectedProposal: /^selected proposal: (IKE|ESP):(\S+)/,
  parsedOrGenerated: /^(parsed|generating) (\S+) (request|response) (\d+) \[ ?(.*?) ?\]$/,
  childState: /^CHILD_SA (\S+)\{(\d+)\} state change: (\S+) => (\S+)/,
  childEstablished: /^(?:(inbound|outbound) )?CHILD_SA (\S+)\{(\d+)\} established with SPIs ([0-9a-f]{8})_i ([0-9a-f]{8})_o and TS (.+?) === (.+)$/,
  childClosing: /^closing CHILD_SA (\S+)\{(\d+)\} with SPIs ([0-9a-f]{8})_i/,
  childDelete: /^(sending|received) DELETE for (?:ESP|AH) CHILD_SA with SPI ([0-9a-f]{8})/,
  childMention: /CHILD_SA (\S+)\{(\d+)\}/,
  addingSa: /^adding (inbound|outbound) (?:ESP|AH) SA$/,
  sadAdd: /^adding SAD entry with SPI ([0-9a-f]{8}) and reqid \{(\d+)\}/,
  sadDelete: /^deleted (inbound|outbound) SAD entry with SPI ([0-9a-f]{8})/,
  sadFlush: /^flushing SAD$/,
  espParsed: /^parsed ESP header with SPI ([0-9a-f]{8}) \[seq (\d+)\]/,
  sendingPacket: /^sending packet: from \S+ to \S+ \((\d+) bytes\)/,
  retransmit: /^retransmit (\d+) of request with message ID (\d+)/,
  retransmitResponse: /^received retransmit of request with ID (\d+), retransmitting response/,
  noSa: /does not belong to an installed SA/,
  sigterm: /^SIGTERM received/,
};

/** Reads one side's entries into its ground truth. `runs` gives the lab's facts per charon run, in order. */
export function buildSideTruth(entries: readonly LogEntry[], runs: readonly RunFacts[]): SideTruth {
  const truth: SideTruth = {
    charon_runs: [], ike_sas: [], child_sas: [], sad_events: [], esp_receipts: [], ike_messages: [], ike_sends: [], timeline: [],
    problems: [],
  };
  let run: RunState | undefined;
  const runStates: RunState[] = [];

  for (const entry of entries) {
    if (RE.start.test(entry.text)) {
      if (run) flushEspParses(run, truth);
      run = new RunState(runStates.length);
      runStates.push(run);
      const facts = runs[run.index];
      truth.charon_runs.push({ start: entry.time, pid: facts?.pid ?? null, end: null, end_how: '' });
    }
    if (!run) continue;
    if (TIMELINE.some((pattern) => pattern.test(entry.text))) truth.timeline.push({ t: entry.time, text: contextual(entry) });
    readEntry(run, entry, truth);
  }

  if (run) flushEspParses(run, truth);
  for (const state of runStates) {
    const facts = runs[state.index];
    const record = truth.charon_runs[state.index];
    if (!record) continue;
    if (facts?.killedAt != null) {
      record.end = facts.killedAt;
      record.end_how = 'SIGKILL (crash simulated, no cleanup, no DELETE sent)';
    } else if (facts?.stoppedAt != null) {
      record.end = facts.stoppedAt;
      record.end_how = 'SIGTERM (graceful shutdown)';
    }
    finishRun(state, truth, record.end, facts?.killedAt != null);
  }
  if (runs.length !== runStates.length) {
    truth.problems.push(`log shows ${runStates.length} charon runs, the lab started ${runs.length}`);
  }
  return truth;
}

function contextual(entry: LogEntry): string {
  return entry.ikeUid !== undefined ? `<${entry.ikeName ?? ''}|${entry.ikeUid}> ${entry.text}` : entry.text;
}

/**
 * Settles ESP headers whose thread logged nothing more: libipsec writes the
 * "does not belong to an installed SA" line right after the header line, so
 * a header with no following line was accepted.
 */
function flushEspParses(run: RunState, truth: SideTruth): void {
  for (const thread of run.threads.values()) {
    const parse = thread.espParse;
    if (!parse) continue;
    truth.esp_receipts.push({ t: parse.t, spi: parse.spi, seq: parse.seq, run: run.index, result: 'accepted' });
    thread.espParse = undefined;
  }
}

function readEntry(run: RunState, entry: LogEntry, truth: SideTruth): void {
  const text = entry.text;
  const thread = run.thread(entry.thread);
  const t = entry.time;
  let match: RegExpExecArray | null;

  // A parsed ESP header is settled by the next line of the same thread.
  if (thread.espParse) {
    const parse = thread.espParse;
    thread.espParse = undefined;
    let result = 'accepted';
    if (RE.noSa.test(text)) result = 'no_sa';
    else if (entry.group === 'ESP' && /failed|invalid|replay|error|discard/i.test(text)) result = text;
    truth.esp_receipts.push({ t: parse.t, spi: parse.spi, seq: parse.seq, run: run.index, result });
    if (result !== 'accepted') return;
  }

  if ((match = RE.espParsed.exec(text))) {
    thread.espParse = { t, spi: match[1] ?? '', seq: Number(match[2]) };
    return;
  }

  // Key dumps.
  if (entry.dumpLabel !== undefined && entry.dump !== undefined) {
    const ikeKey = IKE_KEY_LABELS[entry.dumpLabel];
    if (ikeKey) {
      if (!thread.ikeKeys || thread.ikeKeys.complete) {
        thread.ikeKeys = { keys: {}, time: t, contextUid: entry.ikeUid ?? null, proposal: thread.ikeProposal, complete: false };
      }
      thread.ikeKeys.keys[ikeKey] = entry.dump;
      if (ikeKey === 'sk_pr' || ikeKey === 'ka') thread.ikeKeys.complete = true;
      return;
    }
    const childKey = CHILD_KEY_LABELS[entry.dumpLabel];
    if (childKey) {
      if (!thread.childKeys || childKey === 'encr_i') {
        const parsed = thread.lastParsed;
        const batch: ChildKeyBatch = {
          keys: {},
          time: t,
          contextUid: entry.ikeUid ?? null,
          exchangeInitiator: parsed ? !parsed.request : null,
          createdBy: parsed ? `${parsed.exchange} mid ${parsed.mid}` : null,
          proposal: thread.espProposal ?? null,
        };
        thread.childKeys = batch;
        if (batch.contextUid !== null) {
          const queue = run.pendingChildKeysByIke.get(batch.contextUid) ?? [];
          queue.push(batch);
          run.pendingChildKeysByIke.set(batch.contextUid, queue);
        }
      }
      thread.childKeys.keys[childKey] = entry.dump;
      return;
    }
  }

  if (/^checkout /.test(text)) {
    // A worker thread checks out an IKE_SA for each message or job it handles:
    // what it selected or parsed for an earlier one no longer applies.
    thread.ikeProposal = undefined;
    thread.espProposal = undefined;
    thread.lastParsed = undefined;
    thread.addingDir = undefined;
  }
  if ((match = RE.ikeSpis.exec(text))) {
    const uid = Number(match[3]);
    const sa = run.ike(uid, match[2]);
    sa.version = match[1] === '1' ? 1 : 2;
    if (match[4] && !/^0+$/.test(match[4])) sa.spi_i = match[4];
    if (match[5] && !/^0+$/.test(match[5])) sa.spi_r = match[5];
    // The first check-in after a key derivation on this thread names the IKE_SA the keys belong to.
    if (thread.ikeKeys?.complete && /^checkin /.test(text)) {
      sa.keys = thread.ikeKeys.keys;
      sa.keys_logged = thread.ikeKeys.time;
      if (thread.ikeKeys.proposal) sa.proposal = thread.ikeKeys.proposal;
      thread.ikeKeys = undefined;
    }
    return;
  }
  if ((match = RE.createdIke.exec(text))) {
    const sa = run.ike(Number(match[2]), match[1]);
    sa.created ??= t;
    return;
  }
  if ((match = RE.initiating.exec(text))) {
    const sa = run.ike(Number(match[2]), match[1]);
    sa.local_role = 'initiator';
    return;
  }
  if ((match = RE.ikeState.exec(text))) {
    const uid = Number(match[2]);
    const sa = run.ike(uid, match[1]);
    const to = match[4] ?? '';
    sa.states.push([t, to]);
    if (to === 'ESTABLISHED' && sa.established === null) sa.established = t;
    if (to === 'REKEYED') run.ikeFlag(uid).rekeyed = true;
    if (to === 'DESTROYING') sa.deleted = t;
    return;
  }
  if ((match = RE.rekeyedBetween.exec(text))) {
    const sa = run.ike(Number(match[2]), match[1]);
    if (entry.ikeUid !== undefined && entry.ikeUid !== sa.uid) sa.rekeyed_from_uid = entry.ikeUid;
    sa.established ??= t;
    return;
  }
  if ((match = RE.ikeDelete.exec(text))) {
    // The first DELETE decides who deleted: a DELETE request comes first, the
    // response's DELETE payload (RFC 7296 section 1.4.1) second.
    const flags = run.ikeFlag(Number(match[3]));
    if (!flags.deleteSent && !flags.deleteReceived) {
      if (match[1] === 'sending') flags.deleteSent = true;
      else flags.deleteReceived = true;
    }
    return;
  }
  if (RE.destroyedUnnotified.test(text) && entry.ikeUid !== undefined) {
    run.ikeFlag(entry.ikeUid).forced = true;
    return;
  }
  if (RE.givingUp.test(text) && entry.ikeUid !== undefined) {
    run.ikeFlag(entry.ikeUid).gaveUp = true;
    return;
  }
  if (RE.dpd.test(text) && entry.ikeUid !== undefined) {
    run.ikeFlag(entry.ikeUid).dpd = true;
    return;
  }
  if ((match = RE.selectedProposal.exec(text))) {
    if (match[1] === 'IKE') {
      thread.ikeProposal = `IKE:${match[2]}`;
      // A responder selects the proposal in IKE_SA_INIT but derives the keys
      // later, on whichever thread handles IKE_AUTH.
      if (entry.ikeUid !== undefined) run.ike(entry.ikeUid).proposal ??= thread.ikeProposal;
    } else {
      thread.espProposal = `ESP:${match[2]}`;
    }
    return;
  }
  if ((match = RE.parsedOrGenerated.exec(text))) {
    const exchange = match[2] ?? '';
    const request = match[3] === 'request';
    const mid = Number(match[4]);
    if (match[1] === 'parsed') thread.lastParsed = { exchange, request, mid };
    truth.ike_messages.push({
      t, run: run.index, dir: match[1] === 'parsed' ? 'in' : 'out', exchange, request, mid,
      payloads: match[5] ?? '', ike_uid: entry.ikeUid ?? null,
    });
    if (match[1] === 'generating') thread.outgoing = { message: truth.ike_messages.length - 1, retransmit: 0 };
    return;
  }
  if ((match = RE.retransmit.exec(text))) {
    const original = lastOutgoing(truth, run.index, entry.ikeUid ?? null, Number(match[2]), true);
    thread.outgoing = original === null ? undefined : { message: original, retransmit: Number(match[1]) };
    return;
  }
  if ((match = RE.retransmitResponse.exec(text))) {
    const mid = Number(match[1]);
    const original = lastOutgoing(truth, run.index, entry.ikeUid ?? null, mid, false);
    thread.outgoing = original === null ? undefined : { message: original, retransmit: 1 };
    return;
  }
  if ((match = RE.sendingPacket.exec(text))) {
    truth.ike_sends.push({ t, run: run.index, bytes: Number(match[1]), message: thread.outgoing?.message ?? null, retransmit: thread.outgoing?.retransmit ?? 0 });
    thread.outgoing = undefined;
    return;
  }
  if ((match = RE.childEstablished.exec(text))) {
    const uid = Number(match[3]);
    const child = run.child(uid, match[2] ?? '');
    noteChildIke(child, entry);
    if (!child.spi_in) {
      child.spi_in = match[4] ?? '';
      child.spi_out = match[5] ?? '';
      child.ts_local = match[6] ?? '';
      child.ts_remote = match[7] ?? '';
      child.established = t;
      child.ike_uid = entry.ikeUid ?? null;
      const batch = takeChildKeys(run, thread, entry);
      if (batch) {
        child.keys = batch.keys;
        child.exchange_initiator = batch.exchangeInitiator;
        child.created_by_exchange = batch.createdBy;
        child.proposal = batch.proposal;
      } else {
        truth.problems.push(`run ${run.index}: no keys logged for CHILD_SA ${child.name}{${uid}}`);
      }
    }
    return;
  }
  if ((match = RE.childState.exec(text))) {
    const uid = Number(match[2]);
    const child = run.child(uid, match[1] ?? '');
    noteChildIke(child, entry);
    const to = match[4] ?? '';
    child.states.push([t, to]);
    if (to === 'REKEYED') run.childFlag(uid).rekeyed = true;
    return;
  }
  if ((match = RE.childClosing.exec(text))) {
    const child = run.child(Number(match[2]), match[1] ?? '');
    noteChildIke(child, entry);
    child.closing ??= t;
    return;
  }
  if ((match = RE.childDelete.exec(text))) {
    const spi = match[2] ?? '';
    for (const child of run.children.values()) {
      if (child.spi_in === spi || child.spi_out === spi) {
        const flags = run.childFlag(child.uid);
        if (!flags.deleteSent && !flags.deleteReceived) {
          if (match[1] === 'sending') flags.deleteSent = true;
          else flags.deleteReceived = true;
        }
      }
    }
    return;
  }
  if ((match = RE.childMention.exec(text))) {
    const child = run.children.get(Number(match[2]));
    if (child) noteChildIke(child, entry);
  }
  if ((match = RE.addingSa.exec(text))) {
    thread.addingDir = match[1] === 'inbound' ? 'in' : 'out';
    return;
  }
  if ((match = RE.sadAdd.exec(text))) {
    // chd level 2 logs "adding inbound/outbound ESP SA" just before, on the same thread.
    const dir = thread.addingDir;
    if (dir) truth.sad_events.push({ t, op: 'add', dir, spi: match[1] ?? '', reqid: Number(match[2]), run: run.index });
    else truth.problems.push(`run ${run.index}: no direction logged for the SAD entry with SPI ${match[1] ?? ''}`);
    thread.addingDir = undefined;
    return;
  }
  if ((match = RE.sadDelete.exec(text))) {
    truth.sad_events.push({ t, op: 'delete', dir: match[1] === 'inbound' ? 'in' : 'out', spi: match[2] ?? '', run: run.index });
    return;
  }
  if (RE.sadFlush.test(text)) {
    // Shutdown: every entry still installed goes away now.
    for (const open of openSadEntries(truth, run.index)) {
      truth.sad_events.push({ t, op: 'delete', dir: open.dir, spi: open.spi, run: run.index, how: SHUTDOWN_REASON });
    }
  }
}

/** Returns the index of the last message this side generated with the given message ID and direction, or null. */
function lastOutgoing(truth: SideTruth, run: number, ikeUid: number | null, mid: number, request: boolean): number | null {
  for (let i = truth.ike_messages.length - 1; i >= 0; i--) {
    const message = truth.ike_messages[i];
    if (message?.run === run && message.dir === 'out' && message.request === request && message.mid === mid && message.ike_uid === ikeUid) {
      return i;
    }
  }
  return null;
}

function noteChildIke(child: ChildSaTruth, entry: LogEntry): void {
  if (entry.ikeUid !== undefined && !child.ike_uids.includes(entry.ikeUid)) child.ike_uids.push(entry.ikeUid);
}

/**
 * Takes the ESP keys of a CHILD_SA that was just established: those derived
 * on the same thread, or else the oldest batch derived for the same IKE_SA.
 * An IKEv1 Quick Mode responder derives keys when it sends the second message
 * and installs the SAs on another thread when the third arrives.
 */
function takeChildKeys(run: RunState, thread: ThreadState, entry: LogEntry): ChildKeyBatch | undefined {
  let batch = thread.childKeys;
  if (batch) {
    thread.childKeys = undefined;
  } else if (entry.ikeUid !== undefined) {
    batch = run.pendingChildKeysByIke.get(entry.ikeUid)?.[0];
  }
  if (batch && batch.contextUid !== null) {
    const queue = run.pendingChildKeysByIke.get(batch.contextUid) ?? [];
    const position = queue.indexOf(batch);
    if (position >= 0) queue.splice(position, 1);
  }
  return batch;
}
