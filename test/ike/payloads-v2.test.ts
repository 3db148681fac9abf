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

describe('IKEv2 payload chain', () => {
  it('follows the chain of IKE_SA_INIT', () => {
    expect(parse(FIXTURES.v2Init).payloads.map((p) => p.type)).toEqual([33, 34, 40, 41, 43]);
  });

  it('records payload offsets in the message', () => {
    expect(parse(FIXTURES.v2Init).payloads.map((p) => p.offset)).toEqual([28, 76, 92, 112, 140]);
  });

  it('records no anomaly for a well-formed message', () => {
    expect(parse(FIXTURES.v2Init).anomalies).toEqual([]);
  });
});

describe('IKEv2 payload bodies', () => {
  const init = parse(FIXTURES.v2Init).payloads;
  const clear = parse(FIXTURES.v2Clear).payloads;

  it('KE carries the DH group and data length', () => {
    expect(fieldsOf(init[1])).toEqual({ dhGroup: 14, dataLength: 8 });
  });

  it('Nonce carries its bytes', () => {
    expect(fieldsOf(init[2])).toEqual({ nonceLength: 16, nonce: '000102030405060708090a0b0c0d0e0f' });
  });

  it('Notify carries protocol, SPI, type and data', () => {
    expect(init[3]).toMatchObject({ kind: 'notify', doi: null, protocolId: 0, spiSize: 0, spi: '', notifyType: 16388, data: '00112233445566778899aabbccddeeff00112233' });
  });

  it('Vendor ID is named', () => {
    expect(fieldsOf(init[4])).toEqual({ vendorId: '882fe56d6fd20dbc2251613b2ebe5beb', vendor: 'strongSwan' });
  });

  it('IDi carries the type and FQDN', () => {
    expect(fieldsOf(clear[0])).toEqual({ idType: 2, id: 'west.example' });
  });

  it('flags a NUL byte in an FQDN ID', () => {
    const msg = parse(B.message({ exchange: 35, messageId: 1 }, [{ type: 35, body: B.idV2(2, hex('610062')) }]));
    expect(msg.anomalies.map((a) => a.reason)).toEqual(['field-invalid: ID type 2 text holds control byte 0x00 at 1']);
  });

  it('CERT carries the encoding', () => {
    expect(fieldsOf(clear[1])).toEqual({ encoding: 4, dataLength: 2 });
  });

  it('CERTREQ carries the encoding', () => {
    expect(fieldsOf(clear[2])).toEqual({ encoding: 4, dataLength: 20 });
  });

  it('AUTH carries the method', () => {
    expect(fieldsOf(clear[3])).toEqual({ authMethod: 2, dataLength: 32 });
  });

  it('CP lists its attributes', () => {
    expect(fieldsOf(clear[4])).toEqual({ cfgType: 1, attributes: ['INTERNAL_IP4_ADDRESS', 'INTERNAL_IP4_DNS'] });
  });

  it('CP shows an IPv4 value', () => {
    const body = concat(B.u8(2), hex('000000'), B.u16(1), B.u16(4), hex('0a000002'));
    expect(fieldsOf(parse(B.message({}, [{ type: 47, body }])).payloads[0])).toEqual({ cfgType: 2, attributes: ['INTERNAL_IP4_ADDRESS=10.0.0.2'] });
  });

  it('TSi lists its selectors', () => {
    expect(fieldsOf(clear[5])).toEqual({ selectors: ['10.0.1.0-10.0.1.255 proto 0 port 0-65535'] });
  });

  it('TSr lists its selectors', () => {
    expect(fieldsOf(clear[6])).toEqual({ selectors: ['10.0.2.0-10.0.2.255 proto 0 port 0-65535'] });
  });

  it('EAP carries code, identifier and type', () => {
    expect(fieldsOf(clear[7])).toEqual({ eapCode: 2, eapIdentifier: 1, eapLength: 5, eapType: 1 });
  });

  it('an IPv6 selector is shown in RFC 5952 form', () => {
    const sel = concat(B.u8(8), B.u8(6), B.u16(40), B.u16(443), B.u16(443), hex('20010db8000000000000000000000001'), hex('20010db8000000000000000000000001'));
    const msg = parse(B.message({}, [{ type: 44, body: concat(B.u8(1), hex('000000'), sel) }]));
    expect(fieldsOf(msg.payloads[0])).toEqual({ selectors: ['2001:db8::1-2001:db8::1 proto 6 port 443-443'] });
  });

  it('GSPM stays an other payload with its length', () => {
    expect(fieldsOf(parse(B.message({}, [{ type: 49, body: hex('0102') }])).payloads[0])).toEqual({ dataLength: 2 });
  });
});

