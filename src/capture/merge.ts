// Several inputs read as one timeline: a k-way merge by capture timestamp.
// Each input keeps its own file order (a file whose clock steps back is not
// re-sorted), and ties go to the input listed first.
//
// Frames are views into their reader's chunk, valid until that reader's next
// call. So a merged batch ends as soon as any input's batch is used up, and
// that input is refilled only on the following call, once the caller has let
// go of the frames.

import type { CapturedFrame } from '../types.js';
import type { CaptureSource, MergedCapture } from './types.js';

interface Lane {
  source: CaptureSource;
  batch: CapturedFrame[];
  /** Next unmerged frame in batch. */
  index: number;
  ended: boolean;
}

function isBefore(a: CapturedFrame, b: CapturedFrame): boolean {
  return a.time.sec < b.time.sec || (a.time.sec === b.time.sec && a.time.nsec < b.time.nsec);
}

export class Merger implements MergedCapture {
  private readonly lanes: Lane[];

  constructor(readonly inputs: CaptureSource[]) {
    this.lanes = inputs.map((source) => ({ source, batch: [], index: 0, ended: false }));
  }

  async next(): Promise<CapturedFrame[] | null> {
    await this.refill();
    const live = this.lanes.filter((lane) => lane.index < lane.batch.length);
    if (live.length === 0) return null;
    if (live.length === 1) {
      const lane = live[0]!;
      const rest = lane.index === 0 ? lane.batch : lane.batch.slice(lane.index);
      lane.index = lane.batch.length;
      return rest;
    }

    const out: CapturedFrame[] = [];
    for (;;) {
      let best: Lane = live[0]!;
      for (let i = 1; i < live.length; i++) {
        const lane = live[i]!;
        // Strictly earlier only, so ties keep the lower input index.
        if (isBefore(lane.batch[lane.index]!, best.batch[best.index]!)) best = lane;
      }
      out.push(best.batch[best.index]!);
      best.index++;
      if (best.index === best.batch.length) return out;
    }
  }

  /** Fetches a new batch for every input whose batch is used up. */
  private async refill(): Promise<void> {
    for (const lane of this.lanes) {
      while (!lane.ended && lane.index >= lane.batch.length) {
        const batch = await lane.source.next();
        if (batch === null) {
          lane.ended = true;
          lane.batch = [];
        } else {
          lane.batch = batch;
        }
        lane.index = 0;
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.inputs.map((source) => source.close()));
  }
}
