// RFC 7383 fragment reassembly: order, duplicates, a retransmission with more
// fragments, the timeout and the memory bounds.

import { describe, expect, it } from 'vitest';
import { SkfReassembler, type FragmentPiece } from '../../src/ike/skf.js';
import { toHex } from '../../src/util/bytes.js';

function piece(number: number, total: number, fill: number, length = 4): FragmentPiece {
  return { number, total, firstInner: number === 1 ? 35 : 0, plaintext: new Uint8Array(length).fill(fill) };
}

describe('SkfReassembler', () => {
  it('reassembles fragments that arrive out of order', () => {
    const r = new SkfReassembler();
    r.add('sa/I/1', piece(3, 3, 3), 0);
    r.add('sa/I/1', piece(1, 3, 1), 0);
    const out = r.add('sa/I/1', piece(2, 3, 2), 0);
    expect(out.kind === 'complete' ? toHex(out.plaintext) : out.kind).toBe('010101010202020203030303');
  });

  it('takes the first inner payload type from fragment 1', () => {
    const r = new SkfReassembler();
    r.add('sa/I/1', piece(2, 2, 2), 0);
    const out = r.add('sa/I/1', piece(1, 2, 1), 0);
    expect(out.kind === 'complete' ? out.firstInner : out.kind).toBe(35);
  });

  it('reports a repeated fragment as a duplicate', () => {
    const r = new SkfReassembler();
    r.add('sa/I/1', piece(1, 2, 1), 0);
    expect(r.add('sa/I/1', piece(1, 2, 1), 0).kind).toBe('duplicate');
  });

  it('reports a fragment of a finished message as a duplicate', () => {
    const r = new SkfReassembler();
    r.add('sa/I/1', piece(1, 2, 1), 0);
    r.add('sa/I/1', piece(2, 2, 2), 0);
    expect(r.add('sa/I/1', piece(2, 2, 2), 1).kind).toBe('duplicate');
  });

  it('replaces a set when a retransmission has more fragments', () => {
    const r = new SkfReassembler();
    r.add('sa/I/1', piece(1, 2, 9), 0);
    r.add('sa/I/1', piece(1, 3, 1), 1);
    r.add('sa/I/1', piece(2, 3, 2), 1);
    const out = r.add('sa/I/1', piece(3, 3, 3), 1);
    expect(out.kind === 'complete' ? toHex(out.plaintext) : out.kind).toBe('010101010202020203030303');
  });

  it('ignores fragments of the smaller try once a larger one started', () => {
    const r = new SkfReassembler();
    r.add('sa/I/1', piece(1, 3, 1), 0);
    expect(r.add('sa/I/1', piece(2, 2, 2), 0).kind).toBe('superseded');
  });

  it('rejects fragment number 0', () => {
    expect(new SkfReassembler().add('sa/I/1', piece(0, 2, 0), 0).kind).toBe('invalid');
  });

  it('rejects a fragment number above the total', () => {
    expect(new SkfReassembler().add('sa/I/1', piece(3, 2, 0), 0).kind).toBe('invalid');
  });

  it('drops an incomplete set after the timeout', () => {
    const r = new SkfReassembler({ maxSets: 8, maxBytes: 1024, timeoutSeconds: 30 });
    r.add('sa/I/1', piece(1, 2, 1), 0);
    r.add('sa/I/2', piece(1, 2, 1), 40);
    expect(r.heldSets).toBe(1);
  });

  it('keeps at most maxSets sets', () => {
    const r = new SkfReassembler({ maxSets: 2, maxBytes: 1024, timeoutSeconds: 30 });
    for (let id = 0; id < 5; id++) r.add(`sa/I/${id}`, piece(1, 2, 1), 0);
    expect(r.heldSets).toBe(2);
  });

  it('keeps held bytes within maxBytes', () => {
    const r = new SkfReassembler({ maxSets: 100, maxBytes: 100, timeoutSeconds: 30 });
    for (let id = 0; id < 10; id++) r.add(`sa/I/${id}`, piece(1, 2, 1, 30), 0);
    expect(r.heldBytes).toBeLessThanOrEqual(100);
  });

  it('refuses a fragment larger than the byte budget', () => {
    const r = new SkfReassembler({ maxSets: 100, maxBytes: 10, timeoutSeconds: 30 });
    expect(r.add('sa/I/1', piece(1, 2, 1, 11), 0).kind).toBe('over-limit');
  });
});
