// One test per named guard: each malformed input ends as the named anomaly,
// with the offset into the IKE message and the cause.

import { describe, expect, it } from 'vitest';
import { anomalyName } from '../../src/ike/anomalies.js';
import { parseIkeMessage } from '../../src/ike/message.js';
import { MAX_PAYLOADS, parsePayloadChain } from '../../src/ike/payloads.js';
import type { Anomaly, FrameNumber } from '../../src/types.js';
import { concat, hex } from '../helpers/build.js';
import * as B from './build-ike.js';
import { datagram } from './fixtures.js';

function anomaliesOf(bytes: Uint8Array, missing = 0): Anomaly[] {
  return parseIkeMessage(datagram(bytes, { missing })).anomalies;
}

function summary(anomalies: Anomaly[]): [string | null, number | undefined, string | undefined][] {
  return anomalies.map((a) => [anomalyName(a), a.offset, a.cause]);
}

describe('IKE guards', () => {
  it('header-truncated', () => {
    expect(summary(anomaliesOf(new Uint8Array(12)))).toEqual([['header-truncated', 12, 'malformed']]);
  });

  it('unknown-major-version', () => {
    const bytes = B.message({}, []);
    bytes[17] = 0x35;
    expect(summary(anomaliesOf(bytes))).toEqual([['unknown-major-version', 17, 'malformed']]);
  });

  it('message-length-below-header', () => {
    expect(summary(anomaliesOf(B.message({ length: 0 }, [])))).toEqual([['message-length-below-header', 24, 'malformed']]);
  });

  it('message-length-past-datagram', () => {
    expect(summary(anomaliesOf(B.message({ length: 29 }, [])))).toEqual([['message-length-past-datagram', 24, 'malformed']]);
  });

  it('trailing-bytes after the last payload', () => {
    const bytes = B.message({}, [{ type: 41, body: B.notifyV2(16384) }], new Uint8Array(3));
    expect(summary(anomaliesOf(bytes))).toEqual([['trailing-bytes', 36, 'malformed']]);
  });

  it('payload-length-below-header for the generic header', () => {
    const bytes = B.message({}, [{ type: 41, body: B.notifyV2(16384), length: 3 }]);
    expect(summary(anomaliesOf(bytes))).toEqual([['payload-length-below-header', 28, 'malformed']]);
  });

  it('payload-length-below-header for a type header', () => {
    const bytes = B.message({ exchange: 37 }, [{ type: 42, body: hex('0304') }]);
    expect(summary(anomaliesOf(bytes))).toEqual([['payload-length-below-header', 28, 'malformed']]);
  });

  it('payload-past-message when a length runs past the end', () => {
    const bytes = B.message({}, [{ type: 41, body: B.notifyV2(16384), length: 60 }]);
    expect(summary(anomaliesOf(bytes))).toEqual([['payload-past-message', 28, 'malformed']]);
  });

  it('payload-past-message when the chain announces a payload after the end', () => {
    const bytes = B.message({}, [{ type: 41, body: B.notifyV2(16384), next: 41 }]);
    expect(summary(anomaliesOf(bytes))).toEqual([['payload-past-message', 36, 'malformed']]);
  });

  it('payload-chain-loop for a payload of length 0', () => {
    const bytes = B.message({ version: 1 }, [{ type: 11, body: B.notifyV1(24578), length: 0 }]);
    expect(summary(anomaliesOf(bytes))).toEqual([['payload-chain-loop', 28, 'malformed']]);
  });

  it('payload-count-limit for an overlong chain', () => {
    const payloads = Array.from({ length: MAX_PAYLOADS + 1 }, () => ({ type: 43, body: hex('01') }));
    const bytes = B.message({}, payloads);
    expect(summary(anomaliesOf(bytes))).toEqual([['payload-count-limit', 28 + 5 * MAX_PAYLOADS, 'limit']]);
  });

  it('count-past-payload for a delete count', () => {
    const bytes = B.message({ exchange: 37 }, [{ type: 42, body: B.deleteV2(3, 4, [], 2) }]);
    expect(summary(anomaliesOf(bytes))).toEqual([['count-past-payload', 36, 'malformed']]);
  });

  it('count-past-payload for traffic selectors', () => {
    const body = concat(B.u8(2), hex('000000'), B.tsV2(['10.0.0.1', '10.0.0.2']).subarray(4));
    const bytes = B.message({ exchange: 35 }, [{ type: 44, body }]);
    expect(summary(anomaliesOf(bytes))).toEqual([['count-past-payload', 52, 'malformed']]);
  });

  it('substructure-past-payload for a transform', () => {
    const proposal = B.proposalV2(1, 1, new Uint8Array(0), [[1, 12]]);
    proposal[11] = 40;
    const bytes = B.message({}, [{ type: 33, body: proposal }]);
    expect(summary(anomaliesOf(bytes))).toEqual([
      ['substructure-past-payload', 40, 'malformed'],
      ['count-past-payload', 32, 'malformed'],
    ]);
  });

  it('unknown-critical-payload', () => {
    const bytes = B.message({}, [{ type: 200, body: hex('00'), critical: true }]);
    expect(summary(anomaliesOf(bytes))).toEqual([['unknown-critical-payload', 28, 'malformed']]);
  });

  it('no anomaly for an unknown payload without the critical bit', () => {
    expect(anomaliesOf(B.message({}, [{ type: 200, body: hex('00') }]))).toEqual([]);
  });

  it('field-invalid for an IPv4 ID of the wrong size', () => {
    const bytes = B.message({ exchange: 35, messageId: 1 }, [{ type: 35, body: B.idV2(1, hex('de')) }]);
    expect(summary(anomaliesOf(bytes))).toEqual([['field-invalid', 36, 'malformed']]);
  });

  it('truncated cause when the capture cut the message', () => {
    const bytes = B.message({}, [{ type: 41, body: B.notifyV2(16388, 0, new Uint8Array(0), new Uint8Array(20)) }]);
    expect(summary(anomaliesOf(bytes.subarray(0, 40), bytes.length - 40))).toEqual([
      ['message-length-past-datagram', 24, 'truncated'],
      ['payload-past-message', 28, 'truncated'],
    ]);
  });

  it('allowTrailing accepts IKEv1 padding after a decrypted body', () => {
    const anomalies: Anomaly[] = [];
    const body = concat(B.chain([{ type: 8, body: new Uint8Array(20) }]), new Uint8Array(4));
    const result = parsePayloadChain(body, 8, 1, { input: 0, frame: 1 as FrameNumber, anomalies, baseOffset: 28, allowTrailing: true });
    expect([result.end, anomalies]).toEqual([24, []]);
  });

  it('baseOffset moves anomaly offsets into the message', () => {
    const anomalies: Anomaly[] = [];
    parsePayloadChain(hex('000000'), 41, 2, { input: 0, frame: 1 as FrameNumber, anomalies, baseOffset: 44 });
    expect(anomalies[0]!.offset).toBe(44);
  });

  it('end is where a guard stopped the walk', () => {
    const anomalies: Anomaly[] = [];
    const body = B.chain([{ type: 41, body: B.notifyV2(16384) }, { type: 41, body: B.notifyV2(16384), length: 2 }]);
    expect(parsePayloadChain(body, 41, 2, { input: 0, frame: 1 as FrameNumber, anomalies, baseOffset: 28 }).end).toBe(8);
  });
});
