// The fixed IKE header shared by ISAKMP/IKEv1 (RFC 2408 §3.1) and IKEv2
// (RFC 7296 §3.1): two 8-byte SPIs (cookies in IKEv1), Next Payload, the
// version byte, exchange type, flags, message ID and the message length.

import type { IkeSpi, MessageId } from '../types.js';
import { ByteReader, toHex } from '../util/bytes.js';
import { IKE_HEADER_LENGTH } from './constants.js';
import type { IkeHeader } from './types.js';

export type IkeHeaderResult =
  | { ok: true; header: IkeHeader; version: 1 | 2 }
  | { ok: false; reason: string; cause: 'truncated' | 'malformed'; offset: number };

/** Offset of the version byte, where an unknown major version is reported. */
const VERSION_OFFSET = 17;

/** Reads the header fields that `bytes` holds, with 0 for any field past its end. */
export function readHeaderFields(bytes: Uint8Array): IkeHeader {
  const r = new ByteReader(bytes);
  const initiatorSpi = toHex(r.bytes(8)).padEnd(16, '0') as IkeSpi;
  const responderSpi = toHex(r.bytes(8)).padEnd(16, '0') as IkeSpi;
  const nextPayload = r.u8();
  const version = r.u8();
  const exchangeType = r.u8();
  const flags = r.u8();
  const messageId = r.u32() as MessageId;
  const length = r.u32();
  return { initiatorSpi, responderSpi, nextPayload, majorVersion: version >> 4, minorVersion: version & 0x0f, exchangeType, flags, messageId, length };
}

/**
 * Parses the 28-byte IKE header at the start of `bytes`. The version is the
 * major version nibble: 1 is ISAKMP/IKEv1, 2 is IKEv2, anything else is
 * malformed. Fewer than 28 bytes is reported as truncated; the caller knows
 * whether the capture cut the datagram or the sender sent it short. The
 * Length field is not checked here: parseIkeMessage compares it with the
 * datagram.
 */
export function parseIkeHeader(bytes: Uint8Array): IkeHeaderResult {
  if (bytes.length < IKE_HEADER_LENGTH) {
    return { ok: false, reason: `header-truncated: ${bytes.length} bytes, the IKE header needs ${IKE_HEADER_LENGTH}`, cause: 'truncated', offset: bytes.length };
  }
  const header = readHeaderFields(bytes);
  if (header.majorVersion !== 1 && header.majorVersion !== 2) {
    return { ok: false, reason: `unknown-major-version: major version ${header.majorVersion} is neither 1 (IKEv1) nor 2 (IKEv2)`, cause: 'malformed', offset: VERSION_OFFSET };
  }
  return { ok: true, header, version: header.majorVersion === 1 ? 1 : 2 };
}