describe('IKEv2 Delete', () => {
  const [esp, ah] = parse(FIXTURES.v2Delete).payloads as DeletePayload[];

  it('lists several ESP SPIs', () => {
    expect(esp).toMatchObject({ kind: 'delete', protocolId: 3, spiSize: 4, count: 3, spis: ['c1a9656b', 'ac0faf03', 'ff000001'] });
  });

  it('lists several AH SPIs', () => {
    expect(ah).toMatchObject({ protocolId: 2, count: 2, spis: ['00001000', '00002000'] });
  });

  it('an IKE SA delete has no SPIs', () => {
    const msg = parse(B.message({ exchange: 37 }, [{ type: 42, body: B.deleteV2(1, 0, []) }]));
    expect(msg.payloads[0]).toMatchObject({ protocolId: 1, spiSize: 0, count: 0, spis: [] });
  });

  it('keeps the SPIs that fit when the count runs past the payload', () => {
    const msg = parse(B.message({ exchange: 37 }, [{ type: 42, body: B.deleteV2(3, 4, [hex('00000101')], 5) }]));
    expect((msg.payloads[0] as DeletePayload).spis).toEqual(['00000101']);
  });

  it('flags a count past the payload', () => {
    const msg = parse(B.message({ exchange: 37 }, [{ type: 42, body: B.deleteV2(3, 4, [hex('00000101')], 5) }]));
    expect(msg.anomalies.map((a) => a.reason)).toEqual(['count-past-payload: delete announces 5 SPIs of 4 bytes, 4 bytes hold 1']);
  });
});

describe('IKEv2 INVALID_SPI notifies', () => {
  const [inSpiField, inData] = parse(FIXTURES.v2InvalidSpi).payloads as NotifyPayload[];

  it('reads the SPI from the SPI field', () => {
    expect(inSpiField).toMatchObject({ notifyType: 11, protocolId: 3, spiSize: 4, spi: 'c1a9656b', data: '' });
  });

  it('reads the SPI from the notification data', () => {
    expect(inData).toMatchObject({ notifyType: 11, protocolId: 3, spiSize: 0, spi: '', data: 'ac0faf03' });
  });

  it('flags an SPI size past the payload', () => {
    const msg = parse(B.message({ exchange: 37 }, [{ type: 41, body: concat(B.u8(3), B.u8(8), B.u16(11), hex('0102')) }]));
    expect(msg.anomalies[0]!.reason).toMatch(/^count-past-payload: notify 11 SPI size 8/);
  });
});

describe('IKEv2 SK and SKF', () => {
  it('SK records the first inner payload type', () => {
    expect(parse(FIXTURES.v2AuthSk).payloads).toEqual([{ kind: 'sk', type: 46, critical: false, offset: 28, length: 68, firstInner: 35 }]);
  });

  it('SKF records fragment number and total', () => {
    expect(parse(FIXTURES.v2Skf1).payloads[0]).toMatchObject({ kind: 'skf', firstInner: 35, fragmentNumber: 1, totalFragments: 2 });
  });

  it('SK ends the chain even when payloads follow', () => {
    const msg = parse(B.message({ exchange: 35 }, [{ type: 46, next: 35, body: new Uint8Array(8) }, { type: 41, body: B.notifyV2(16384) }]));
    expect(msg.payloads.map((p) => p.type)).toEqual([46]);
  });

  it('flags bytes after SK as trailing', () => {
    const msg = parse(B.message({ exchange: 35 }, [{ type: 46, next: 35, body: new Uint8Array(8) }, { type: 41, body: B.notifyV2(16384) }]));
    expect(msg.anomalies[0]!.reason).toMatch(/^trailing-bytes: 8 bytes after the last payload/);
  });

  it('flags fragment number 0', () => {
    const msg = parse(B.message({ exchange: 35 }, [{ type: 53, next: 35, body: B.skfBody(0, 2, new Uint8Array(8)) }]));
    expect(msg.anomalies[0]!.reason).toMatch(/^field-invalid: fragment number 0 of 2/);
  });

  it('flags a fragment number above the total', () => {
    const msg = parse(B.message({ exchange: 35 }, [{ type: 53, next: 0, body: B.skfBody(3, 2, new Uint8Array(8)) }]));
    expect(msg.anomalies[0]!.reason).toMatch(/^field-invalid: fragment number 3 of 2/);
  });
});
