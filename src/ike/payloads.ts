// The generic payload chain of IKEv1 and IKEv2 (RFC 2408 §3.2, RFC 7296
// §3.2): each payload starts with Next Payload, a flags byte and a 2-byte
// length that includes that 4-byte header. The walker follows the chain from
// a given first type and hands each body to the version's decoder. It stops
// at Next Payload NONE, at SK or SKF (the last payload of an IKEv2 message),
// or at the first guard that trips.

import type { Anomaly, FrameNumber } from '../types.js';
import { ByteReader } from '../util/bytes.js';
import { recordAnomaly, type AnomalySink } from './anomalies.js';
import { GENERIC_PAYLOAD_HEADER_LENGTH, IKEV2_PAYLOAD } from './constants.js';
import { decodeBodyV1, MIN_BODY_V1 } from './payloads-v1.js';
import { decodeBodyV2, MIN_BODY_V2, otherPayload } from './payloads-v2.js';
import { payloadTypes as ikev2PayloadTypes } from './registry/ikev2.generated.js';
import { payloadName } from './registry.js';
import type { IkePayload, PayloadBase } from './types.js';

/** Payloads followed per chain: an estimate well above real messages (a few dozen payloads at most), there to stop hostile chains. */
export const MAX_PAYLOADS = 256;

const IKEV2_CRITICAL = 0x80;

/** Anomaly sink and end-of-bytes rules of one chain walk. */
export interface PayloadContext {
  input: number;
  frame: FrameNumber;
  anomalies: Anomaly[];
  /** Added to offsets in anomalies and payload records so that they point into the IKE message. */
  baseOffset: number;
  /** When true, bytes after the last payload are not an anomaly (IKEv1 padding in a decrypted body). */
  allowTrailing?: boolean;
  /** True when `bytes` ends where the capture cut the message: a payload running past the end is then truncation. */
  truncated?: boolean;
}

export interface PayloadChain {
  payloads: IkePayload[];
  /** Offset in `bytes` where the walk stopped: after the last payload read, or where a guard tripped. */
  end: number;
}

/**
 * Walks the payload chain in `bytes` from offset 0, starting with payload
 * type `firstType`. Never throws: lengths and counts that do not fit become
 * anomalies in `ctx.anomalies` and end the walk or the payload concerned.
 */
export function parsePayloadChain(bytes: Uint8Array, firstType: number, version: 1 | 2, ctx: PayloadContext): PayloadChain {
  const sink: AnomalySink = ctx;
  const r = new ByteReader(bytes);
  const payloads: IkePayload[] = [];
  const pastEnd = ctx.truncated ? 'truncated' : 'malformed';
  const minBody = version === 2 ? MIN_BODY_V2 : MIN_BODY_V1;
  let type = firstType;

  while (type !== 0) {
    const start = r.pos;
    const name = payloadName(version, type);
    if (payloads.length >= MAX_PAYLOADS) {
      recordAnomaly(sink, version, 'payload-count-limit', `more than ${MAX_PAYLOADS} payloads in one chain`, start, 'limit');
      return { payloads, end: start };
    }
    if (r.remaining < GENERIC_PAYLOAD_HEADER_LENGTH) {
      const detail = r.remaining === 0
        ? `the chain announces a ${name} payload but the message ends`
        : `${name} payload header needs 4 bytes, ${r.remaining} left`;
      recordAnomaly(sink, version, 'payload-past-message', detail, start, pastEnd);
      return { payloads, end: start };
    }

    const next = r.u8();
    const flags = r.u8();
    const length = r.u16();
    if (length === 0) {
      recordAnomaly(sink, version, 'payload-chain-loop', `${name} payload length 0 would make the chain read the same payload again`, start);
      return { payloads, end: start };
    }
    if (length < GENERIC_PAYLOAD_HEADER_LENGTH) {
      recordAnomaly(sink, version, 'payload-length-below-header', `${name} payload length ${length} is below the 4-byte generic header`, start);
      return { payloads, end: start };
    }
    if (length - GENERIC_PAYLOAD_HEADER_LENGTH > r.remaining) {
      recordAnomaly(sink, version, 'payload-past-message', `${name} payload length ${length} runs past the ${r.remaining + 4} bytes left`, start, pastEnd);
      return { payloads, end: start };
    }

    const body = r.sub(length - GENERIC_PAYLOAD_HEADER_LENGTH);
    const base: PayloadBase = { type, critical: version === 2 && (flags & IKEV2_CRITICAL) !== 0, offset: ctx.baseOffset + start, length };
    const needed = minBody[type] ?? 0;
    if (body.remaining < needed) {
      recordAnomaly(sink, version, 'payload-length-below-header', `${name} payload length ${length} is below its ${needed + 4}-byte header`, start);
      payloads.push(otherPayload(base, { dataLength: body.remaining }));
    } else {
      payloads.push(version === 2 ? decodeBodyV2({ r: body, base, next, sink }) : decodeBodyV1({ r: body, base, next, sink }));
    }
    if (base.critical && !ikev2PayloadTypes.has(type)) {
      recordAnomaly(sink, version, 'unknown-critical-payload', `payload type ${type} is unknown and marked critical (RFC 7296 §2.5)`, start);
    }

    if (version === 2 && (type === IKEV2_PAYLOAD.SK || type === IKEV2_PAYLOAD.SKF)) {
      // The Next Payload field of SK and SKF names the first payload inside (RFC 7296 §3.14), so the chain ends here.
      break;
    }
    type = next;
  }

  if (r.remaining > 0 && !ctx.allowTrailing) {
    recordAnomaly(sink, version, 'trailing-bytes', `${r.remaining} bytes after the last payload`, r.pos);
  }
  return { payloads, end: r.pos };
}
