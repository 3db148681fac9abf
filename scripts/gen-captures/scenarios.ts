// Crafted SA desynchronisation scenarios: each capture comes with the
// ikev2_decryption_table that decrypts it and an expectation file listing the
// frames a correct analyzer flags, the desync it reports and how it ended.
// The frames are known by construction, not by running spitrace.

import { buildPcap } from '../../src/capture/writer.js';
import type { CaptureCase } from './case.js';
import { Conversation, deletePayload, EXCHANGE, type Frame, notifyPayload, NOTIFY, PEER_A, PEER_B, saPayload, spiBytes, tsPayloads, noncePayload } from './ikev2-conversation.js';

/** What a scenario's expectation file says. */
export interface ScenarioExpectation {
  description: string;
  /** Frames (1-based) of ESP packets sent on an SPI their receiver did not have. */
  flaggedFrames: number[];
  /** Finding kinds that must be present (beyond the packet-level ones). */
  kinds: string[];
  desyncs: { src: string; dst: string; spi: string; classification: 'transient' | 'persistent'; recovery: string; signature: string | null }[];
}

interface Built {
  frames: Frame[];
  keyLines: string[];
  expect: ScenarioExpectation;
}

const A_SPI = 0xc1000001;
const B_SPI = 0xc2000001;

function hexSpi(spi: number): string {
  return '0x' + (spi >>> 0).toString(16).padStart(8, '0');
}

/** Pings from A to B every half second from `from` to `to`; B answers unless `answered` is false. Returns the request frames. */
function pings(c: Conversation, from: number, to: number, aSpi: number, bSpi: number, seq: { a: number; b: number }, answered = true): number[] {
  const requests: number[] = [];
  for (let t = from; t < to - 1e-9; t += 0.5) {
    c.esp(t, PEER_A, PEER_B, bSpi, ++seq.a);
    requests.push(c.frames.length);
    if (answered) c.esp(t + 0.002, PEER_B, PEER_A, aSpi, ++seq.b);
  }
  return requests;
}

function sortFrames(frames: Frame[]): Frame[] {
  return frames.map((f, i) => ({ f, i })).sort((x, y) => x.f.time.sec - y.f.time.sec || x.f.time.nsec - y.f.time.nsec || x.i - y.i).map((x) => x.f);
}

function cleanRekey(): Built {
  const frames: Frame[] = [];
  const c = new Conversation('clean-rekey', frames);
  const seq = { a: 0, b: 0 };
  c.init(0);
  c.auth(0.02, A_SPI, B_SPI);
  pings(c, 1, 10, A_SPI, B_SPI, seq);
  // A rekeys the CHILD_SA (REKEY_SA names A's inbound SPI, RFC 7296 §1.3.3), moves to the new SA, then deletes the old one.
  c.exchange(10.1, true, EXCHANGE.CREATE_CHILD_SA, [notifyPayload(NOTIFY.REKEY_SA, 3, spiBytes(A_SPI)), saPayload('esp', spiBytes(0xc1000002)), noncePayload(7), ...tsPayloads('198.51.100.1', '203.0.113.1')], [saPayload('esp', spiBytes(0xc2000002)), noncePayload(8), ...tsPayloads('198.51.100.1', '203.0.113.1')]);
  const seq2 = { a: 0, b: 0 };
  pings(c, 10.5, 12, 0xc1000002, 0xc2000002, seq2);
  c.exchange(12.2, true, EXCHANGE.INFORMATIONAL, [deletePayload('esp', [A_SPI])], [deletePayload('esp', [B_SPI])]);
  pings(c, 12.5, 20, 0xc1000002, 0xc2000002, seq2);
  c.exchange(20.5, true, EXCHANGE.INFORMATIONAL, [deletePayload('ike', [])], []);
  return {
    frames,
    keyLines: [c.keyLine()],
    expect: { description: 'IKEv2 CHILD_SA rekey started by the initiator, old SA deleted: no desync', flaggedFrames: [], kinds: [], desyncs: [] },
  };
}

