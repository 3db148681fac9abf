// Types of generate.mjs, for the TypeScript tests that write a capture of the benchmark's shape.

/** Writes `frames` frames of the benchmark capture to `path`. */
export function generateCapture(path: string, frames: number): { frames: number; bytes: number; esp: number; ike: number };
