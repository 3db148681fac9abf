import { describe, expect, it } from 'vitest';
import { parseIkeMessage } from '../../src/ike/message.js';
import { renderIkeMessage } from '../../src/report/ike-tree.js';
import * as B from './build-ike.js';
import { datagram, FIXTURES } from './fixtures.js';

function tree(bytes: Uint8Array): string[] {
  return renderIkeMessage(parseIkeMessage(datagram(bytes, { frame: 3 })));
}

describe('renderIkeMessage', () => {
  it('starts with frame, time, endpoints, exchange, role, message ID and SPIs', () => {
    expect(tree(FIXTURES.v2Init)[0]).toBe('3 2023-11-14T22:13:20.000000Z 192.0.2.1:500 → 198.51.100.2:500 IKEv2 IKE_SA_INIT request [I] msgid 0 SPIs 0123456789abcdef/0000000000000000');
  });

  it('lists IKEv2 proposals with transform names', () => {
    expect(tree(FIXTURES.v2Init).slice(1, 3)).toEqual(['  SA     1 proposal', '         #1 IKE: ENCR_AES_CBC(256) PRF_HMAC_SHA2_256 AUTH_HMAC_SHA2_256_128 2048-bit MODP Group']);
  });

  it('shows KE, nonce, notify and vendor lines', () => {
    expect(tree(FIXTURES.v2Init).slice(3)).toEqual([
      '  KE     group 14 (2048-bit MODP Group), 8 bytes',
      '  Ni     16 bytes',
      '  N      NAT_DETECTION_SOURCE_IP, data 20 bytes',
      '  V      strongSwan',
    ]);
  });

  it('shows both INVALID_SPI encodings', () => {
    expect(tree(FIXTURES.v2InvalidSpi).slice(1)).toEqual(['  N      INVALID_SPI SPI c1a9656b (spi-field)', '  N      INVALID_SPI SPI ac0faf03 (notification-data)']);
  });

  it('shows the DPD sequence number and IKEv1 SPIs', () => {
    expect(tree(FIXTURES.v1Info).slice(2, 4)).toEqual(['  N      INVALID-SPI SPI c0ffee01 (spi-field)', '  N      R-U-THERE PROTO_ISAKMP SPI 0123456789abcdeffedcba9876543210 sequence 42']);
  });

  it('lists the SPIs of a delete', () => {
    expect(tree(FIXTURES.v2Delete).slice(1)).toEqual(['  D      ESP 3 SPIs: c1a9656b, ac0faf03, ff000001', '  D      AH 2 SPIs: 00001000, 00002000']);
  });

  it('shows decrypted payloads under the SK line', () => {
    const msg = parseIkeMessage(datagram(FIXTURES.v2AuthSk));
    msg.decrypted = true;
    msg.inner = parseIkeMessage(datagram(FIXTURES.v2Clear)).payloads.slice(0, 1);
    expect(renderIkeMessage(msg).slice(1)).toEqual(['  SK     encrypted, first inner IDi', '    IDi    ID_FQDN west.example']);
  });

  it('lists IKEv1 transforms with attribute names', () => {
    expect(tree(FIXTURES.v1Mm1)[2]).toBe('         #1 PROTO_ISAKMP: KEY_IKE(AES-CBC, Key Length=128, SHA, pre-shared key, alternate 1024-bit MODP group, seconds, Life Duration=86400)');
  });

  it('marks an IKEv1 encrypted body', () => {
    const bytes = B.message({ version: 1, flags: 1, exchange: 32, messageId: 9 }, [{ type: 8, body: new Uint8Array(20) }]);
    expect(tree(bytes).slice(1)).toEqual(['  encrypted body']);
  });

  it('escapes control characters in an ID', () => {
    const bytes = B.message({ exchange: 35, messageId: 1 }, [{ type: 35, body: B.idV2(2, Uint8Array.from([0x65, 0x1b, 0x5b, 0x32, 0x4a])) }]);
    expect(tree(bytes)[1]).toBe('  IDi    ID_FQDN e\\x1b[2J');
  });

  it('cuts a long ID', () => {
    const bytes = B.message({ exchange: 35, messageId: 1 }, [{ type: 35, body: B.idV2(2, new Uint8Array(200).fill(0x61)) }]);
    expect(tree(bytes)[1]).toBe(`  IDi    ID_FQDN ${'a'.repeat(80)}… (200 characters)`);
  });

  it('lists anomalies after the payloads', () => {
    expect(tree(B.message({ length: 20 }, [])).slice(1)).toEqual(['  ! message-length-below-header: Length field 20 is below the 28-byte header']);
  });

  it('says when a datagram is not an IKE message', () => {
    expect(tree(new Uint8Array(5))).toEqual(['3 2023-11-14T22:13:20.000000Z not an IKE message: header-truncated: 5 bytes, the IKE header needs 28']);
  });
});