function blackHoleDpd(): Built {
  const frames: Frame[] = [];
  const c = new Conversation('black-hole-dpd', frames);
  const seq = { a: 0, b: 0 };
  c.init(0);
  c.auth(0.02, A_SPI, B_SPI);
  pings(c, 1, 10, A_SPI, B_SPI, seq);
  // B crashes at 10 s: its port 4500 is closed until it restarts at 12 s (ICMP port unreachable), then it drops silently.
  const lost: number[] = [];
  for (let t = 10; t < 30 - 1e-9; t += 0.5) {
    c.esp(t, PEER_A, PEER_B, B_SPI, ++seq.a);
    lost.push(frames.length);
    if (t < 12) c.portUnreachable(t + 0.001, PEER_B, PEER_A, B_SPI, seq.a);
  }
  // A's DPD: an empty INFORMATIONAL request at 20 s, retransmitted at 22 and 26 s, never answered.
  for (const t of [20.05, 22.05, 26.05]) c.encrypted(t, true, EXCHANGE.INFORMATIONAL, 2, false, []);
  // A gives up and builds a new IKE SA and CHILD_SA.
  const fresh = new Conversation('black-hole-dpd/2', frames);
  fresh.init(30);
  fresh.auth(30.02, 0xc1000003, 0xc2000003);
  const seq2 = { a: 0, b: 0 };
  pings(fresh, 30.5, 35, 0xc1000003, 0xc2000003, seq2);
  const sorted = sortFrames(frames);
  return {
    frames: sorted,
    keyLines: [c.keyLine(), fresh.keyLine()],
    expect: {
      description: 'the responder crashes and restarts empty; the initiator sends into a black hole until its DPD gives up and it builds a new IKE SA',
      flaggedFrames: renumber(frames, sorted, lost),
      kinds: ['spi-lost', 'desync'],
      desyncs: [{ src: PEER_A, dst: PEER_B, spi: hexSpi(B_SPI), classification: 'persistent', recovery: 'dpd-restart', signature: null }],
    },
  };
}

/** Frame numbers after sorting: the generator records positions before the frames are put in time order. */
function renumber(original: Frame[], sorted: Frame[], positions: number[]): number[] {
  const index = new Map<Frame, number>();
  sorted.forEach((f, i) => index.set(f, i + 1));
  return positions.map((p) => index.get(original[p - 1]!)!).sort((x, y) => x - y);
}

function deleteNotify(): Built {
  const frames: Frame[] = [];
  const c = new Conversation('delete-notify', frames);
  const seq = { a: 0, b: 0 };
  c.init(0);
  c.auth(0.02, A_SPI, B_SPI);
  pings(c, 1, 10, A_SPI, B_SPI, seq);
  // B loses its inbound SA at 10 s without telling A; A's pings go unanswered.
  const lost = pings(c, 10, 15, A_SPI, B_SPI, seq, false);
  // B notices and deletes the stale CHILD_SA over the existing IKE SA; A answers with the paired SPI.
  c.exchange(15.05, false, EXCHANGE.INFORMATIONAL, [deletePayload('esp', [B_SPI])], [deletePayload('esp', [A_SPI])]);
  c.exchange(15.2, true, EXCHANGE.CREATE_CHILD_SA, [saPayload('esp', spiBytes(0xc1000004)), noncePayload(9), ...tsPayloads('198.51.100.1', '203.0.113.1')], [saPayload('esp', spiBytes(0xc2000004)), noncePayload(10), ...tsPayloads('198.51.100.1', '203.0.113.1')]);
  pings(c, 15.5, 20, 0xc1000004, 0xc2000004, { a: 0, b: 0 });
  return {
    frames,
    keyLines: [c.keyLine()],
    expect: {
      description: 'the responder loses its inbound SA silently, then deletes it with a Delete notify; a new CHILD_SA follows',
      flaggedFrames: lost,
      kinds: ['spi-lost', 'desync'],
      desyncs: [{ src: PEER_A, dst: PEER_B, spi: hexSpi(B_SPI), classification: 'persistent', recovery: 'delete-notify', signature: null }],
    },
  };
}

