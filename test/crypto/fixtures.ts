// Builders for the crafted IKE messages of the decrypter tests: payloads,
// headers and datagrams, with keys the tests choose themselves.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIkeMessage } from '../../src/ike/message.js';
import type { IkeMessage } from '../../src/ike/types.js';
import { loadKeys, type KeySet } from '../../src/keys/index.js';
import type { FrameNumber, IkeDatagram } from '../../src/types.js';
import { fromHex } from '../../src/util/bytes.js';
import { tempDir } from '../helpers/temp.js';

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

export function u16(v: number): Uint8Array {
  return bytes(v >> 8, v & 0xff);
}

export function u32(v: number): Uint8Array {
  return bytes((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

export function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed + i * 37) & 0xff);
}

/** A generic payload: Next Payload, flags, Length, body (RFC 7296 §3.2, RFC 2408 §3.2). */
export function payload(next: number, body: Uint8Array): Uint8Array {
  return concat(bytes(next, 0), u16(body.length + 4), body);
}

/** The 28-byte IKE header with the Length field set to `length`. */
export function ikeHeader(ispi: string, rspi: string, next: number, version: 1 | 2, exchange: number, flags: number, messageId: number, length: number): Uint8Array {
  return concat(fromHex(ispi)!, fromHex(rspi)!, bytes(next, version === 2 ? 0x20 : 0x10, exchange, flags), u32(messageId), u32(length));
}

/** A whole message: header plus payload chain. */
export function ikeMessage(ispi: string, rspi: string, firstPayload: number, version: 1 | 2, exchange: number, flags: number, messageId: number, body: Uint8Array): Uint8Array {
  return concat(ikeHeader(ispi, rspi, firstPayload, version, exchange, flags, messageId, 28 + body.length), body);
}

let frameCounter = 0;

/** Wraps message bytes as a datagram from `src` and parses it, as the pipeline does. */
export function parse(data: Uint8Array, src = '192.0.2.1', dst = '192.0.2.2', time = 0): IkeMessage {
  const datagram: IkeDatagram = {
    kind: 'ike',
    ref: { input: 0, frame: ++frameCounter as FrameNumber, time: { sec: time, nsec: 0, digits: 6 } },
    ip: { version: 4, src, dst, reassembled: false },
    transport: 'udp',
    srcPort: 500,
    dstPort: 500,
    nonEspMarker: false,
    data,
    missing: 0,
  };
  return parseIkeMessage(datagram);
}

/** Loads a key table written to a temporary file. */
export async function keysFrom(text: string): Promise<KeySet> {
  const dir = tempDir('spitrace-decrypt-');
  const path = join(dir, 'keys');
  writeFileSync(path, text);
  return loadKeys([path]);
}
