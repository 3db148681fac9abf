import { describe, expect, it } from 'vitest';
import { parseIkeMessage } from '../../src/ike/message.js';
import type { DeletePayload, IkeMessage, IkePayload, NotifyPayload, OtherPayload } from '../../src/ike/types.js';
import { concat, hex } from '../helpers/build.js';
import * as B from './build-ike.js';
import { datagram, FIXTURES } from './fixtures.js';

function parse(bytes: Uint8Array): IkeMessage {
  return parseIkeMessage(datagram(bytes));
}

function fieldsOf(p: IkePayload | undefined): OtherPayload['fields'] {
  if (!p || p.kind !== 'other') throw new Error(`not an other payload: ${p?.kind}`);
  return p.fields;
}

describe('IKEv1 Main Mode payloads', () => {
  const mm1 = parse(FIXTURES.v1Mm1).payloads;
  const mm3 = parse(FIXTURES.v1Mm3).payloads;

  it('follows the chain of Main Mode message 1', () => {
    expect(mm1.map((p) => p.type)).toEqual([1, 13, 13, 13, 13]);
  });

  it('names the RFC 3947 vendor ID', () => {
    expect(fieldsOf(mm1[1]).vendor).toBe('RFC 3947 NAT-T');
  });

  it('names the DPD vendor ID', () => {
    expect(fieldsOf(mm1[2]).vendor).toBe('RFC 3706 DPD');
  });

  it('names the 8-byte XAUTH vendor ID', () => {
    expect(fieldsOf(mm1[3]).vendor).toBe('XAUTH');
  });

  it('names Cisco Unity with its version bytes', () => {
    expect(fieldsOf(mm1[4]).vendor).toBe('Cisco Unity');
  });

  it('KE carries its data length', () => {
    expect(fieldsOf(mm3[0])).toEqual({ dataLength: 16 });
  });

  it('NONCE carries its bytes', () => {
    expect(fieldsOf(mm3[1]).nonceLength).toBe(16);
  });

  it('NAT-D is read under the RFC 3947 number', () => {
    expect(fieldsOf(mm3[2])).toEqual({ hash: '0303030303030303030303030303030303030303' });
  });

  it('NAT-D is read under the draft number', () => {
    expect([mm3[3]!.type, fieldsOf(mm3[3]).hash]).toEqual([130, '0404040404040404040404040404040404040404']);
  });
});

describe('IKEv1 Quick Mode payloads', () => {
  const qm = parse(FIXTURES.v1Quick).payloads;

  it('follows the chain', () => {
    expect(qm.map((p) => p.type)).toEqual([8, 1, 10, 5, 5, 21, 131]);
  });

  it('HASH carries its bytes', () => {
    expect(fieldsOf(qm[0]).hashLength).toBe(20);
  });

  it('ID shows an IPv4 subnet', () => {
    expect(fieldsOf(qm[3])).toEqual({ idType: 4, protocolId: 0, port: 0, id: '10.0.1.0/255.255.255.0' });
  });

  it('ID carries protocol and port', () => {
    expect(fieldsOf(qm[4])).toEqual({ idType: 1, protocolId: 17, port: 500, id: '10.0.2.1' });
  });

  it('NAT-OA is read under the RFC 3947 number', () => {
    expect(fieldsOf(qm[5])).toEqual({ idType: 1, address: '192.0.2.10' });
  });

  it('NAT-OA is read under the draft number', () => {
    expect(fieldsOf(qm[6])).toEqual({ idType: 1, address: '192.0.2.11' });
  });

  it('flags an IPv6 subnet ID that is too short', () => {
    const msg = parse(B.message({ version: 1, exchange: 32, messageId: 1 }, [{ type: 5, body: concat(B.u8(6), B.u8(0), B.u16(0), new Uint8Array(24)) }]));
    expect(msg.anomalies.map((a) => a.reason)).toEqual(['field-invalid: ID type 6 with 24 bytes of data, 32 expected']);
  });
});

describe('IKEv1 Informational payloads', () => {
  const info = parse(FIXTURES.v1Info).payloads;

  it('INVALID-SPI carries the SPI in the SPI field', () => {
    expect(info[1]).toMatchObject({ kind: 'notify', doi: 1, protocolId: 3, spiSize: 4, spi: 'c0ffee01', notifyType: 11 });
  });

  it('R-U-THERE carries the cookies and the sequence number', () => {
    expect(info[2]).toMatchObject({ notifyType: 36136, spiSize: 16, spi: '0123456789abcdeffedcba9876543210', data: '0000002a' });
  });

  it('Delete lists several ESP SPIs', () => {
    expect(info[3]).toMatchObject({ kind: 'delete', doi: 1, protocolId: 3, spiSize: 4, count: 2, spis: ['c0ffee01', 'c0ffee02'] });
  });

  it('Delete of the ISAKMP SA carries both cookies', () => {
    expect((info[4] as DeletePayload).spis).toEqual(['0123456789abcdeffedcba9876543210']);
  });

  it('responder lifetime keeps its data', () => {
    const msg = parse(B.message({ version: 1, exchange: 32, messageId: 1 }, [{ type: 11, body: B.notifyV1(24576, 3, hex('c0ffee01'), B.attributeTv(1, 1)) }]));
    expect(msg.payloads[0] as NotifyPayload).toMatchObject({ notifyType: 24576, spi: 'c0ffee01', data: '80010001' });
  });
});

describe('IKEv1 attribute payload', () => {
  const attr = fieldsOf(parse(FIXTURES.v1Attr).payloads[1]);

  it('reads the type and identifier', () => {
    expect([attr.cfgType, attr.identifier]).toEqual([2, 7]);
  });

  it('shows names, text and addresses, and only the length of a password', () => {
    expect(attr.attributes).toEqual(['XAUTH-TYPE=0', 'XAUTH-USER-NAME=alice', 'XAUTH-USER-PASSWORD (7 bytes)', 'INTERNAL_IP4_ADDRESS=10.9.8.7']);
  });
});

describe('IKEv1 fragment payload', () => {
  it('reads fragment ID, number, last flag and data', () => {
    expect(parse(FIXTURES.v1Frag).payloads[0]).toEqual({ kind: 'v1-fragment', type: 132, critical: false, offset: 28, length: 12, fragmentId: 1, fragmentNumber: 2, last: true, data: 'deadbeef' });
  });

  it('sets the message fragment position', () => {
    expect(parse(FIXTURES.v1Frag).fragment).toEqual({ number: 2, total: 2 });
  });
});