function invalidSpiRecovery(): Built {
  const frames: Frame[] = [];
  const c = new Conversation('invalid-spi-recovery', frames);
  const seq = { a: 0, b: 0 };
  c.init(0);
  c.auth(0.02, A_SPI, B_SPI);
  pings(c, 1, 10, A_SPI, B_SPI, seq);
  // B reboots at 10 s and drops A's ESP; at 16 s it builds a new IKE SA to A (it is the initiator now) and deletes the stale SPI over it.
  const lost = pings(c, 10, 16, A_SPI, B_SPI, seq, false);
  const recovery = new Conversation('invalid-spi-recovery/2', frames, PEER_B, PEER_A);
  recovery.init(16.1);
  recovery.exchange(16.12, true, EXCHANGE.IKE_AUTH, [{ type: 35, body: Uint8Array.of(2, 0, 0, 0, 98) }, { type: 39, body: Uint8Array.of(2, 0, 0, 0, 1, 2, 3, 4) }], [{ type: 36, body: Uint8Array.of(2, 0, 0, 0, 97) }, { type: 39, body: Uint8Array.of(2, 0, 0, 0, 5, 6, 7, 8) }]);
  recovery.exchange(16.2, true, EXCHANGE.INFORMATIONAL, [deletePayload('esp', [B_SPI])], []);
  recovery.exchange(16.3, false, EXCHANGE.CREATE_CHILD_SA, [saPayload('esp', spiBytes(0xc1000005)), noncePayload(11), ...tsPayloads('198.51.100.1', '203.0.113.1')], [saPayload('esp', spiBytes(0xc2000005)), noncePayload(12), ...tsPayloads('198.51.100.1', '203.0.113.1')]);
  pings(recovery, 16.5, 20, 0xc1000005, 0xc2000005, { a: 0, b: 0 });
  return {
    frames,
    keyLines: [c.keyLine(), recovery.keyLine()],
    expect: {
      description: 'the responder reboots, builds a new IKE SA to the sender and deletes the stale SPI over it (invalid SPI recovery)',
      flaggedFrames: lost,
      kinds: ['spi-lost', 'desync'],
      desyncs: [{ src: PEER_A, dst: PEER_B, spi: hexSpi(B_SPI), classification: 'persistent', recovery: 'invalid-spi-recovery', signature: null }],
    },
  };
}

function invalidSpiRejected(): Built {
  const frames: Frame[] = [];
  const c = new Conversation('invalid-spi-rejected', frames);
  const seq = { a: 0, b: 0 };
  c.init(0);
  c.auth(0.02, A_SPI, B_SPI);
  pings(c, 1, 10, A_SPI, B_SPI, seq);
  const lost = pings(c, 10, 12, A_SPI, B_SPI, seq, false);
  // B reports the SPI as RFC 7296 §3.10.1 asks (SPI size 0, SPI in the data); A rejects it as INVALID_SYNTAX.
  c.exchange(12.05, false, EXCHANGE.INFORMATIONAL, [notifyPayload(NOTIFY.INVALID_SPI, 3, new Uint8Array(0), spiBytes(B_SPI))], [notifyPayload(NOTIFY.INVALID_SYNTAX)]);
  lost.push(...pings(c, 12.5, 20, A_SPI, B_SPI, seq, false));
  return {
    frames,
    keyLines: [c.keyLine()],
    expect: {
      description: 'an INVALID_SPI notify with SPI size 0 is answered by INVALID_SYNTAX (Cisco CSCvd40554); the stale SA is never cleaned up',
      flaggedFrames: lost,
      kinds: ['invalid-spi-notify', 'invalid-spi-notify-rejected', 'desync'],
      desyncs: [{ src: PEER_A, dst: PEER_B, spi: hexSpi(B_SPI), classification: 'persistent', recovery: 'none', signature: null }],
    },
  };
}

