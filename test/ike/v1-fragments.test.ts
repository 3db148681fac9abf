import { describe, expect, it } from 'vitest';
import { parseIkeMessage } from '../../src/ike/message.js';
import { reassembledDatagram, V1FragmentReassembler } from '../../src/ike/v1-fragments.js';
import { hex } from '../helpers/build.js';
import * as B from './build-ike.js';
import { datagram, FIXTURES, type DatagramOptions } from './fixtures.js';

const WHOLE = FIXTURES.v1Quick;

/** Fragments of WHOLE in pieces of `size` bytes, numbered from 1. */
function pieces(size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < WHOLE.length; at += size) out.push(WHOLE.subarray(at, at + size));
  return out;
}

function fragment(id: number, number: number, last: boolean, data: Uint8Array, options: DatagramOptions = {}) {
  const bytes = B.message({ version: 1, responderSpi: 'fedcba9876543210', exchange: 32, messageId: 0x11223344 }, [{ type: 132, body: B.fragmentV1(id, number, last, data) }]);
  return parseIkeMessage(datagram(bytes, options));
}

describe('V1FragmentReassembler', () => {
  it('reassembles fragments in order', () => {
    const r = new V1FragmentReassembler();
    const parts = pieces(64);
    const outcomes = parts.map((p, i) => r.add(fragment(1, i + 1, i === parts.length - 1, p)));
    expect(outcomes[outcomes.length - 1]).toEqual({ kind: 'complete', data: WHOLE, fragments: parts.length });
  });

  it('reassembles fragments out of order, the last one first', () => {
    const r = new V1FragmentReassembler();
    const [a, b, c] = pieces(64);
    r.add(fragment(1, 3, true, c!));
    r.add(fragment(1, 1, false, a!));
    expect(r.add(fragment(1, 2, false, b!))).toMatchObject({ kind: 'complete', data: WHOLE });
  });

  it('ignores a duplicate fragment', () => {
    const r = new V1FragmentReassembler();
    const [a] = pieces(64);
    r.add(fragment(1, 1, false, a!));
    expect(r.add(fragment(1, 1, false, a!))).toEqual({ kind: 'duplicate' });
  });

  it('ignores a fragment of a message already reassembled', () => {
    const r = new V1FragmentReassembler();
    const [a, b, c] = pieces(64);
    r.add(fragment(1, 1, false, a!));
    r.add(fragment(1, 2, false, b!));
    r.add(fragment(1, 3, true, c!));
    expect(r.add(fragment(1, 2, false, b!))).toEqual({ kind: 'duplicate' });
  });

  it('keeps the fragments of each sender apart', () => {
    const r = new V1FragmentReassembler();
    const [a, b] = pieces(100);
    r.add(fragment(1, 1, false, a!, { src: '192.0.2.1' }));
    expect(r.add(fragment(1, 2, true, b!, { src: '198.51.100.2' }))).toEqual({ kind: 'added' });
  });

  it('rejects fragment number 0', () => {
    const r = new V1FragmentReassembler();
    expect(r.add(fragment(1, 0, true, hex('00')))!.kind).toBe('invalid');
  });

  it('rejects a second last fragment with another number', () => {
    const r = new V1FragmentReassembler();
    r.add(fragment(1, 3, true, hex('00')));
    expect(r.add(fragment(1, 2, true, hex('00')))!.kind).toBe('invalid');
  });

  it('drops an incomplete set after the timeout', () => {
    const r = new V1FragmentReassembler({ timeoutSeconds: 30 });
    r.add(fragment(1, 1, false, hex('0011')));
    r.add(fragment(2, 1, false, hex('00'), { seconds: 60 }));
    expect(r.heldBytes).toBe(1);
  });

  it('drops the oldest set past the set limit', () => {
    const r = new V1FragmentReassembler({ maxSets: 2 });
    for (let id = 1; id <= 3; id++) r.add(fragment(id, 1, false, hex('00')));
    expect(r.heldBytes).toBe(2);
  });

  it('refuses a fragment larger than the byte budget', () => {
    const r = new V1FragmentReassembler({ maxBytes: 8 });
    expect(r.add(fragment(1, 1, false, new Uint8Array(9)))).toEqual({ kind: 'over-limit' });
  });

  it('gives null for a message without a fragment payload', () => {
    expect(new V1FragmentReassembler().add(parseIkeMessage(datagram(FIXTURES.v1Mm1)))).toBeNull();
  });

  it('yields a message that parses like the original', () => {
    const r = new V1FragmentReassembler();
    const [a, b] = pieces(100);
    r.add(fragment(1, 1, false, a!));
    const last = datagram(B.message({ version: 1, responderSpi: 'fedcba9876543210' }, [{ type: 132, body: B.fragmentV1(1, 2, true, b!) }]), { frame: 5 });
    const outcome = r.add(parseIkeMessage(last));
    if (outcome?.kind !== 'complete') throw new Error(`not complete: ${outcome?.kind}`);
    const whole = parseIkeMessage(reassembledDatagram(last, outcome.data));
    expect([whole.ref.frame, whole.payloads.map((p) => p.type), whole.anomalies]).toEqual([5, [8, 1, 10, 5, 5, 21, 131], []]);
  });
});
