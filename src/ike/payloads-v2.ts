// IKEv2 payload bodies (RFC 7296 §3.3-3.16, RFC 7383 §2.5). Each decoder
// reads the bytes after the generic payload header through a bounded reader
// and records anomalies for counts and sizes that do not fit.

import { ByteReader, toHex } from '../util/bytes.js';
import { recordAnomaly, type AnomalySink } from './anomalies.js';
import { MAX_ATTRIBUTES } from './attributes.js';
import { IKEV2_PAYLOAD } from './constants.js';
import { addressText, idText, ipv4Text } from './identity.js';
import { configurationAttributeName } from './registry.js';
import { readProposalsV2 } from './sa.js';
import type { DeletePayload, IkePayload, NotifyPayload, OtherPayload, PayloadBase } from './types.js';
import { vendorName } from './vendor-ids.js';

/** Traffic selectors followed per TS payload. */
export const MAX_SELECTORS = 64;

/** Bytes each IKEv2 payload body needs before its variable part (RFC 7296 §3). */
export const MIN_BODY_V2: Readonly<Record<number, number>> = {
  [IKEV2_PAYLOAD.KE]: 4,
  [IKEV2_PAYLOAD.IDi]: 4,
  [IKEV2_PAYLOAD.IDr]: 4,
  [IKEV2_PAYLOAD.CERT]: 1,
  [IKEV2_PAYLOAD.CERTREQ]: 1,
  [IKEV2_PAYLOAD.AUTH]: 4,
  [IKEV2_PAYLOAD.N]: 4,
  [IKEV2_PAYLOAD.D]: 4,
  [IKEV2_PAYLOAD.TSi]: 4,
  [IKEV2_PAYLOAD.TSr]: 4,
  [IKEV2_PAYLOAD.CP]: 4,
  [IKEV2_PAYLOAD.EAP]: 4,
  [IKEV2_PAYLOAD.SKF]: 4,
};

/** Input of a body decoder: a reader over the body, the generic header's fields and the anomaly sink. */
export interface BodyInput {
  r: ByteReader;
  base: PayloadBase;
  /** The Next Payload field of this payload's generic header. */
  next: number;
  sink: AnomalySink;
}

/** Builds a payload record of kind `other` with decoded fields. */
export function otherPayload(base: PayloadBase, fields: OtherPayload['fields']): OtherPayload {
  return { kind: 'other', ...base, fields };
}

function readNotify(input: BodyInput): NotifyPayload {
  const { r, base, sink } = input;
  const protocolId = r.u8();
  const spiSize = r.u8();
  const notifyType = r.u16();
  let spi = '';
  if (spiSize > r.remaining) {
    recordAnomaly(sink, 2, 'count-past-payload', `notify ${notifyType} SPI size ${spiSize} runs past the ${r.remaining} bytes left`, r.pos);
  } else {
    spi = toHex(r.bytes(spiSize));
  }
  return { kind: 'notify', ...base, doi: null, protocolId, spiSize, spi, notifyType, data: toHex(r.rest()) };
}

/** Reads `count` SPIs of `spiSize` bytes, keeping those that fit; shared with IKEv1 Delete. */
export function readDeleteSpis(r: ByteReader, sink: AnomalySink, version: 1 | 2, spiSize: number, count: number): string[] {
  const spis: string[] = [];
  if (spiSize === 0) return spis;
  const fitting = Math.floor(r.remaining / spiSize);
  if (count > fitting) {
    recordAnomaly(sink, version, 'count-past-payload', `delete announces ${count} SPIs of ${spiSize} bytes, ${r.remaining} bytes hold ${fitting}`, r.pos);
  }
  const n = Math.min(count, fitting);
  for (let i = 0; i < n; i++) spis.push(toHex(r.bytes(spiSize)));
  if (r.remaining > 0 && count <= fitting) {
    recordAnomaly(sink, version, 'trailing-bytes', `${r.remaining} bytes after the ${count} SPIs of a delete`, r.pos);
  }
  return spis;
}

function readDelete(input: BodyInput): DeletePayload {
  const { r, base, sink } = input;
  const protocolId = r.u8();
  const spiSize = r.u8();
  const count = r.u16();
  const spis = readDeleteSpis(r, sink, 2, spiSize, count);
  return { kind: 'delete', ...base, doi: null, protocolId, spiSize, count, spis };
}

function readId(input: BodyInput): OtherPayload {
  const { r, base, sink } = input;
  const idType = r.u8();
  r.skip(3);
  const dataOffset = r.pos;
  const data = r.rest();
  const id = idText(2, idType, data);
  if (id.problem) recordAnomaly(sink, 2, 'field-invalid', id.problem, dataOffset);
  return otherPayload(base, { idType, id: id.text });
}