function ffSpiDropped(): Built {
  const frames: Frame[] = [];
  const c = new Conversation('ff-spi-dropped', frames);
  const seq = { a: 0, b: 0 };
  const ff = 0xff3a1c02;
  c.init(0);
  c.auth(0.02, A_SPI, ff);
  // B installed an SPI beginning 0xFF but drops every packet on it and says so with INVALID_SPI (SPI field encoding).
  const lost = pings(c, 1, 4, A_SPI, ff, seq, false);
  c.exchange(4.05, false, EXCHANGE.INFORMATIONAL, [notifyPayload(NOTIFY.INVALID_SPI, 3, spiBytes(ff))], []);
  lost.push(...pings(c, 4.5, 10, A_SPI, ff, seq, false));
  return {
    frames,
    keyLines: [c.keyLine()],
    expect: {
      description: 'the receiver installed an SPI beginning 0xFF and drops every packet on it (Cisco CSCvp16730)',
      flaggedFrames: lost,
      kinds: ['invalid-spi-notify', 'desync'],
      desyncs: [{ src: PEER_A, dst: PEER_B, spi: hexSpi(ff), classification: 'persistent', recovery: 'none', signature: 'CSCvp16730' }],
    },
  };
}

function earlyEspThenDelete(): Built {
  const frames: Frame[] = [];
  const c = new Conversation('early-esp-then-delete', frames);
  const seq = { a: 0, b: 0 };
  c.init(0);
  c.auth(0.02, A_SPI, B_SPI);
  pings(c, 1, 5, A_SPI, B_SPI, seq);
  // A starts a CREATE_CHILD_SA offering its new inbound SPI; B sends on it before its response reaches A; A then deletes that SPI.
  const newA = 0xc1000006;
  const id = c.exchange(5.1, true, EXCHANGE.CREATE_CHILD_SA, [saPayload('esp', spiBytes(newA)), noncePayload(13), ...tsPayloads('198.51.100.1', '203.0.113.1')], null);
  c.esp(5.12, PEER_B, PEER_A, newA, 1);
  const early = [frames.length];
  c.esp(5.13, PEER_B, PEER_A, newA, 2);
  early.push(frames.length);
  c.encrypted(5.15, false, EXCHANGE.CREATE_CHILD_SA, id, true, [saPayload('esp', spiBytes(0xc2000006)), noncePayload(14), ...tsPayloads('198.51.100.1', '203.0.113.1')]);
  c.exchange(5.3, true, EXCHANGE.INFORMATIONAL, [deletePayload('esp', [newA])], [deletePayload('esp', [0xc2000006])]);
  pings(c, 6, 8, A_SPI, B_SPI, seq);
  return {
    frames,
    keyLines: [c.keyLine()],
    expect: {
      description: 'ESP on a new SPI arrives before its CREATE_CHILD_SA completed, and the receiver then deletes that SPI (Cisco CSCvn31824)',
      flaggedFrames: early,
      kinds: ['spi-before-install', 'desync'],
      desyncs: [{ src: PEER_B, dst: PEER_A, spi: hexSpi(newA), classification: 'transient', recovery: 'install-completed', signature: 'CSCvn31824' }],
    },
  };
}

function afterDelete(): Built {
  const frames: Frame[] = [];
  const c = new Conversation('after-delete', frames);
  const seq = { a: 0, b: 0 };
  c.init(0);
  c.auth(0.02, A_SPI, B_SPI);
  pings(c, 1, 5, A_SPI, B_SPI, seq);
  // B deletes the CHILD_SA and A acknowledges, yet A keeps sending on B's old SPI.
  c.exchange(5.05, false, EXCHANGE.INFORMATIONAL, [deletePayload('esp', [B_SPI])], [deletePayload('esp', [A_SPI])]);
  const stale = pings(c, 5.5, 12, A_SPI, B_SPI, seq, false);
  return {
    frames,
    keyLines: [c.keyLine()],
    expect: {
      description: 'the sender keeps using an SPI after a completed Delete exchange removed it',
      flaggedFrames: stale,
      kinds: ['spi-after-delete', 'desync'],
      desyncs: [{ src: PEER_A, dst: PEER_B, spi: hexSpi(B_SPI), classification: 'persistent', recovery: 'none', signature: null }],
    },
  };
}

