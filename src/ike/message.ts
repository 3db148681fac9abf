// One IKE message from a datagram: the header, its length checked against
// the datagram, and the payloads outside encryption. The SK/SKF payload of an
// IKEv2 message is recorded with its first inner type. The body of an IKEv1
// message with the E flag is ciphertext (RFC 2408 §3.1), so it has no outer
// payloads. Decryption fills `inner` later.

import type { Anomaly, IkeDatagram } from '../types.js';
import { recordAnomaly, type AnomalySink } from './anomalies.js';
import { IKE_HEADER_LENGTH, IKEV1_FLAG_ENCRYPTION, IKEV2_FLAG_INITIATOR, IKEV2_FLAG_RESPONSE } from './constants.js';
import { parseIkeHeader, readHeaderFields } from './header.js';
import { parsePayloadChain } from './payloads.js';
import type { IkeMessage, IkePayload } from './types.js';

/** 32-bit FNV-1a over `bytes`. */
export function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function fragmentOf(payloads: IkePayload[]): IkeMessage['fragment'] {
  for (const p of payloads) {
    if (p.kind === 'skf') return { number: p.fragmentNumber, total: p.totalFragments };
    if (p.kind === 'v1-fragment') return { number: p.fragmentNumber, total: p.last ? p.fragmentNumber : 0 };
  }
  return null;
}

function isZeroSpi(spi: string): boolean {
  return /^0+$/.test(spi);
}

/**
 * Parses an IKE message from a datagram. Never throws. A datagram without a
 * readable IKE header still gives a message, with `headerError` set (see
 * IkeMessage). The Length field is checked against the datagram: past its end
 * is truncation when the capture cut the datagram (`datagram.missing`) and
 * malformed otherwise.
 */
export function parseIkeMessage(datagram: IkeDatagram): IkeMessage {
  const data = datagram.data;
  const anomalies: Anomaly[] = [];
  const sink: AnomalySink = { input: datagram.ref.input, frame: datagram.ref.frame, anomalies, baseOffset: 0 };
  const parsed = parseIkeHeader(data);
  const header = parsed.ok ? parsed.header : readHeaderFields(data);
  // Without a readable header the version is a guess from the major version nibble.
  let version: 1 | 2 = header.majorVersion === 1 ? 1 : 2;
  if (parsed.ok) version = parsed.version;
  const message: IkeMessage = {
    ref: datagram.ref,
    src: { address: datagram.ip.src, port: datagram.srcPort },
    dst: { address: datagram.ip.dst, port: datagram.dstPort },
    transport: datagram.transport,
    nonEspMarker: datagram.nonEspMarker,
    version,
    header,
    initiator: false,
    response: false,
    encrypted: false,
    decrypted: false,
    payloads: [],
    inner: null,
    fragment: null,
    decryptError: null,
    anomalies,
    headerError: null,
    fingerprint: 0,
  };

  if (!parsed.ok) {
    // A datagram shorter than the header was sent short unless the capture cut it.
    const cause = parsed.cause === 'truncated' && datagram.missing === 0 ? 'malformed' : parsed.cause;
    anomalies.push({ input: sink.input, frame: sink.frame, layer: 'ike', reason: parsed.reason, offset: parsed.offset, cause });
    message.headerError = parsed.reason;
    message.fingerprint = fnv1a(data);
    return message;
  }

  if (version === 2) {
    message.initiator = (header.flags & IKEV2_FLAG_INITIATOR) !== 0;
    message.response = (header.flags & IKEV2_FLAG_RESPONSE) !== 0;
  } else {
    // The ISAKMP SA's initiator is only known to the exchange tracker; until
    // then a zero responder cookie marks the first message, which the initiator sends.
    message.initiator = isZeroSpi(header.responderSpi);
  }

  const wireLength = data.length + datagram.missing;
  let end = Math.min(header.length, data.length);
  let truncated = false;
  if (header.length < IKE_HEADER_LENGTH) {
    recordAnomaly(sink, version, 'message-length-below-header', `Length field ${header.length} is below the ${IKE_HEADER_LENGTH}-byte header`, 24);
    message.fingerprint = fnv1a(data);
    return message;
  }
  if (header.length > data.length) {
    truncated = header.length <= wireLength && datagram.missing > 0;
    const detail = truncated
      ? `Length field ${header.length}, the capture kept ${data.length} bytes`
      : `Length field ${header.length} runs past the ${wireLength}-byte datagram`;
    recordAnomaly(sink, version, 'message-length-past-datagram', detail, 24, truncated ? 'truncated' : 'malformed');
  } else if (header.length < wireLength) {
    recordAnomaly(sink, version, 'trailing-bytes', `${wireLength - header.length} bytes after the ${header.length}-byte message in its datagram`, header.length);
  }
  end = Math.max(end, IKE_HEADER_LENGTH);
  message.fingerprint = fnv1a(data.subarray(0, end));

  if (version === 1 && (header.flags & IKEV1_FLAG_ENCRYPTION) !== 0) {
    message.encrypted = true;
    return message;
  }
  const body = data.subarray(IKE_HEADER_LENGTH, end);
  const chain = parsePayloadChain(body, header.nextPayload, version, {
    input: sink.input,
    frame: sink.frame,
    anomalies,
    baseOffset: IKE_HEADER_LENGTH,
    truncated,
  });
  message.payloads = chain.payloads;
  message.encrypted = chain.payloads.some((p) => p.kind === 'sk' || p.kind === 'skf');
  message.fragment = fragmentOf(chain.payloads);
  return message;
}