/** Text of one traffic selector: "10.0.0.0-10.0.0.255 proto 0 port 0-65535". */
function readSelectors(input: BodyInput): string[] {
  const { r, sink } = input;
  const count = r.u8();
  r.skip(3);
  const selectors: string[] = [];
  while (r.remaining > 0 && selectors.length < count) {
    if (selectors.length >= MAX_SELECTORS) {
      recordAnomaly(sink, 2, 'payload-count-limit', `more than ${MAX_SELECTORS} traffic selectors`, r.pos, 'limit');
      return selectors;
    }
    const start = r.pos;
    if (r.remaining < 8) {
      recordAnomaly(sink, 2, 'payload-length-below-header', `traffic selector needs 8 bytes, ${r.remaining} left`, start);
      return selectors;
    }
    const tsType = r.u8();
    const protocol = r.u8();
    const length = r.u16();
    if (length < 8) {
      recordAnomaly(sink, 2, 'payload-length-below-header', `traffic selector length ${length} is below its 8-byte header`, start);
      return selectors;
    }
    if (length - 4 > r.remaining) {
      recordAnomaly(sink, 2, 'substructure-past-payload', `traffic selector length ${length} runs past the payload`, start);
      return selectors;
    }
    const startPort = r.u16();
    const endPort = r.u16();
    const addresses = r.bytes(length - 8);
    const half = addresses.length / 2;
    const range = Number.isInteger(half) && (half === 4 || half === 16)
      ? `${addressText(addresses.subarray(0, half))}-${addressText(addresses.subarray(half))}`
      : `type ${tsType} ${toHex(addresses)}`;
    selectors.push(`${range} proto ${protocol} port ${startPort}-${endPort}`);
  }
  if (selectors.length < count) {
    recordAnomaly(sink, 2, 'count-past-payload', `traffic selector payload announces ${count} selectors, holds ${selectors.length}`, r.pos);
  }
  return selectors;
}

/** IKEv2 configuration attributes whose value is an IPv4 address when 4 bytes long (RFC 7296 §3.15.1). */
const IPV4_CONFIGURATION_ATTRIBUTES = new Set([1, 2, 3, 4, 6, 20]);

function readConfiguration(input: BodyInput): OtherPayload {
  const { r, base, sink } = input;
  const cfgType = r.u8();
  r.skip(3);
  const attributes: string[] = [];
  while (r.remaining > 0) {
    const start = r.pos;
    if (attributes.length >= MAX_ATTRIBUTES) {
      recordAnomaly(sink, 2, 'payload-count-limit', `configuration payload has more than ${MAX_ATTRIBUTES} attributes`, start, 'limit');
      break;
    }
    if (r.remaining < 4) {
      recordAnomaly(sink, 2, 'trailing-bytes', `configuration payload ends with ${r.remaining} bytes, too short for an attribute`, start);
      break;
    }
    const type = r.u16() & 0x7fff;
    const length = r.u16();
    if (length > r.remaining) {
      recordAnomaly(sink, 2, 'substructure-past-payload', `configuration attribute ${type} length ${length} runs past the payload`, start);
      break;
    }
    const value = r.bytes(length);
    const name = configurationAttributeName(2, type);
    if (length === 0) attributes.push(name);
    else if (length === 4 && IPV4_CONFIGURATION_ATTRIBUTES.has(type)) attributes.push(`${name}=${ipv4Text(value)}`);
    else attributes.push(`${name} (${length} bytes)`);
  }
  return otherPayload(base, { cfgType, attributes });
}

/** Decodes the body of an IKEv2 payload whose length covers at least MIN_BODY_V2 for its type. */
export function decodeBodyV2(input: BodyInput): IkePayload {
  const { r, base, next } = input;
  switch (base.type) {
    case IKEV2_PAYLOAD.SA:
      return { kind: 'sa', ...base, doi: null, situation: null, proposals: readProposalsV2(r, input.sink) };
    case IKEV2_PAYLOAD.KE: {
      const dhGroup = r.u16();
      r.skip(2);
      return otherPayload(base, { dhGroup, dataLength: r.remaining });
    }
    case IKEV2_PAYLOAD.IDi:
    case IKEV2_PAYLOAD.IDr:
      return readId(input);
    case IKEV2_PAYLOAD.CERT:
    case IKEV2_PAYLOAD.CERTREQ:
      return otherPayload(base, { encoding: r.u8(), dataLength: r.remaining });
    case IKEV2_PAYLOAD.AUTH: {
      const authMethod = r.u8();
      r.skip(3);
      return otherPayload(base, { authMethod, dataLength: r.remaining });
    }
    case IKEV2_PAYLOAD.NONCE: {
      const nonce = r.rest();
      return otherPayload(base, { nonceLength: nonce.length, nonce: toHex(nonce) });
    }
    case IKEV2_PAYLOAD.N:
      return readNotify(input);
    case IKEV2_PAYLOAD.D:
      return readDelete(input);
    case IKEV2_PAYLOAD.V: {
      const data = r.rest();
      return otherPayload(base, { vendorId: toHex(data), vendor: vendorName(data) });
    }
    case IKEV2_PAYLOAD.TSi:
    case IKEV2_PAYLOAD.TSr:
      return otherPayload(base, { selectors: readSelectors(input) });
    case IKEV2_PAYLOAD.SK:
      return { kind: 'sk', ...base, firstInner: next };
    case IKEV2_PAYLOAD.SKF: {
      const fieldOffset = r.pos;
      const fragmentNumber = r.u16();
      const totalFragments = r.u16();
      if (fragmentNumber === 0 || fragmentNumber > totalFragments) {
        recordAnomaly(input.sink, 2, 'field-invalid', `fragment number ${fragmentNumber} of ${totalFragments} (RFC 7383 §2.5)`, fieldOffset);
      }
      return { kind: 'skf', ...base, firstInner: next, fragmentNumber, totalFragments };
    }
    case IKEV2_PAYLOAD.CP:
      return readConfiguration(input);
    case IKEV2_PAYLOAD.EAP: {
      const eapCode = r.u8();
      const eapIdentifier = r.u8();
      const eapLength = r.u16();
      const eapType = (eapCode === 1 || eapCode === 2) && r.remaining > 0 ? r.u8() : null;
      return otherPayload(base, { eapCode, eapIdentifier, eapLength, eapType });
    }
    default:
      return otherPayload(base, { dataLength: r.remaining });
  }
}
