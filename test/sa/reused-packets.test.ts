// The SA tracker fed the way the decoder's fast path feeds it: one EspPacket
// and one FrameRef, rewritten for every packet and overwritten with other
// values as soon as the call returns. Whatever the tracker keeps must be a
// copy, so its findings and SAs must equal those of a run with a fresh
// packet per call. The same holds for packets fed as numbers to
// flowPacket(), as a capture read in a worker thread feeds them.

import { describe, expect, it } from 'vitest';
import type { ChildSa } from '../../src/sa/child-sa.js';
import type { InboundSpi } from '../../src/sa/events.js';
import { SaTracker } from '../../src/sa/tracker.js';
import type { EspPacket, FrameNumber, FrameRef, IcmpError, IpInfo, Spi } from '../../src/types.js';

const A = '192.0.2.1';
const B = '192.0.2.2';
const IKE = '0123456789abcdef';

/** Sends a packet from `src` to `dst` at `ref`. */
type Send = (ref: FrameRef, src: string, dst: string, spi: number, seq: number) => void;

/** Returns a sender that builds a fresh packet for every call. */
function freshSender(t: SaTracker): Send {
  return (ref, src, dst, spi, seq) => {
    const packet: EspPacket = { kind: 'esp', ref, ip: { version: 4, src, dst, reassembled: false }, encapsulation: 'none', srcPort: 0, dstPort: 0, spi: spi as Spi, seq, length: 100 };
    t.packet(packet);
  };
}

/** Returns a sender that rewrites one packet for every call and scribbles over it afterwards. */
function reusingSender(t: SaTracker): Send {
  const ref: FrameRef = { input: 0, frame: 0 as FrameNumber, time: { sec: 0, nsec: 0, digits: 6 } };
  const packet: EspPacket = { kind: 'esp', ref, ip: { version: 4, src: '', dst: '', reassembled: false }, encapsulation: 'none', srcPort: 0, dstPort: 0, spi: 0 as Spi, seq: 0, length: 100 };
  // The decoder shares one IpInfo per address pair.
  const infos = new Map<string, IpInfo>();
  return (at, src, dst, spi, seq) => {
    let ip = infos.get(`${src}>${dst}`);
    if (!ip) {
      ip = { version: 4, src, dst, reassembled: false };
      infos.set(`${src}>${dst}`, ip);
    }
    ref.input = at.input;
    ref.frame = at.frame;
    ref.time.sec = at.time.sec;
    ref.time.nsec = at.time.nsec;
    ref.time.digits = at.time.digits;
    packet.ip = ip;
    packet.spi = spi as Spi;
    packet.seq = seq;
    t.packet(packet);
    ref.frame = 999_999 as FrameNumber;
    ref.time.sec = 1;
    ref.time.nsec = 1;
    packet.seq = 0;
  };
}

/**
 * Returns a sender that feeds the tracker as a capture read in a worker
 * thread does. Each (source, destination, SPI) is a flow. Its first packet
 * goes to packet(), and later ones to flowPacket(), or to packet() when
 * flowPacket() does not take them. `takenBySpi` counts the packets that
 * flowPacket() took.
 */
function flowSender(t: SaTracker, takenBySpi = new Map<number, number>()): Send {
  const flows = new Map<string, number>();
  return (ref, src, dst, spi, seq) => {
    const key = `${src}>${dst}>${spi}`;
    const known = flows.get(key);
    if (known !== undefined && t.flowPacket(known, ref.input, ref.frame, ref.time.sec, ref.time.nsec, ref.time.digits, seq, 100)) {
      takenBySpi.set(spi, (takenBySpi.get(spi) ?? 0) + 1);
      return;
    }
    const flow = known ?? flows.size;
    flows.set(key, flow);
    t.packet({ kind: 'esp', ref, ip: { version: 4, src, dst, reassembled: false }, encapsulation: 'none', srcPort: 0, dstPort: 0, spi: spi as Spi, seq, length: 100, flow });
  };
}

class Clock {
  private frame = 0;
  at(seconds: number): FrameRef {
    this.frame += 1;
    return { input: 0, frame: this.frame as FrameNumber, time: { sec: 1_800_000_000 + Math.floor(seconds), nsec: Math.round((seconds % 1) * 1e9), digits: 6 } };
  }
}

function inbound(receiver: string, spi: number): InboundSpi {
  return { receiver, protocol: 'esp', spi: spi as Spi };
}

function establish(t: SaTracker, clock: Clock, at: number, aSpi: number, bSpi: number, ikeSa = IKE): void {
  t.apply({ type: 'ike-sa-init', at: clock.at(at), ikeSa, initiator: A, responder: B, version: 2 });
  const done = clock.at(at + 0.02);
  t.apply({ type: 'ike-sa-established', at: done, ikeSa, initiator: A, responder: B, initialContact: false, version: 2 });
  t.apply({ type: 'child-installed', at: done, ikeSa, exchange: 'IKE_AUTH', initiatorSide: inbound(A, aSpi), responderSide: inbound(B, bSpi), rekeyOf: [] });
}

/** Pings A→B on bSpi, and B→A on aSpi when `replies`, every half second from `from` to `to`. */
function pings(send: Send, clock: Clock, from: number, to: number, aSpi: number, bSpi: number, seq: { n: number }, replies = true): void {
  for (let s = from; s < to; s += 0.5) {
    seq.n += 1;
    send(clock.at(s), A, B, bSpi, seq.n);
    if (replies) send(clock.at(s + 0.001), B, A, aSpi, seq.n);
  }
}

