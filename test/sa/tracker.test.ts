// The SA tracker driven by event sequences, without captures: every rule of
// the verdicts, outages and signatures.

import { describe, expect, it } from 'vitest';
import type { InboundSpi, SaEvent } from '../../src/sa/events.js';
import type { Finding } from '../../src/sa/findings.js';
import { SaTracker } from '../../src/sa/tracker.js';
import type { EspPacket, FrameNumber, FrameRef, IcmpError, Spi } from '../../src/types.js';

const A = '192.0.2.1';
const B = '192.0.2.2';
const C = '192.0.2.3';
const IKE = '0123456789abcdef';

/** A clock of frames: each call to `at(t)` is a new frame at t seconds. */
class Clock {
  private frame = 0;
  at(seconds: number): FrameRef {
    this.frame += 1;
    return { input: 0, frame: this.frame as FrameNumber, time: { sec: 1_800_000_000 + Math.floor(seconds), nsec: Math.round((seconds % 1) * 1e9), digits: 6 } };
  }
}

function esp(ref: FrameRef, src: string, dst: string, spi: number, seq: number): EspPacket {
  return { kind: 'esp', ref, ip: { version: 4, src, dst, reassembled: false }, encapsulation: 'udp', srcPort: 4500, dstPort: 4500, spi: spi as Spi, seq, length: 100 };
}

function inbound(receiver: string, spi: number): InboundSpi {
  return { receiver, protocol: 'esp', spi: spi as Spi };
}

function establish(t: SaTracker, clock: Clock, at: number, aSpi: number, bSpi: number, ikeSa = IKE): void {
  t.apply({ type: 'ike-sa-init', at: clock.at(at), ikeSa, initiator: A, responder: B, version: 2 });
  t.apply({ type: 'child-proposed', at: clock.at(at + 0.01), ikeSa, exchange: 'IKE_AUTH', sa: inbound(A, aSpi), peer: B });
  const done = clock.at(at + 0.02);
  t.apply({ type: 'ike-sa-established', at: done, ikeSa, initiator: A, responder: B, initialContact: false, version: 2 });
  t.apply({ type: 'child-installed', at: done, ikeSa, exchange: 'IKE_AUTH', initiatorSide: inbound(A, aSpi), responderSide: inbound(B, bSpi), rekeyOf: [] });
}

/** B's ICMP port unreachable for A's ESP-in-UDP packet on `spi`. */
function portUnreachable(ref: FrameRef, spi: number): IcmpError {
  return {
    kind: 'icmp-error',
    ref,
    ip: { version: 4, src: B, dst: A, reassembled: false },
    icmpVersion: 4,
    icmpType: 3,
    icmpCode: 3,
    pointer: null,
    quoted: { version: 4, src: A, dst: B, protocol: 17, protocolOffset: 9, srcPort: 4500, dstPort: 4500, spi: spi as Spi, seq: null },
  };
}

/** B deletes the CHILD_SA (B's inbound bSpi, A's aSpi) at `at` seconds; returns the ref of the completed exchange. */
function deleteFromB(t: SaTracker, clock: Clock, at: number, aSpi: number, bSpi: number): FrameRef {
  t.apply({ type: 'child-delete', at: clock.at(at), ikeSa: IKE, sender: B, sas: [inbound(B, bSpi)], completed: false, version: 2 });
  const completed = clock.at(at + 0.01);
  t.apply({ type: 'child-delete-completed', at: completed, ikeSa: IKE, sas: [inbound(B, bSpi), inbound(A, aSpi)] });
  return completed;
}

/** Pings both ways: A→B on bSpi, the reply B→A on aSpi, every half second. */
function pings(t: SaTracker, clock: Clock, from: number, to: number, aSpi: number, bSpi: number, seq: { n: number }, replies = true): void {
  for (let s = from; s < to; s += 0.5) {
    seq.n += 1;
    t.packet(esp(clock.at(s), A, B, bSpi, seq.n));
    if (replies) t.packet(esp(clock.at(s + 0.001), B, A, aSpi, seq.n));
  }
}

