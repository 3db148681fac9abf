// IKEv1 payload bodies (RFC 2408 §3.4-3.16, RFC 2407 §4.6, RFC 3947 §3-5,
// the Mode Config and XAUTH drafts, and Cisco/Microsoft fragmentation).

import { toHex } from '../util/bytes.js';
import { recordAnomaly } from './anomalies.js';
import { readRawAttributes, type RawAttribute } from './attributes.js';
import { IKEV1_PAYLOAD } from './constants.js';
import { addressText, idText, ipv4Text } from './identity.js';
import { readDeleteSpis, otherPayload, type BodyInput } from './payloads-v2.js';
import { configurationAttributeName } from './registry.js';
import { readProposalsV1 } from './sa.js';
import type { IkePayload } from './types.js';
import { vendorName } from './vendor-ids.js';

/** Bytes each IKEv1 payload body needs before its variable part. */
export const MIN_BODY_V1: Readonly<Record<number, number>> = {
  [IKEV1_PAYLOAD.SA]: 8,
  [IKEV1_PAYLOAD.ID]: 4,
  [IKEV1_PAYLOAD.CERT]: 1,
  [IKEV1_PAYLOAD.CR]: 1,
  [IKEV1_PAYLOAD.N]: 8,
  [IKEV1_PAYLOAD.D]: 8,
  [IKEV1_PAYLOAD.ATTR]: 4,
  [IKEV1_PAYLOAD.NAT_OA]: 4,
  [IKEV1_PAYLOAD.NAT_OA_DRAFT]: 4,
  [IKEV1_PAYLOAD.FRAGMENT]: 4,
};

/** Mode Config attributes holding an IPv4 address (draft-ietf-ipsec-isakmp-mode-cfg-05 §3.2). */
const IPV4_ATTRIBUTES = new Set([1, 2, 3, 4, 6]);
/** Attributes holding text: APPLICATION_VERSION, XAUTH-USER-NAME, XAUTH-MESSAGE, XAUTH-CHALLENGE, XAUTH-DOMAIN. */
const TEXT_ATTRIBUTES = new Set([7, 16521, 16524, 16525, 16526]);
/** XAUTH-USER-PASSWORD and XAUTH-PASSCODE carry secrets: only their length is kept. */
const SECRET_ATTRIBUTES = new Set([16522, 16523]);

/** Text of one Mode Config or XAUTH attribute: "INTERNAL_IP4_ADDRESS=10.0.0.2", "XAUTH-USER-PASSWORD (8 bytes)". */
function modeConfigAttributeText(a: RawAttribute): string {
  const name = configurationAttributeName(1, a.type);
  if (a.bytes === null) return SECRET_ATTRIBUTES.has(a.type) ? `${name} (2 bytes)` : `${name}=${a.tv}`;
  if (a.bytes.length === 0) return name;
  if (SECRET_ATTRIBUTES.has(a.type)) return `${name} (${a.bytes.length} bytes)`;
  if (a.bytes.length === 4 && IPV4_ATTRIBUTES.has(a.type)) return `${name}=${ipv4Text(a.bytes)}`;
  if (TEXT_ATTRIBUTES.has(a.type)) return `${name}=${new TextDecoder('utf-8').decode(a.bytes)}`;
  return `${name} (${a.bytes.length} bytes)`;
}

function readAttributePayload(input: BodyInput): IkePayload {
  const { r, base, sink } = input;
  const cfgType = r.u8();
  r.u8(); // reserved
  const identifier = r.u16();
  const attributes = readRawAttributes(r, sink, 1, 'attribute payload').map(modeConfigAttributeText);
  return otherPayload(base, { cfgType, identifier, attributes });
}

/** Decodes the body of an IKEv1 payload whose length covers at least MIN_BODY_V1 for its type. */
export function decodeBodyV1(input: BodyInput): IkePayload {
  const { r, base, sink } = input;
  switch (base.type) {
    case IKEV1_PAYLOAD.SA: {
      const doi = r.u32();
      // NOTE: the IPsec DOI situation is 4 bytes. The labeled-domain fields that
      // follow it when SIT_SECRECY or SIT_INTEGRITY is set (RFC 2407 §4.6.1) are not decoded.
      const situation = r.u32();
      return { kind: 'sa', ...base, doi, situation, proposals: readProposalsV1(r, sink) };
    }
    case IKEV1_PAYLOAD.ID: {
      const idType = r.u8();
      const protocolId = r.u8();
      const port = r.u16();
      const dataOffset = r.pos;
      const data = r.rest();
      const id = idText(1, idType, data);
      if (id.problem) recordAnomaly(sink, 1, 'field-invalid', id.problem, dataOffset);
      return otherPayload(base, { idType, protocolId, port, id: id.text });
    }
    case IKEV1_PAYLOAD.CERT:
    case IKEV1_PAYLOAD.CR:
      return otherPayload(base, { encoding: r.u8(), dataLength: r.remaining });
    case IKEV1_PAYLOAD.HASH: {
      const hash = r.rest();
      return otherPayload(base, { hashLength: hash.length, hash: toHex(hash) });
    }
    case IKEV1_PAYLOAD.NONCE: {
      const nonce = r.rest();
      return otherPayload(base, { nonceLength: nonce.length, nonce: toHex(nonce) });
    }
    case IKEV1_PAYLOAD.N: {
      const doi = r.u32();
      const protocolId = r.u8();
      const spiSize = r.u8();
      const notifyType = r.u16();
      let spi = '';
      if (spiSize > r.remaining) {
        recordAnomaly(sink, 1, 'count-past-payload', `notify ${notifyType} SPI size ${spiSize} runs past the ${r.remaining} bytes left`, r.pos);
      } else {
        spi = toHex(r.bytes(spiSize));
      }
      return { kind: 'notify', ...base, doi, protocolId, spiSize, spi, notifyType, data: toHex(r.rest()) };
    }
    case IKEV1_PAYLOAD.D: {
      const doi = r.u32();
      const protocolId = r.u8();
      const spiSize = r.u8();
      const count = r.u16();
      const spis = readDeleteSpis(r, sink, 1, spiSize, count);
      return { kind: 'delete', ...base, doi, protocolId, spiSize, count, spis };
    }
    case IKEV1_PAYLOAD.VID: {
      const data = r.rest();
      return otherPayload(base, { vendorId: toHex(data), vendor: vendorName(data) });
    }
    case IKEV1_PAYLOAD.ATTR:
      return readAttributePayload(input);
    case IKEV1_PAYLOAD.NAT_D:
    case IKEV1_PAYLOAD.NAT_D_DRAFT:
      return otherPayload(base, { hash: toHex(r.rest()) });
    case IKEV1_PAYLOAD.NAT_OA:
    case IKEV1_PAYLOAD.NAT_OA_DRAFT: {
      const idType = r.u8();
      r.skip(3);
      return otherPayload(base, { idType, address: addressText(r.rest()) });
    }
    case IKEV1_PAYLOAD.FRAGMENT: {
      const fragmentId = r.u16();
      const fragmentNumber = r.u8();
      const flags = r.u8();
      if (fragmentNumber === 0) recordAnomaly(sink, 1, 'field-invalid', 'fragment number 0', r.pos - 2);
      return { kind: 'v1-fragment', ...base, fragmentId, fragmentNumber, last: (flags & 0x01) !== 0, data: toHex(r.rest()) };
    }
    default:
      return otherPayload(base, { dataLength: r.remaining });
  }
}
