import { describe, expect, it } from 'vitest';
import { parseIkeMessage } from '../../src/ike/message.js';
import { concat } from '../helpers/build.js';
import * as B from './build-ike.js';
import { datagram, FIXTURES } from './fixtures.js';

describe('parseIkeMessage', () => {
  it('takes endpoints and frame from the datagram', () => {
    const msg = parseIkeMessage(datagram(FIXTURES.v2Init, { frame: 7, src: '192.0.2.9', srcPort: 4500, dstPort: 4500 }));
    expect([msg.ref.frame, msg.src, msg.dst.port]).toEqual([7, { address: '192.0.2.9', port: 4500 }, 4500]);
  });

  it('reads the I and R flags of IKEv2', () => {
    const msg = parseIkeMessage(datagram(FIXTURES.v2InvalidSpi));
    expect([msg.initiator, msg.response]).toEqual([false, true]);
  });

  it('marks a message with SK as encrypted', () => {
    const msg = parseIkeMessage(datagram(FIXTURES.v2AuthSk));
    expect([msg.encrypted, msg.decrypted, msg.inner]).toEqual([true, false, null]);
  });

  it('marks an SKF message with its fragment position', () => {
    expect(parseIkeMessage(datagram(FIXTURES.v2Skf1)).fragment).toEqual({ number: 1, total: 2 });
  });

  it('gives an IKEv1 message with the E flag no outer payloads', () => {
    const bytes = B.message({ version: 1, flags: 0x01, exchange: 32, messageId: 9 }, [{ type: 8, body: new Uint8Array(20) }]);
    const msg = parseIkeMessage(datagram(bytes));
    expect([msg.encrypted, msg.payloads]).toEqual([true, []]);
  });

  it('parses IKE_INTERMEDIATE like any IKEv2 exchange', () => {
    const msg = parseIkeMessage(datagram(FIXTURES.v2Intermediate));
    expect([msg.header.exchangeType, msg.payloads[0]!.kind, msg.anomalies]).toEqual([43, 'sk', []]);
  });

  it('fingerprints equal bytes equally', () => {
    expect(parseIkeMessage(datagram(FIXTURES.v2Init)).fingerprint).toBe(parseIkeMessage(datagram(FIXTURES.v2Init.slice(), { frame: 2 })).fingerprint);
  });

  it('fingerprints other bytes differently', () => {
    expect(parseIkeMessage(datagram(FIXTURES.v2Init)).fingerprint).not.toBe(parseIkeMessage(datagram(FIXTURES.v2Delete)).fingerprint);
  });

  it('reports a message cut by the capture as truncated', () => {
    const msg = parseIkeMessage(datagram(FIXTURES.v2Init.subarray(0, 100), { missing: FIXTURES.v2Init.length - 100 }));
    expect(msg.anomalies.map((a) => [a.reason.split(':')[0], a.cause])).toEqual([
      ['message-length-past-datagram', 'truncated'],
      ['payload-past-message', 'truncated'],
    ]);
  });

  it('reports a Length past an uncut datagram as malformed', () => {
    const msg = parseIkeMessage(datagram(FIXTURES.v2Init.subarray(0, 100)));
    expect(msg.anomalies.map((a) => [a.reason.split(':')[0], a.cause])).toEqual([
      ['message-length-past-datagram', 'malformed'],
      ['payload-past-message', 'malformed'],
    ]);
  });

  it('keeps the payloads before the cut', () => {
    const msg = parseIkeMessage(datagram(FIXTURES.v2Init.subarray(0, 100), { missing: 80 }));
    expect(msg.payloads.map((p) => p.type)).toEqual([33, 34]);
  });

  it('reports a Length below the header size', () => {
    const msg = parseIkeMessage(datagram(B.message({ length: 20 }, [])));
    expect(msg.anomalies.map((a) => a.reason)).toEqual(['message-length-below-header: Length field 20 is below the 28-byte header']);
  });

  it('reports datagram bytes after the message', () => {
    const msg = parseIkeMessage(datagram(concat(FIXTURES.v2Delete, new Uint8Array(16))));
    expect(msg.anomalies.map((a) => [a.reason, a.offset])).toEqual([['trailing-bytes: 16 bytes after the 64-byte message in its datagram', 64]]);
  });

  it('sets headerError for a datagram shorter than the header', () => {
    const msg = parseIkeMessage(datagram(FIXTURES.v2Init.subarray(0, 10)));
    expect(msg.headerError).toMatch(/^header-truncated/);
  });

  it('calls a short uncut datagram malformed', () => {
    const msg = parseIkeMessage(datagram(FIXTURES.v2Init.subarray(0, 10)));
    expect([msg.anomalies[0]!.layer, msg.anomalies[0]!.cause]).toEqual(['ike', 'malformed']);
  });

  it('calls a short datagram cut by the capture truncated', () => {
    const msg = parseIkeMessage(datagram(FIXTURES.v2Init.subarray(0, 10), { missing: 50 }));
    expect(msg.anomalies[0]!.cause).toBe('truncated');
  });

  it('uses the layer of the version in anomalies', () => {
    const msg = parseIkeMessage(datagram(B.message({ version: 1, length: 20 }, [])));
    expect(msg.anomalies[0]!.layer).toBe('ikev1');
  });

  it('stamps input and frame on anomalies', () => {
    const msg = parseIkeMessage(datagram(B.message({ length: 20 }, []), { input: 2, frame: 9 }));
    expect([msg.anomalies[0]!.input, msg.anomalies[0]!.frame]).toEqual([2, 9]);
  });
});
