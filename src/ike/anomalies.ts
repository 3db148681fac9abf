// Named anomalies for malformed or cut IKE messages. Every guard in the IKE
// parsers records one of these instead of throwing, with the offset into the
// IKE message where the problem starts.

import type { Anomaly, FrameNumber } from '../types.js';

/** Stable names of the IKE guards; an anomaly's reason starts with one of them. */
export type IkeAnomalyName =
  /** Fewer bytes than the 28-byte IKE header. */
  | 'header-truncated'
  /** A major version other than 1 (ISAKMP/IKEv1) or 2 (IKEv2). */
  | 'unknown-major-version'
  /** The header's Length field is below the header size. */
  | 'message-length-below-header'
  /** The header's Length field runs past the datagram. */
  | 'message-length-past-datagram'
  /** Bytes after the last payload, or after the message in its datagram. */
  | 'trailing-bytes'
  /** A payload, proposal, transform or selector length below its own header size. */
  | 'payload-length-below-header'
  /** A payload, or the next payload the chain announces, runs past the end of the message. */
  | 'payload-past-message'
  /** A proposal, transform, selector or attribute that runs past the end of its payload. */
  | 'substructure-past-payload'
  /** A payload of length 0, after which the chain would read the same payload again forever. */
  | 'payload-chain-loop'
  /** More payloads (or proposals, transforms, attributes) than the parser follows. */
  | 'payload-count-limit'
  /** A count or size field (SPI size, number of SPIs, selectors, transforms) needs more bytes than the payload holds. */
  | 'count-past-payload'
  /** An IKEv2 payload of unknown type with the critical bit set (RFC 7296 §2.5). */
  | 'unknown-critical-payload'
  /** A field whose value or size does not fit its definition (an IPv4 ID that is not 4 bytes, fragment 0). */
  | 'field-invalid';

/** Where anomalies go and how their offsets map into the IKE message. */
export interface AnomalySink {
  input: number;
  frame: FrameNumber;
  anomalies: Anomaly[];
  /** Added to offsets so that they point into the IKE message. */
  baseOffset: number;
}

export function ikeLayer(version: 1 | 2 | null): string {
  return version === 1 ? 'ikev1' : version === 2 ? 'ikev2' : 'ike';
}

/** Records a named anomaly; `offset` is relative to the bytes being parsed and gets `sink.baseOffset` added. */
export function recordAnomaly(
  sink: AnomalySink,
  version: 1 | 2 | null,
  name: IkeAnomalyName,
  detail: string,
  offset: number,
  cause: 'truncated' | 'malformed' | 'limit' = 'malformed',
): void {
  sink.anomalies.push({
    input: sink.input,
    frame: sink.frame,
    layer: ikeLayer(version),
    reason: `${name}: ${detail}`,
    offset: sink.baseOffset + offset,
    cause,
  });
}

/** The name at the start of an IKE anomaly's reason, or null for other anomalies. */
export function anomalyName(anomaly: Anomaly): IkeAnomalyName | null {
  const m = /^([a-z-]+):/.exec(anomaly.reason);
  return m ? (m[1] as IkeAnomalyName) : null;
}
