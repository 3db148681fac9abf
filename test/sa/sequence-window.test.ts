// SequenceWindow against a plain model of the same rules: one bit per
// sequence number in the last 1024, set on arrival and cleared when the
// window moves past a skipped number. The window under test writes the bits
// of in-order runs lazily, so its counters must still match the model's.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SequenceWindow } from '../../src/sa/child-sa.js';

const WINDOW = 1024;

/** The reference: every bit written at once. */
class ModelWindow {
  first: number | null = null;
  highest = 0;
  inOrder = 0;
  missing = 0;
  gaps = 0;
  replays = 0;
  reordered = 0;
  tooOld = 0;
  private readonly seen = new Set<number>();

  add(seq: number): boolean {
    if (this.first === null) {
      this.first = seq;
      this.highest = seq;
      this.inOrder = 1;
      this.seen.add(seq);
      return false;
    }
    if (seq > this.highest) {
      const jump = seq - this.highest;
      if (jump > 1) {
        this.gaps += 1;
        this.missing += jump - 1;
      }
      this.highest = seq;
      this.inOrder += 1;
      this.seen.add(seq);
      for (const s of this.seen) if (this.highest - s >= WINDOW) this.seen.delete(s);
      return false;
    }
    if (this.highest - seq >= WINDOW) {
      this.tooOld += 1;
      return false;
    }
    if (this.seen.has(seq)) {
      this.replays += 1;
      return true;
    }
    this.seen.add(seq);
    this.reordered += 1;
    if (this.missing > 0) this.missing -= 1;
    return false;
  }
}

function counters(w: SequenceWindow | ModelWindow) {
  return { first: w.first, highest: w.highest, inOrder: w.inOrder, missing: w.missing, gaps: w.gaps, replays: w.replays, reordered: w.reordered, tooOld: w.tooOld };
}

/** Sequence numbers that move forward mostly by one, with gaps, replays, late packets and jumps past the window. */
const sequences = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(1) },
    { weight: 2, arbitrary: fc.integer({ min: 2, max: 40 }) },
    { weight: 2, arbitrary: fc.integer({ min: -40, max: 0 }) },
    { weight: 1, arbitrary: fc.integer({ min: -1500, max: 1500 }) },
  ),
  { maxLength: 3000, size: 'max' },
);

describe('sequence window', () => {
  it('sequence window matches the model', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 32 - 5000 }), sequences, (start, steps) => {
        const window = new SequenceWindow();
        const model = new ModelWindow();
        let seq = start;
        for (const step of steps) {
          seq = Math.min(2 ** 32 - 1, Math.max(1, seq + step));
          expect(window.add(seq)).toBe(model.add(seq));
        }
        expect(counters(window)).toEqual(counters(model));
      }),
      { numRuns: 100 },
    );
  });

  it('sequence window counts an in-order run', () => {
    const window = new SequenceWindow();
    for (let seq = 1; seq <= 5000; seq++) window.add(seq);
    expect(counters(window)).toEqual({ first: 1, highest: 5000, inOrder: 5000, missing: 0, gaps: 0, replays: 0, reordered: 0, tooOld: 0 });
  });

  it('sequence window sees a replay inside a run', () => {
    const window = new SequenceWindow();
    for (let seq = 1; seq <= 100; seq++) window.add(seq);
    expect(window.add(40)).toBe(true);
  });

  it('sequence window sees a replay of a run that ended', () => {
    const window = new SequenceWindow();
    for (let seq = 1; seq <= 100; seq++) window.add(seq);
    window.add(105);
    expect(window.add(99)).toBe(true);
  });

  it('sequence window fills a gap with a late packet', () => {
    const window = new SequenceWindow();
    for (const seq of [1, 2, 5, 3]) window.add(seq);
    expect([window.reordered, window.missing]).toEqual([1, 1]);
  });
});