/** Scenarios that make the tracker keep frame references: silences, ICMP errors, notifies, deletes, reserved SPIs. */
const SCENARIOS: Record<string, (t: SaTracker, send: Send) => void> = {
  'long silence': (t, send) => {
    const clock = new Clock();
    establish(t, clock, 0, 0xd000a, 0xd000b);
    const seq = { n: 0 };
    pings(send, clock, 1, 3, 0xd000a, 0xd000b, seq);
    pings(send, clock, 3, 20, 0xd000a, 0xd000b, seq, false);
    pings(send, clock, 20, 22, 0xd000a, 0xd000b, seq);
  },
  'ICMP errors': (t, send) => {
    const clock = new Clock();
    establish(t, clock, 0, 0x9000a, 0x9000b);
    const seq = { n: 0 };
    pings(send, clock, 1, 5, 0x9000a, 0x9000b, seq);
    for (let s = 5; s < 8; s += 0.5) {
      seq.n += 1;
      send(clock.at(s), A, B, 0x9000b, seq.n);
      const icmp: IcmpError = {
        kind: 'icmp-error',
        ref: clock.at(s + 0.001),
        ip: { version: 4, src: B, dst: A, reassembled: false },
        icmpVersion: 4,
        icmpType: 3,
        icmpCode: 3,
        pointer: null,
        quoted: { version: 4, src: A, dst: B, protocol: 50, protocolOffset: 9, srcPort: null, dstPort: null, spi: 0x9000b as Spi, seq: null },
      };
      t.icmpError(icmp);
    }
  },
  'INVALID_SPI and Delete': (t, send) => {
    const clock = new Clock();
    establish(t, clock, 0, 0xe000a, 0xe000b);
    send(clock.at(1), A, B, 0xe000b, 1);
    send(clock.at(1.5), A, B, 0xe000b, 2);
    t.apply({ type: 'invalid-spi', at: clock.at(2), reporter: B, peer: A, protocol: 'esp', spi: 0xe000b as Spi, encoding: 'notification-data', spiSize: 0, ikeSa: IKE, messageId: 3, response: false });
    send(clock.at(3), A, B, 0xe000b, 3);
    t.apply({ type: 'child-delete', at: clock.at(4), ikeSa: IKE, sender: A, sas: [inbound(A, 0xe000a)], completed: false, version: 2 });
    t.apply({ type: 'child-delete-completed', at: clock.at(4.01), ikeSa: IKE, sas: [inbound(A, 0xe000a), inbound(B, 0xe000b)] });
    send(clock.at(5), B, A, 0xe000a, 7);
    send(clock.at(6), B, A, 0xe000a, 8);
  },
  'before install and reserved SPIs': (t, send) => {
    const clock = new Clock();
    t.apply({ type: 'ike-sa-init', at: clock.at(0), ikeSa: IKE, initiator: A, responder: B, version: 2 });
    t.apply({ type: 'child-proposed', at: clock.at(0.01), ikeSa: IKE, exchange: 'IKE_AUTH', sa: inbound(A, 0x3000a), peer: B });
    send(clock.at(0.015), B, A, 0x3000a, 1);
    t.apply({ type: 'child-installed', at: clock.at(0.02), ikeSa: IKE, exchange: 'IKE_AUTH', initiatorSide: inbound(A, 0x3000a), responderSide: inbound(B, 0x3000b), rekeyOf: [] });
    send(clock.at(0.5), B, A, 0x3000a, 2);
    send(clock.at(1), A, B, 0, 1);
    send(clock.at(2), A, B, 0, 2);
    send(clock.at(3), A, B, 200, 1);
  },
};

function saSummary(sa: ChildSa) {
  return { key: sa.key, state: sa.state, packets: sa.packets, bytes: sa.bytes, first: sa.first, last: sa.last, lostAt: sa.lostAt, deleted: sa.deleted, seq: { ...sa.seq } };
}

function run(scenario: (t: SaTracker, send: Send) => void, sender: (t: SaTracker) => Send): string {
  const t = new SaTracker();
  scenario(t, sender(t));
  const result = t.finish();
  return JSON.stringify({ findings: result.findings, childSas: result.childSas.map(saSummary) }, null, 1);
}

describe('SA tracker with reused packets', () => {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(`reused packets give the fresh result: ${name}`, () => {
      expect(run(scenario, reusingSender)).toBe(run(scenario, freshSender));
    });
  }

  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(`flow packets give the fresh result: ${name}`, () => {
      expect(run(scenario, (t) => flowSender(t))).toBe(run(scenario, freshSender));
    });
  }

  it('flow packets take the common case only', () => {
    const takenBySpi = (name: string) => {
      const counts = new Map<number, number>();
      const t = new SaTracker();
      SCENARIOS[name]!(t, flowSender(t, counts));
      t.finish();
      return counts;
    };
    // Packets on an installed SA after the first of their flow.
    expect(takenBySpi('long silence').get(0xd000b)).toBeGreaterThan(10);
    // Packets on an SA deleted before they came, and on reserved SPIs, go to packet().
    expect(takenBySpi('INVALID_SPI and Delete').get(0xe000a)).toBeUndefined();
    expect(takenBySpi('before install and reserved SPIs').get(0)).toBeUndefined();
  });

  it('reused packets scenarios raise findings', () => {
    const kinds = new Set<string>();
    for (const scenario of Object.values(SCENARIOS)) {
      const t = new SaTracker();
      scenario(t, freshSender(t));
      for (const f of t.finish().findings) kinds.add(f.kind);
    }
    for (const kind of ['spi-lost', 'spi-after-delete', 'spi-before-install', 'reserved-spi', 'invalid-spi-notify', 'desync']) expect(kinds.has(kind), kind).toBe(true);
  });
});
