// Security Association payload bodies: proposals, transforms and their
// attributes. IKEv2 nests proposal and transform substructures (RFC 7296
// §3.3); IKEv1 nests Proposal and Transform payloads after the DOI and
// situation (RFC 2408 §3.4-3.6, RFC 2407 §4.6.1).

import { ByteReader, toHex } from '../util/bytes.js';
import { recordAnomaly, type AnomalySink } from './anomalies.js';
import { readDataAttributes } from './attributes.js';
import type { Proposal, Transform } from './types.js';

/** Proposals and transforms followed per SA payload: estimates above the largest real offers (26 transforms in one proposal in the corpus). */
export const MAX_PROPOSALS = 64;
export const MAX_TRANSFORMS = 256;

const PROPOSAL_HEADER_LENGTH = 8;
const TRANSFORM_HEADER_LENGTH = 8;

/**
 * Cuts the next substructure out of `r`: checks that its length covers its
 * header and fits in what is left, and returns a reader over it (header
 * included) or null after recording why not.
 */
function nextSubstructure(
  r: ByteReader,
  sink: AnomalySink,
  version: 1 | 2,
  label: string,
  headerLength: number,
  lengthOffset: number,
): ByteReader | null {
  const start = r.pos;
  if (r.remaining < headerLength) {
    recordAnomaly(sink, version, 'payload-length-below-header', `${label} needs a ${headerLength}-byte header, ${r.remaining} bytes left`, start);
    return null;
  }
  const length = (r.buf[start + lengthOffset]! << 8) | r.buf[start + lengthOffset + 1]!;
  if (length < headerLength) {
    recordAnomaly(sink, version, 'payload-length-below-header', `${label} length ${length} is below its ${headerLength}-byte header`, start);
    return null;
  }
  if (length > r.remaining) {
    recordAnomaly(sink, version, 'substructure-past-payload', `${label} length ${length} runs past the ${r.remaining} bytes left`, start);
    return null;
  }
  return r.sub(length);
}

/** Checks a proposal's transform count against the transforms it holds. */
function checkTransformCount(sink: AnomalySink, version: 1 | 2, proposal: Proposal, announced: number, offset: number): void {
  if (announced > proposal.transforms.length) {
    recordAnomaly(sink, version, 'count-past-payload', `proposal ${proposal.number} announces ${announced} transforms, holds ${proposal.transforms.length}`, offset);
  } else if (announced < proposal.transforms.length) {
    recordAnomaly(sink, version, 'field-invalid', `proposal ${proposal.number} announces ${announced} transforms, holds ${proposal.transforms.length}`, offset);
  }
}

/** Reads the proposal's SPI, recording an anomaly when the SPI size runs past the proposal. */
function readSpi(p: ByteReader, sink: AnomalySink, version: 1 | 2, spiSize: number, number: number): string {
  if (spiSize > p.remaining) {
    recordAnomaly(sink, version, 'count-past-payload', `proposal ${number} SPI size ${spiSize} runs past the ${p.remaining} bytes left`, p.pos);
    p.rest();
    return '';
  }
  return toHex(p.bytes(spiSize));
}

function readTransformsV2(p: ByteReader, sink: AnomalySink, proposalNumber: number): Transform[] {
  const transforms: Transform[] = [];
  while (p.remaining > 0) {
    if (transforms.length >= MAX_TRANSFORMS) {
      recordAnomaly(sink, 2, 'payload-count-limit', `proposal ${proposalNumber} has more than ${MAX_TRANSFORMS} transforms`, p.pos, 'limit');
      break;
    }
    const t = nextSubstructure(p, sink, 2, `transform ${transforms.length + 1} of proposal ${proposalNumber}`, TRANSFORM_HEADER_LENGTH, 2);
    if (!t) break;
    t.u8(); // last substructure: 0 or 3
    t.u8(); // reserved
    t.u16(); // length, checked above
    const transformType = t.u8();
    t.u8(); // reserved
    const id = t.u16();
    const attributes = readDataAttributes(t, sink, 2, `transform ${transforms.length + 1} of proposal ${proposalNumber}`);
    transforms.push({ number: null, transformType, id, attributes });
  }
  return transforms;
}