function kinds(findings: Finding[]): string[] {
  return findings.map((f) => f.kind);
}

function flagged(findings: Finding[]): number[] {
  const flags = new Set(['spi-not-installed', 'spi-after-delete', 'spi-lost', 'spi-before-install']);
  return findings.filter((f) => flags.has(f.kind)).flatMap((f) => f.frames.map(([, n]) => n)).sort((x, y) => x - y);
}

describe('SA tracker', () => {
  it('tracker passes traffic on installed SAs', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0xa1, 0xb1 + 0x1000);
    pings(t, clock, 1, 5, 0xa1, 0xb1 + 0x1000, { n: 0 });
    const r = t.finish();
    expect(flagged(r.findings)).toEqual([]);
    expect(kinds(r.findings)).not.toContain('desync');
  });

  it('tracker flags packets after a completed Delete', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0x1000a, 0x1000b);
    pings(t, clock, 1, 3, 0x1000a, 0x1000b, { n: 0 });
    const completed = deleteFromB(t, clock, 3, 0x1000a, 0x1000b);
    const late = clock.at(10);
    t.packet(esp(late, A, B, 0x1000b, 99));
    const r = t.finish();
    const after = r.findings.find((f) => f.kind === 'spi-after-delete');
    expect(after?.frames).toEqual([[0, late.frame]]);
    expect(after?.details.deletedFrame).toBe(completed.frame);
    const desync = r.findings.find((f) => f.kind === 'desync');
    expect(desync?.classification).toBe('persistent');
    const deleted = r.tunnels[0]!.events.find((e) => e.kind === 'child-deleted');
    expect(deleted?.sas.map((sa) => sa.spi)).toEqual([0x1000b, 0x1000a]);
  });

  it('tracker warns of a packet in flight at a Delete', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0x1100a, 0x1100b);
    deleteFromB(t, clock, 3, 0x1100a, 0x1100b);
    t.packet(esp(clock.at(3.02), A, B, 0x1100b, 7));
    const r = t.finish();
    const after = r.findings.find((f) => f.kind === 'spi-after-delete');
    expect(after?.classification).toBe('transient');
    expect(after?.severity).toBe('warning');
  });

  it('tracker keeps a deleting SA usable until the response', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0x2000a, 0x2000b);
    t.apply({ type: 'child-delete', at: clock.at(3), ikeSa: IKE, sender: B, sas: [inbound(B, 0x2000b)], completed: false, version: 2 });
    t.packet(esp(clock.at(3.001), A, B, 0x2000b, 1));
    const r = t.finish();
    expect(flagged(r.findings)).toEqual([]);
  });

  it('tracker flags before-install packets as a transient race', () => {
    const t = new SaTracker();
    const clock = new Clock();
    t.apply({ type: 'ike-sa-init', at: clock.at(0), ikeSa: IKE, initiator: A, responder: B, version: 2 });
    t.apply({ type: 'child-proposed', at: clock.at(0.01), ikeSa: IKE, exchange: 'IKE_AUTH', sa: inbound(A, 0x3000a), peer: B });
    const early = clock.at(0.015);
    t.packet(esp(early, B, A, 0x3000a, 1));
    t.apply({ type: 'child-installed', at: clock.at(0.02), ikeSa: IKE, exchange: 'IKE_AUTH', initiatorSide: inbound(A, 0x3000a), responderSide: inbound(B, 0x3000b), rekeyOf: [] });
    t.packet(esp(clock.at(0.5), B, A, 0x3000a, 2));
    const r = t.finish();
    expect(flagged(r.findings)).toEqual([early.frame]);
    const desync = r.findings.find((f) => f.kind === 'desync');
    expect(desync?.classification).toBe('transient');
    expect(desync?.severity).toBe('warning');
    expect(desync?.recovery?.kind).toBe('install-completed');
  });

  it('tracker names CSCvn31824 when the early SPI is then deleted', () => {
    const t = new SaTracker();
    const clock = new Clock();
    t.apply({ type: 'child-proposed', at: clock.at(0.01), ikeSa: IKE, exchange: 'CREATE_CHILD_SA', sa: inbound(A, 0x4000a), peer: B });
    t.packet(esp(clock.at(0.015), B, A, 0x4000a, 1));
    t.apply({ type: 'child-installed', at: clock.at(0.02), ikeSa: IKE, exchange: 'CREATE_CHILD_SA', initiatorSide: inbound(A, 0x4000a), responderSide: inbound(B, 0x4000b), rekeyOf: [] });
    t.apply({ type: 'child-delete', at: clock.at(0.5), ikeSa: IKE, sender: A, sas: [inbound(A, 0x4000a)], completed: false, version: 2 });
    const r = t.finish();
    expect(r.findings.find((f) => f.kind === 'spi-before-install')?.signature).toBe('CSCvn31824');
  });

  it('tracker keys SAs by receiver, not by SPI alone', () => {
    const t = new SaTracker();
    const clock = new Clock();
    // B and C both chose SPI 0x5000 for their own inbound SAs; A installed only the one with B.
    establish(t, clock, 0, 0x5000a, 0x5000);
    t.apply({ type: 'ike-sa-init', at: clock.at(0.5), ikeSa: 'fedcba9876543210', initiator: A, responder: C, version: 2 });
    t.apply({ type: 'child-installed', at: clock.at(0.6), ikeSa: 'fedcba9876543210', exchange: 'IKE_AUTH', initiatorSide: inbound(A, 0x6000a), responderSide: inbound(C, 0x5000), rekeyOf: [] });
    t.packet(esp(clock.at(1), A, B, 0x5000, 1));
    t.packet(esp(clock.at(1.1), A, C, 0x5000, 1));
    t.apply({ type: 'child-delete', at: clock.at(2), ikeSa: 'fedcba9876543210', sender: C, sas: [inbound(C, 0x5000)], completed: true, version: 1 });
    const stillFine = clock.at(3);
    t.packet(esp(stillFine, A, B, 0x5000, 2));
    const bad = clock.at(3.1);
    t.packet(esp(bad, A, C, 0x5000, 2));
    const r = t.finish();
    expect(flagged(r.findings)).toEqual([bad.frame]);
    expect(r.childSas.filter((sa) => sa.spi === 0x5000).map((sa) => sa.receiver).sort()).toEqual([B, C]);
  });

  it('tracker survives a rekey collision', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0x7000a, 0x7000b);
    // Both ends rekey the same CHILD_SA at once (RFC 7296 §2.8.1); both exchanges complete.
    t.apply({ type: 'child-installed', at: clock.at(10), ikeSa: IKE, exchange: 'CREATE_CHILD_SA', initiatorSide: inbound(A, 0x7100a), responderSide: inbound(B, 0x7100b), rekeyOf: [inbound(A, 0x7000a)] });
    t.apply({ type: 'child-installed', at: clock.at(10.001), ikeSa: IKE, exchange: 'CREATE_CHILD_SA', initiatorSide: inbound(B, 0x7200b), responderSide: inbound(A, 0x7200a), rekeyOf: [inbound(B, 0x7000b)] });
    // The loser (lower nonce) deletes its redundant SA, the winner deletes the old one.
    t.apply({ type: 'child-delete', at: clock.at(10.01), ikeSa: IKE, sender: B, sas: [inbound(B, 0x7200b)], completed: false, version: 2 });
    t.apply({ type: 'child-delete-completed', at: clock.at(10.02), ikeSa: IKE, sas: [inbound(B, 0x7200b), inbound(A, 0x7200a)] });
    t.apply({ type: 'child-delete', at: clock.at(10.03), ikeSa: IKE, sender: A, sas: [inbound(A, 0x7000a)], completed: false, version: 2 });
    t.apply({ type: 'child-delete-completed', at: clock.at(10.04), ikeSa: IKE, sas: [inbound(A, 0x7000a), inbound(B, 0x7000b)] });
    pings(t, clock, 11, 13, 0x7100a, 0x7100b, { n: 0 });
    const r = t.finish();
    expect(flagged(r.findings)).toEqual([]);
    const survivors = r.childSas.filter((sa) => sa.state === 'installed').map((sa) => sa.spi).sort();
    expect(survivors).toEqual([0x7100a, 0x7100b]);
  });

  it('tracker handles crossing Deletes', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0x8000a, 0x8000b);
    // Both ends delete the CHILD_SA at once; each response is empty (RFC 7296 §1.4.1).
    t.apply({ type: 'child-delete', at: clock.at(5), ikeSa: IKE, sender: A, sas: [inbound(A, 0x8000a)], completed: false, version: 2 });
    t.apply({ type: 'child-delete', at: clock.at(5.001), ikeSa: IKE, sender: B, sas: [inbound(B, 0x8000b)], completed: false, version: 2 });
    const inFlight = clock.at(5.002);
    t.packet(esp(inFlight, A, B, 0x8000b, 1));
    t.apply({ type: 'child-delete-completed', at: clock.at(5.01), ikeSa: IKE, sas: [inbound(A, 0x8000a)] });
    t.apply({ type: 'child-delete-completed', at: clock.at(5.011), ikeSa: IKE, sas: [inbound(B, 0x8000b)] });
    const r = t.finish();
    expect(flagged(r.findings)).toEqual([]);
    expect(r.childSas.every((sa) => sa.state === 'deleted')).toBe(true);
  });

  it('tracker infers a lost SA from ICMP errors', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0x9000a, 0x9000b);
    const seq = { n: 0 };
    pings(t, clock, 1, 5, 0x9000a, 0x9000b, seq);
    const lost: number[] = [];
    for (let s = 5; s < 8; s += 0.5) {
      seq.n += 1;
      const ref = clock.at(s);
      lost.push(ref.frame);
      t.packet(esp(ref, A, B, 0x9000b, seq.n));
      t.icmpError(portUnreachable(clock.at(s + 0.001), 0x9000b));
    }
    const r = t.finish();
    expect(flagged(r.findings)).toEqual(lost);
    const f = r.findings.find((x) => x.kind === 'spi-lost');
    expect(f?.certainty).toBe('inferred');
    const desync = r.findings.find((x) => x.kind === 'desync');
    expect(desync?.classification).toBe('persistent');
    expect(desync?.recovery?.kind).toBe('none');
  });

  it('tracker starts ICMP-confirmed loss at the quoted packet', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0x9100a, 0x9100b);
    const seq = { n: 0 };
    pings(t, clock, 1, 5, 0x9100a, 0x9100b, seq);
    // B takes this packet, then crashes before it can reply: nothing comes back, and no ICMP error either.
    t.packet(esp(clock.at(5), A, B, 0x9100b, ++seq.n));
    const lost: number[] = [];
    for (let s = 5.5; s < 8; s += 0.5) {
      const ref = clock.at(s);
      lost.push(ref.frame);
      t.packet(esp(ref, A, B, 0x9100b, ++seq.n));
      t.icmpError(portUnreachable(clock.at(s + 0.001), 0x9100b));
    }
    expect(flagged(t.finish().findings)).toEqual(lost);
  });

  it('tracker takes IPv6 unrecognized Next Header as unreachable', () => {
    // One receiver per address family, with ESP on an SPI that was never negotiated, each packet followed
    // by the receiver's error: ICMP protocol unreachable for IPv4, and for IPv6 Parameter Problem
    // code 1, which a node sends for a Next Header it does not process (RFC 8200 section 4).
    const A6 = '2001:db8::1';
    const B6 = '2001:db8::2';
    const findingsFor = (version: 4 | 6, icmpType: number, icmpCode: number, pointer: number | null = null): Finding[] => {
      const t = new SaTracker();
      const clock = new Clock();
      const [src, dst] = version === 4 ? [A, B] : [A6, B6];
      for (let s = 1; s < 6; s += 0.5) {
        const packet = esp(clock.at(s), src, dst, 0x55555555, s * 2);
        t.packet({ ...packet, ip: { version, src, dst, reassembled: false }, encapsulation: 'none', srcPort: 0, dstPort: 0 });
        t.icmpError({
          kind: 'icmp-error',
          ref: clock.at(s + 0.001),
          ip: { version, src: dst, dst: src, reassembled: false },
          icmpVersion: version,
          icmpType,
          icmpCode,
          pointer,
          quoted: { version, src, dst, protocol: 50, protocolOffset: version === 4 ? 9 : 6, srcPort: null, dstPort: null, spi: 0x55555555 as Spi, seq: s * 2 },
        });
      }
      return t.finish().findings;
    };
    const ipv4 = kinds(findingsFor(4, 3, 2));
    expect(ipv4).toContain('spi-not-installed');
    expect(kinds(findingsFor(6, 4, 1, 6))).toEqual(ipv4);
    // Code 1 pointing elsewhere names another Next Header, and code 0 (erroneous header field) is not about ESP.
    expect(kinds(findingsFor(6, 4, 1, 40))).toEqual(['spi-unknown-origin']);
    expect(kinds(findingsFor(6, 4, 0, 6))).toEqual(['spi-unknown-origin']);
  });

  it('tracker ends a black hole with dpd-restart', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0xa000a, 0xa000b);
    const seq = { n: 0 };
    pings(t, clock, 1, 5, 0xa000a, 0xa000b, seq);
    const lost: number[] = [];
    for (let s = 5; s < 30; s += 0.5) {
      seq.n += 1;
      const ref = clock.at(s);
      lost.push(ref.frame);
      t.packet(esp(ref, A, B, 0xa000b, seq.n));
      if (s === 15 || s === 17 || s === 20) {
        t.apply({ type: 'ike-request', at: clock.at(s + 0.01), ikeSa: IKE, from: A, to: B, exchange: 'INFORMATIONAL', messageId: 2, retransmission: s !== 15, liveness: true, hidden: false });
      }
    }
    const restart = clock.at(30);
    t.apply({ type: 'ike-sa-init', at: restart, ikeSa: '1111111111111111', initiator: A, responder: B, version: 2 });
    t.apply({ type: 'child-installed', at: clock.at(30.05), ikeSa: '1111111111111111', exchange: 'IKE_AUTH', initiatorSide: inbound(A, 0xb000a), responderSide: inbound(B, 0xb000b), rekeyOf: [] });
    pings(t, clock, 31, 33, 0xb000a, 0xb000b, seq);
    const r = t.finish();
    expect(flagged(r.findings)).toEqual(lost);
    const desyncs = r.findings.filter((x) => x.kind === 'desync');
    expect(desyncs).toHaveLength(1);
    expect(desyncs[0]!.recovery?.kind).toBe('dpd-restart');
    expect(desyncs[0]!.recovery?.at?.frame).toBe(restart.frame);
    expect(desyncs[0]!.spi).toBe(0xa000b);
    expect(desyncs[0]!.src).toBe(A);
  });

  it('tracker drops a silence when the receiver answers', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0xc000a, 0xc000b);
    const seq = { n: 0 };
    pings(t, clock, 1, 3, 0xc000a, 0xc000b, seq);
    pings(t, clock, 3, 6, 0xc000a, 0xc000b, seq, false);
    pings(t, clock, 6, 8, 0xc000a, 0xc000b, seq);
    const r = t.finish();
    expect(flagged(r.findings)).toEqual([]);
  });

  it('tracker confirms a long silence on its own', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0xd000a, 0xd000b);
    const seq = { n: 0 };
    pings(t, clock, 1, 3, 0xd000a, 0xd000b, seq);
    pings(t, clock, 3, 20, 0xd000a, 0xd000b, seq, false);
    const r = t.finish();
    expect(r.findings.find((f) => f.kind === 'spi-lost')?.packets).toBe(34);
  });

  it('tracker reads INVALID_SPI in both encodings', () => {
    for (const encoding of ['spi-field', 'notification-data'] as const) {
      const t = new SaTracker();
      const clock = new Clock();
      establish(t, clock, 0, 0xe000a, 0xe000b);
      // Nothing came back since the install, so the packet before the notify was dropped too.
      const before = clock.at(1);
      t.packet(esp(before, A, B, 0xe000b, 1));
      t.apply({ type: 'invalid-spi', at: clock.at(2), reporter: B, peer: A, protocol: 'esp', spi: 0xe000b as Spi, encoding, spiSize: encoding === 'spi-field' ? 4 : 0, ikeSa: IKE, messageId: 3, response: false });
      const after = clock.at(3);
      t.packet(esp(after, A, B, 0xe000b, 2));
      const r = t.finish();
      const notify = r.findings.find((f) => f.kind === 'invalid-spi-notify');
      expect(notify?.details.encoding).toBe(encoding);
      expect(flagged(r.findings)).toEqual([before.frame, after.frame]);
    }
  });

  it('tracker names CSCvd40554 for a rejected notify', () => {
    const t = new SaTracker();
    const clock = new Clock();
    const notifyAt = clock.at(1);
    t.apply({ type: 'invalid-spi-rejected', at: clock.at(1.01), notifyAt, reporter: B, peer: A, spi: 0x1234 as Spi, spiSize: 0, ikeSa: IKE });
    const r = t.finish();
    const f = r.findings.find((x) => x.kind === 'invalid-spi-notify-rejected');
    expect(f?.signature).toBe('CSCvd40554');
    expect(f?.severity).toBe('error');
  });

  it('tracker names CSCvp16730 for a failing 0xFF SPI', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0xff00000a, 0xff12345b);
    t.apply({ type: 'invalid-spi', at: clock.at(1), reporter: B, peer: A, protocol: 'esp', spi: 0xff12345b as Spi, encoding: 'notification-data', spiSize: 0, ikeSa: IKE, messageId: 2, response: false });
    t.packet(esp(clock.at(2), A, B, 0xff12345b, 1));
    const r = t.finish();
    expect(r.findings.find((f) => f.kind === 'desync')?.signature).toBe('CSCvp16730');
  });

  it('tracker notes a working 0xFF SPI as info', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0xff00000a, 0xff00000b);
    pings(t, clock, 1, 2, 0xff00000a, 0xff00000b, { n: 0 });
    const r = t.finish();
    const ff = r.findings.filter((f) => f.kind === 'ff-prefixed-spi');
    expect(ff.map((f) => f.severity)).toEqual(['info', 'info']);
  });

  it('tracker reports reserved SPIs', () => {
    const t = new SaTracker();
    const clock = new Clock();
    t.packet(esp(clock.at(1), A, B, 0, 1));
    t.packet(esp(clock.at(2), A, B, 0, 2));
    t.packet(esp(clock.at(3), A, B, 200, 1));
    const r = t.finish();
    const reserved = r.findings.filter((f) => f.kind === 'reserved-spi');
    expect(reserved.map((f) => [f.spi, f.packets])).toEqual([
      [0, 2],
      [200, 1],
    ]);
    // SPI 0 cannot have been negotiated before the capture began; 200 may have been keyed by hand.
    expect(r.findings.filter((f) => f.kind === 'spi-unknown-origin').map((f) => f.spi)).toEqual([200]);
  });

  it('tracker marks SAs without negotiation as unknown origin', () => {
    const t = new SaTracker();
    const clock = new Clock();
    t.packet(esp(clock.at(1), A, B, 0x12345678, 1));
    const r = t.finish();
    expect(kinds(r.findings)).toEqual(['spi-unknown-origin']);
    expect(r.childSas[0]!.origin).toBe('observed');
  });

  it('tracker flags an SPI never negotiated when IKE was visible', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0xf000a, 0xf000b);
    const stray = clock.at(1);
    t.packet(esp(stray, A, B, 0x0badcafe, 1));
    const r = t.finish();
    expect(r.findings.find((f) => f.kind === 'spi-not-installed')?.frames).toEqual([[0, stray.frame]]);
  });

  it('tracker deletes CHILD_SAs with their IKEv2 IKE SA', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0x1100a, 0x1100b);
    t.apply({ type: 'ike-sa-deleted', at: clock.at(5), ikeSa: IKE, version: 2 });
    const late = clock.at(6);
    t.packet(esp(late, A, B, 0x1100b, 1));
    const r = t.finish();
    expect(r.findings.find((f) => f.kind === 'spi-after-delete')?.frames).toEqual([[0, late.frame]]);
  });

  it('tracker moves CHILD_SAs to the rekeyed IKE SA', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0x1200a, 0x1200b);
    t.apply({ type: 'ike-sa-rekeyed', at: clock.at(5), ikeSa: IKE, newIkeSa: '2222222222222222' });
    t.apply({ type: 'ike-sa-deleted', at: clock.at(5.1), ikeSa: IKE, version: 2 });
    pings(t, clock, 6, 7, 0x1200a, 0x1200b, { n: 0 });
    const r = t.finish();
    expect(flagged(r.findings)).toEqual([]);
    expect(r.childSas.every((sa) => sa.ikeSa === '2222222222222222')).toBe(true);
  });

  it('tracker keeps IKEv1 CHILD_SAs when the ISAKMP SA goes', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0x1300a, 0x1300b);
    t.apply({ type: 'ike-sa-deleted', at: clock.at(5), ikeSa: IKE, version: 1 });
    pings(t, clock, 6, 7, 0x1300a, 0x1300b, { n: 0 });
    expect(flagged(t.finish().findings)).toEqual([]);
  });

  it('tracker removes both directions on an IKEv1 Delete', () => {
    const t = new SaTracker();
    const clock = new Clock();
    establish(t, clock, 0, 0x1400a, 0x1400b);
    t.apply({ type: 'child-delete', at: clock.at(5), ikeSa: IKE, sender: A, sas: [inbound(A, 0x1400a)], completed: true, version: 1 });
    const late = clock.at(6);
    t.packet(esp(late, A, B, 0x1400b, 9));
    expect(flagged(t.finish().findings)).toEqual([late.frame]);
  });

  it('tracker counts a packet seen in two inputs once', () => {
    const t = new SaTracker();
    t.multipleInputs = true;
    const clock = new Clock();
    establish(t, clock, 0, 0x1500a, 0x1500b);
    const first = clock.at(1);
    t.packet(esp(first, A, B, 0x1500b, 1));
    t.packet(esp({ ...first, input: 1, frame: 7 as FrameNumber }, A, B, 0x1500b, 1));
    const sa = t.finish().childSas.find((s) => s.spi === 0x1500b)!;
    expect(sa.packets).toBe(1);
    expect(sa.duplicates).toBe(1);
  });

  it('tracker applies the transient window option', () => {
    const build = (window: number): Finding | undefined => {
      const t = new SaTracker({ transientWindowSeconds: window });
      const clock = new Clock();
      t.apply({ type: 'child-proposed', at: clock.at(0), ikeSa: IKE, exchange: 'IKE_AUTH', sa: inbound(A, 0x1600a), peer: B });
      t.packet(esp(clock.at(1.5), B, A, 0x1600a, 1));
      t.packet(esp(clock.at(2.5), B, A, 0x1600a, 2));
      t.apply({ type: 'child-installed', at: clock.at(3), ikeSa: IKE, exchange: 'IKE_AUTH', initiatorSide: inbound(A, 0x1600a), responderSide: inbound(B, 0x1600b), rekeyOf: [] });
      return t.finish().findings.find((f) => f.kind === 'desync');
    };
    expect(build(2)?.classification).toBe('transient');
    expect(build(0.5)?.classification).toBe('persistent');
  });

  it('tracker reports events only once finished', () => {
    const t = new SaTracker();
    t.finish();
    expect(() => t.finish()).toThrow();
  });
});

