import { describe, expect, it } from 'vitest';
import {
  attributeName,
  attributeValueName,
  exchangeName,
  notifyName,
  payloadName,
  protocolName,
  situationName,
  transformName,
  transformTypeName,
} from '../../src/ike/registry.js';

describe('IKEv2 names', () => {
  it.each([
    [34, 'IKE_SA_INIT'],
    [35, 'IKE_AUTH'],
    [36, 'CREATE_CHILD_SA'],
    [37, 'INFORMATIONAL'],
    [38, 'IKE_SESSION_RESUME'],
    [43, 'IKE_INTERMEDIATE'],
    [44, 'IKE_FOLLOWUP_KE'],
    [99, 'unknown(99)'],
  ])('exchange %i is %s', (n, name) => {
    expect(exchangeName(2, n)).toBe(name);
  });

  it.each([
    [33, 'SA'], [34, 'KE'], [35, 'IDi'], [36, 'IDr'], [37, 'CERT'], [38, 'CERTREQ'], [39, 'AUTH'], [40, 'Ni/Nr'],
    [41, 'N'], [42, 'D'], [43, 'V'], [44, 'TSi'], [45, 'TSr'], [46, 'SK'], [47, 'CP'], [48, 'EAP'], [49, 'GSPM'], [53, 'SKF'], [0, 'NONE'], [127, 'unknown(127)'],
  ])('payload %i is %s', (n, name) => {
    expect(payloadName(2, n)).toBe(name);
  });

  it.each([
    [11, 'INVALID_SPI'], [7, 'INVALID_SYNTAX'], [44, 'CHILD_SA_NOT_FOUND'], [16393, 'REKEY_SA'], [16430, 'IKEV2_FRAGMENTATION_SUPPORTED'], [16438, 'INTERMEDIATE_EXCHANGE_SUPPORTED'],
  ])('notify %i is %s', (n, name) => {
    expect(notifyName(2, n)).toBe(name);
  });

  it('names transforms by type', () => {
    expect([transformName(2, 1, 20), transformName(2, 2, 5), transformName(2, 3, 12), transformName(2, 4, 31), transformName(2, 5, 1)]).toEqual([
      'ENCR_AES_GCM_16',
      'PRF_HMAC_SHA2_256',
      'AUTH_HMAC_SHA2_256_128',
      'Curve25519',
      'Partially Transmitted 64-bit Sequential Numbers',
    ]);
  });

  it('names additional key exchange transforms from the KE table', () => {
    expect(transformName(2, 6, 36)).toBe('ml-kem-768');
  });

  it('names transform types by abbreviation', () => {
    expect([transformTypeName(1), transformTypeName(4), transformTypeName(5)]).toEqual(['ENCR', 'KE', 'SN']);
  });

  it('names security protocols', () => {
    expect([protocolName(2, 1), protocolName(2, 2), protocolName(2, 3)]).toEqual(['IKE', 'AH', 'ESP']);
  });

  it('names the key length attribute', () => {
    expect(attributeName(2, 14)).toBe('Key Length (in bits)');
  });
});

describe('IKEv1 names', () => {
  it.each([
    [1, 'Base'], [2, 'Identity Protection'], [3, 'Authentication Only'], [4, 'Aggressive'], [5, 'Informational'], [6, 'Transaction'], [32, 'Quick Mode'], [33, 'New Group Mode'],
  ])('exchange %i is %s', (n, name) => {
    expect(exchangeName(1, n)).toBe(name);
  });

  it.each([
    [1, 'SA'], [4, 'KE'], [5, 'ID'], [6, 'CERT'], [7, 'CR'], [8, 'HASH'], [9, 'SIG'], [10, 'NONCE'], [11, 'N'], [12, 'D'], [13, 'VID'], [14, 'ATTR'],
    [20, 'NAT-D'], [21, 'NAT-OA'], [130, 'NAT-D'], [131, 'NAT-OA'], [132, 'FRAG'],
  ])('payload %i is %s', (n, name) => {
    expect(payloadName(1, n)).toBe(name);
  });

  it.each([
    [11, 'INVALID-SPI'], [14, 'NO-PROPOSAL-CHOSEN'], [24576, 'RESPONDER-LIFETIME'], [24578, 'INITIAL-CONTACT'], [36136, 'R-U-THERE'], [36137, 'R-U-THERE-ACK'],
  ])('notify %i is %s', (n, name) => {
    expect(notifyName(1, n)).toBe(name);
  });

  it('names transform IDs by protocol', () => {
    expect([transformName(1, 1, 1), transformName(1, 2, 3), transformName(1, 3, 12), transformName(1, 4, 2)]).toEqual(['KEY_IKE', 'AH_SHA', 'ESP_AES-CBC', 'IPCOMP_DEFLATE']);
  });

  it('names protocol IDs', () => {
    expect([protocolName(1, 1), protocolName(1, 3)]).toEqual(['PROTO_ISAKMP', 'PROTO_IPSEC_ESP']);
  });

  it('names phase 1 attributes and values', () => {
    expect([attributeName(1, 1, 'ike'), attributeValueName('ike', 1, 7), attributeValueName('ike', 3, 65001), attributeValueName('ike', 4, 14)]).toEqual([
      'Encryption Algorithm',
      'AES-CBC',
      'XAUTHInitPreShared',
      '2048-bit MODP group',
    ]);
  });

  it('names phase 2 attributes and values', () => {
    expect([attributeName(1, 4, 'ipsec'), attributeValueName('ipsec', 4, 3), attributeValueName('ipsec', 4, 61443), attributeValueName('ipsec', 5, 2)]).toEqual([
      'Encapsulation Mode',
      'UDP-Encapsulated-Tunnel',
      'UDP-Encapsulated-Tunnel (draft)',
      'HMAC-SHA',
    ]);
  });

  it('names IPsec DOI situation bits', () => {
    expect([situationName(1), situationName(6), situationName(0)]).toEqual(['SIT_IDENTITY_ONLY', 'SIT_SECRECY|SIT_INTEGRITY', '0']);
  });

  it('gives null for numeric attributes', () => {
    expect(attributeValueName('ike', 14, 256)).toBeNull();
  });
});