/** Reads the proposals of an IKEv2 SA payload body (RFC 7296 §3.3.1). */
export function readProposalsV2(r: ByteReader, sink: AnomalySink): Proposal[] {
  const proposals: Proposal[] = [];
  while (r.remaining > 0) {
    if (proposals.length >= MAX_PROPOSALS) {
      recordAnomaly(sink, 2, 'payload-count-limit', `SA has more than ${MAX_PROPOSALS} proposals`, r.pos, 'limit');
      break;
    }
    const start = r.pos;
    const p = nextSubstructure(r, sink, 2, `proposal ${proposals.length + 1}`, PROPOSAL_HEADER_LENGTH, 2);
    if (!p) break;
    p.u8(); // last substructure: 0 or 2
    p.u8(); // reserved
    p.u16(); // length, checked above
    const number = p.u8();
    const protocolId = p.u8();
    const spiSize = p.u8();
    const announced = p.u8();
    const spi = readSpi(p, sink, 2, spiSize, number);
    const proposal: Proposal = { number, protocolId, spiSize, spi, transforms: readTransformsV2(p, sink, number) };
    checkTransformCount(sink, 2, proposal, announced, start);
    proposals.push(proposal);
  }
  return proposals;
}

function readTransformsV1(p: ByteReader, sink: AnomalySink, proposalNumber: number): Transform[] {
  const transforms: Transform[] = [];
  while (p.remaining > 0) {
    if (transforms.length >= MAX_TRANSFORMS) {
      recordAnomaly(sink, 1, 'payload-count-limit', `proposal ${proposalNumber} has more than ${MAX_TRANSFORMS} transforms`, p.pos, 'limit');
      break;
    }
    const t = nextSubstructure(p, sink, 1, `transform ${transforms.length + 1} of proposal ${proposalNumber}`, TRANSFORM_HEADER_LENGTH, 2);
    if (!t) break;
    t.u8(); // next payload: 3 or 0
    t.u8(); // reserved
    t.u16(); // length, checked above
    const number = t.u8();
    const id = t.u8();
    t.u16(); // reserved2
    const attributes = readDataAttributes(t, sink, 1, `transform ${number} of proposal ${proposalNumber}`);
    transforms.push({ number, transformType: null, id, attributes });
  }
  return transforms;
}

/** Reads the Proposal payloads that follow the DOI and situation of an IKEv1 SA payload (RFC 2408 §3.5, §3.6). */
export function readProposalsV1(r: ByteReader, sink: AnomalySink): Proposal[] {
  const proposals: Proposal[] = [];
  while (r.remaining > 0) {
    if (proposals.length >= MAX_PROPOSALS) {
      recordAnomaly(sink, 1, 'payload-count-limit', `SA has more than ${MAX_PROPOSALS} proposals`, r.pos, 'limit');
      break;
    }
    const start = r.pos;
    const p = nextSubstructure(r, sink, 1, `proposal ${proposals.length + 1}`, PROPOSAL_HEADER_LENGTH, 2);
    if (!p) break;
    p.u8(); // next payload: 2 or 0
    p.u8(); // reserved
    p.u16(); // length, checked above
    const number = p.u8();
    const protocolId = p.u8();
    const spiSize = p.u8();
    const announced = p.u8();
    const spi = readSpi(p, sink, 1, spiSize, number);
    const proposal: Proposal = { number, protocolId, spiSize, spi, transforms: readTransformsV1(p, sink, number) };
    checkTransformCount(sink, 1, proposal, announced, start);
    proposals.push(proposal);
  }
  return proposals;
}
