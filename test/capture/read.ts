// Reads a whole capture for the tests: frame numbers, times, lengths and link
// types, with the data copied out of the reader's chunk.

import { fileURLToPath } from 'node:url';
import { openCapture, openCaptureBytes, type CaptureSource } from '../../src/capture/index.js';
import type { CapturedFrame } from '../../src/types.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Path of a crafted capture under captures/. */
export function crafted(file: string): string {
  return fileURLToPath(new URL(`../../captures/${file}`, import.meta.url));
}

export interface ReadFrame {
  input: number;
  frame: number;
  /** "sec.nnnnnnnnn", as tshark prints frame.time_epoch. */
  epoch: string;
  digits: number;
  linkType: number;
  length: number;
  origLength: number;
  data: Uint8Array;
}

export function epochOf(f: CapturedFrame): string {
  return `${f.time.sec}.${String(f.time.nsec).padStart(9, '0')}`;
}

export function copyFrame(f: CapturedFrame): ReadFrame {
  return {
    input: f.input,
    frame: f.frame,
    epoch: epochOf(f),
    digits: f.time.digits,
    linkType: f.linkType,
    length: f.data.length,
    origLength: f.origLength,
    data: Uint8Array.from(f.data),
  };
}

export async function drain(source: CaptureSource): Promise<ReadFrame[]> {
  const frames: ReadFrame[] = [];
  for (let batch = await source.next(); batch !== null; batch = await source.next()) {
    for (const f of batch) frames.push(copyFrame(f));
  }
  return frames;
}

export async function readFile(path: string, input = 0): Promise<{ source: CaptureSource; frames: ReadFrame[] }> {
  const source = await openCapture(path, input);
  const frames = await drain(source);
  await source.close();
  return { source, frames };
}

export async function readBytes(bytes: Uint8Array, name = 'memory.pcap'): Promise<{ source: CaptureSource; frames: ReadFrame[] }> {
  const source = await openCaptureBytes(bytes, name, 0);
  const frames = await drain(source);
  await source.close();
  return { source, frames };
}

/** Bytes from hex; whitespace is ignored. */
export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}