describe('SA tracker in live capture', () => {
  /** Seconds on the test clock, as settle() takes them. */
  const at = (seconds: number) => 1_800_000_000 + seconds;

  it('settle keeps a sender ignoring a rekey in one outage', () => {
    const t = new SaTracker({ streaming: true, onFinding: () => undefined });
    const clock = new Clock();
    establish(t, clock, 0, 0x1200a, 0x1200b);
    t.apply({ type: 'child-installed', at: clock.at(5), ikeSa: IKE, exchange: 'CREATE_CHILD_SA', initiatorSide: inbound(A, 0x1300a), responderSide: inbound(B, 0x1300b), rekeyOf: [inbound(A, 0x1200a)] });
    t.apply({ type: 'child-delete', at: clock.at(5.1), ikeSa: IKE, sender: B, sas: [inbound(B, 0x1200b)], completed: false, version: 2 });
    t.apply({ type: 'child-delete-completed', at: clock.at(5.11), ikeSa: IKE, sas: [inbound(B, 0x1200b), inbound(A, 0x1200a)] });
    // The sender goes on with the old SPI every 15 s: one outage, however long the pauses.
    for (let i = 1; i <= 5; i++) {
      t.packet(esp(clock.at(5 + 15 * i), A, B, 0x1200b, 100 + i));
      t.settle(at(5 + 15 * i + 14));
    }
    const r = t.finish();
    const desyncs = r.findings.filter((f) => f.kind === 'desync');
    expect(desyncs).toHaveLength(1);
    expect(desyncs[0]?.packets).toBe(5);
    expect(desyncs[0]?.classification).toBe('persistent');
  });

  it('settle reports a race once quiet', () => {
    const closed: string[] = [];
    const t = new SaTracker({ streaming: true, onFinding: (f, phase) => phase === 'close' && closed.push(f.kind) });
    const clock = new Clock();
    establish(t, clock, 0, 0x1400a, 0x1400b);
    deleteFromB(t, clock, 3, 0x1400a, 0x1400b);
    t.packet(esp(clock.at(3.02), A, B, 0x1400b, 9));
    t.settle(at(8));
    expect(closed).not.toContain('desync');
    t.settle(at(14));
    expect(closed).toContain('desync');
  });

  it('settle leaves a later persistent outage an error', () => {
    const t = new SaTracker({ streaming: true, onFinding: () => undefined });
    const clock = new Clock();
    establish(t, clock, 0, 0x1500a, 0x1500b);
    deleteFromB(t, clock, 3, 0x1500a, 0x1500b);
    // One packet in flight at the Delete (transient), settled; then the sender keeps the deleted SPI (persistent).
    t.packet(esp(clock.at(3.02), A, B, 0x1500b, 9));
    t.settle(at(20));
    t.packet(esp(clock.at(30), A, B, 0x1500b, 10));
    t.packet(esp(clock.at(31), A, B, 0x1500b, 11));
    const r = t.finish();
    const after = r.findings.find((f) => f.kind === 'spi-after-delete');
    expect(after?.classification).toBe('persistent');
    expect(after?.severity).toBe('error');
  });
});

// Keep the event type in use so a rename of SaEvent breaks this file at compile time.
export type { SaEvent };
