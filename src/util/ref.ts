// Frame references that outlive the packet they came from.

import type { FrameRef } from '../types.js';

/**
 * Copies a frame reference. Packets handed along the pipeline may be reused
 * by the decoder for the next frame, so anything kept must be a copy.
 */
export function snapshot(ref: FrameRef): FrameRef {
  return { input: ref.input, frame: ref.frame, time: { sec: ref.time.sec, nsec: ref.time.nsec, digits: ref.time.digits } };
}
