// Bookkeeping while one charon run's log is read: the IKE_SAs and CHILD_SAs
// seen so far, and per worker thread what it parsed, selected and derived last.

import type { ChildKeys, ChildSaTruth, Direction, IkeKeys, IkeSaTruth } from './side-types.js';

export interface ThreadState {
  lastParsed?: { exchange: string; request: boolean; mid: number };
  ikeProposal?: string;
  espProposal?: string;
  ikeKeys?: { keys: IkeKeys; time: number; contextUid: number | null; proposal?: string; complete: boolean };
  childKeys?: ChildKeyBatch;
  addingDir?: Direction;
  espParse?: { t: number; spi: string; seq: number };
  /** The message the next "sending packet" line on this thread carries. */
  outgoing?: { message: number; retransmit: number };
}

export interface ChildKeyBatch {
  keys: ChildKeys;
  time: number;
  contextUid: number | null;
  exchangeInitiator: boolean | null;
  createdBy: string | null;
  proposal: string | null;
}

/** Mutable per-run bookkeeping while reading entries. */
export class RunState {
  readonly ikeSas = new Map<number, IkeSaTruth>();
  readonly children = new Map<number, ChildSaTruth>();
  readonly threads = new Map<number, ThreadState>();
  readonly pendingChildKeysByIke = new Map<number, ChildKeyBatch[]>();
  readonly ikeFlags = new Map<number, { rekeyed?: boolean; deleteSent?: boolean; deleteReceived?: boolean; gaveUp?: boolean; dpd?: boolean; forced?: boolean }>();
  readonly childFlags = new Map<number, { rekeyed?: boolean; deleteSent?: boolean; deleteReceived?: boolean; expired?: boolean }>();
  constructor(readonly index: number) {}

  thread(id: number): ThreadState {
    let state = this.threads.get(id);
    if (!state) {
      state = {};
      this.threads.set(id, state);
    }
    return state;
  }

  ike(uid: number, name = ''): IkeSaTruth {
    let sa = this.ikeSas.get(uid);
    if (!sa) {
      sa = {
        run: this.index, uid, name, version: 2, spi_i: '', spi_r: '', local_role: 'responder',
        created: null, established: null, deleted: null, end_reason: '', rekeyed_from_uid: null,
        proposal: null, states: [], keys: {}, keys_logged: null,
      };
      this.ikeSas.set(uid, sa);
    }
    if (name && name !== '(unnamed)' && (!sa.name || sa.name === '(unnamed)')) sa.name = name;
    return sa;
  }

  child(uid: number, name: string): ChildSaTruth {
    let sa = this.children.get(uid);
    if (!sa) {
      sa = {
        run: this.index, uid, name, ike_uid: null, ike_uids: [], spi_in: '', spi_out: '',
        exchange_initiator: null, created_by_exchange: null, proposal: null, ts_local: '', ts_remote: '',
        established: null, inbound_installed: null, outbound_installed: null, inbound_removed: null,
        outbound_removed: null, inbound_removed_by: null, outbound_removed_by: null, closing: null,
        end_reason: '', states: [], keys: {},
      };
      this.children.set(uid, sa);
    }
    return sa;
  }

  ikeFlag(uid: number) {
    let flags = this.ikeFlags.get(uid);
    if (!flags) {
      flags = {};
      this.ikeFlags.set(uid, flags);
    }
    return flags;
  }

  childFlag(uid: number) {
    let flags = this.childFlags.get(uid);
    if (!flags) {
      flags = {};
      this.childFlags.set(uid, flags);
    }
    return flags;
  }
}