function rekeyRace(): Built {
  const frames: Frame[] = [];
  const c = new Conversation('rekey-race', frames);
  const seq = { a: 0, b: 0 };
  c.init(0);
  c.auth(0.02, A_SPI, B_SPI);
  pings(c, 1, 5, A_SPI, B_SPI, seq);
  c.exchange(5.1, true, EXCHANGE.CREATE_CHILD_SA, [notifyPayload(NOTIFY.REKEY_SA, 3, spiBytes(A_SPI)), saPayload('esp', spiBytes(0xc1000007)), noncePayload(15), ...tsPayloads('198.51.100.1', '203.0.113.1')], [saPayload('esp', spiBytes(0xc2000007)), noncePayload(16), ...tsPayloads('198.51.100.1', '203.0.113.1')]);
  c.exchange(5.2, true, EXCHANGE.INFORMATIONAL, [deletePayload('esp', [A_SPI])], [deletePayload('esp', [B_SPI])]);
  // One packet on the old SPI was in flight when the Delete completed: a transient race, not a desync.
  c.esp(5.215, PEER_A, PEER_B, B_SPI, ++seq.a);
  const race = [frames.length];
  pings(c, 5.5, 8, 0xc1000007, 0xc2000007, { a: 0, b: 0 });
  return {
    frames,
    keyLines: [c.keyLine()],
    expect: {
      description: 'a packet on the old SPI right after the rekey Delete completed: a transient race',
      flaggedFrames: race,
      kinds: ['spi-after-delete', 'desync'],
      desyncs: [{ src: PEER_A, dst: PEER_B, spi: hexSpi(B_SPI), classification: 'transient', recovery: 'rekey', signature: null }],
    },
  };
}

function reservedSpi(): Built {
  const frames: Frame[] = [];
  const c = new Conversation('reserved-spi', frames);
  c.esp(1, PEER_A, PEER_B, 0, 1);
  c.esp(2, PEER_A, PEER_B, 0, 2);
  c.esp(3, PEER_A, PEER_B, 200, 1);
  return {
    frames,
    keyLines: [],
    expect: { description: 'ESP with SPI 0 and SPI 200 (reserved by RFC 4303 §2.1)', flaggedFrames: [], kinds: ['reserved-spi'], desyncs: [] },
  };
}

function scenario(name: string, purpose: string, build: () => Built): CaptureCase {
  let built: Built | null = null;
  const get = (): Built => (built ??= build());
  return {
    file: `scenarios/${name}.pcap`,
    purpose,
    build: () => buildPcap(1, get().frames),
    extras: () => {
      const b = get();
      const out: Record<string, string> = { [`scenarios/${name}.expect.json`]: JSON.stringify(b.expect, null, 2) + '\n' };
      if (b.keyLines.length > 0) {
        out[`scenarios/${name}.keys/ikev2_decryption_table`] = `# ikev2_decryption_table for ${name}.pcap (keys chosen by the generator)\n${b.keyLines.join('\n')}\n`;
      }
      return out;
    },
  };
}

export const cases: CaptureCase[] = [
  scenario('clean-rekey', 'IKEv2 CHILD_SA rekey with Delete of the old SA; no desync expected', cleanRekey),
  scenario('black-hole-dpd', 'Responder crash and empty restart: ICMP errors, silence, unanswered DPD, new IKE SA (`dpd-restart`)', blackHoleDpd),
  scenario('delete-notify', 'Responder loses its inbound SA silently, then sends a Delete for it (`delete-notify`)', deleteNotify),
  scenario('invalid-spi-recovery', 'Responder reboots, builds a new IKE SA to the sender and deletes the stale SPI (`invalid-spi-recovery`)', invalidSpiRecovery),
  scenario('invalid-spi-rejected', 'INVALID_SPI with SPI size 0 answered by INVALID_SYNTAX (signature CSCvd40554)', invalidSpiRejected),
  scenario('ff-spi-dropped', 'Installed SPI beginning 0xFF dropped by its receiver (signature CSCvp16730)', ffSpiDropped),
  scenario('early-esp-then-delete', 'ESP on a new SPI before CREATE_CHILD_SA completed, then a Delete of that SPI (signature CSCvn31824)', earlyEspThenDelete),
  scenario('after-delete', 'ESP on an SPI after a completed Delete exchange (`spi-after-delete`, persistent)', afterDelete),
  scenario('rekey-race', 'One in-flight packet on the old SPI right after a rekey Delete (transient)', rekeyRace),
  scenario('reserved-spi', 'ESP with reserved SPIs 0 and 200 (`reserved-spi`)', reservedSpi),
];
