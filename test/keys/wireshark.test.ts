// Wireshark's key tables: ikev2_decryption_table, ikev1_decryption_table and
// esp_sa, as Wireshark 4.0 writes them and as people edit them by hand.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyFileError, loadKeys } from '../../src/keys/index.js';
import { toHex } from '../../src/util/bytes.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('spitrace-keys-');
let counter = 0;
function file(content: string): string {
  const path = join(dir, `table-${counter++}`);
  writeFileSync(path, content);
  return path;
}

async function loadError(content: string): Promise<KeyFileError> {
  const path = file(content);
  try {
    await loadKeys([path]);
  } catch (error) {
    if (error instanceof KeyFileError) return error;
    throw error;
  }
  throw new Error('expected KeyFileError');
}

const SK_E = '34da590c45afd029130204a7674c1e0f6678ee516e8ba478ece7b26bf4c048d7';
const SK_A = '22ed5541275d3b1546e76cb769307cf7da3f6a7fbf5a6787dc1564436dbcaeda';
const ikev2Row = `0990108657b89f4b,2c252c22a743832d,${SK_E},${SK_E},"AES-CBC-256 [RFC3602]",${SK_A},${SK_A},"HMAC_SHA2_256_128 [RFC4868]"`;

describe('ikev2_decryption_table', () => {
  it('reads a row as Wireshark 4.0 writes it', async () => {
    const keys = await loadKeys([file(`# comment\n${ikev2Row}\n`)]);
    expect(keys.ikev2Keys('0990108657b89f4b', '2c252c22a743832d')[0]?.encryption?.name).toBe('ENCR_AES_CBC_256');
  });

  it('reads unquoted algorithm names and 0x-prefixed hex', async () => {
    const row = `0x0990108657b89f4b,0x2c252c22a743832d,0x${SK_E},0x${SK_E},AES-CBC-256 [RFC3602],0x${SK_A},0x${SK_A},HMAC_SHA2_256_128 [RFC4868]`;
    const keys = await loadKeys([file(row)]);
    expect(toHex(keys.ikev2[0]!.skEi!.reveal())).toBe(SK_E);
  });

  it('reads the NULL row with empty keys', async () => {
    const keys = await loadKeys([file('1234567890123456,0987654321098765,,,"NULL [RFC2410]",,,"NONE [RFC4306]"\n')]);
    expect(keys.ikev2[0]?.integrity?.name).toBe('NONE');
  });

  it('reads AEAD rows with 4 bytes of salt after the key', async () => {
    const key = '00'.repeat(36);
    const keys = await loadKeys([file(`0158b8fb90b7623d,13514610cea16160,${key},${key},"AES-GCM-256 with 16 octet ICV [RFC5282]",,,"NONE [RFC4306]"`)]);
    expect(keys.ikev2[0]?.encryption?.name).toBe('ENCR_AES_GCM_16_256');
  });

  it('reads CCM rows with 3 bytes of salt after the key', async () => {
    const key = '00'.repeat(19);
    const keys = await loadKeys([file(`ea684d21597afd36,d9fe2ab22dac23ac,${key},${key},"AES-CCM-128 with 12 octet ICV [RFC5282]",,,"NONE [RFC4306]"`)]);
    expect(keys.ikev2[0]?.encryption?.saltLength).toBe(3);
  });

  it('accepts IANA names for transforms Wireshark cannot name', async () => {
    const key = '00'.repeat(36);
    const keys = await loadKeys([file(`0158b8fb90b7623d,13514610cea16160,${key},${key},ENCR_CHACHA20_POLY1305,,,NONE`)]);
    expect(keys.ikev2[0]?.encryption?.name).toBe('ENCR_CHACHA20_POLY1305');
  });

  it('names line and field of a short SK_ei', async () => {
    const error = await loadError(`# header\n${ikev2Row.replace(SK_E + ',', SK_E.slice(2) + ',')}\n`);
    expect(error.message).toMatch(/table-\d+:2: SK_ei: expected 32 bytes for AES-CBC-256 \[RFC3602\], found 31$/);
  });

  it('names the field of an unknown encryption algorithm', async () => {
    const error = await loadError(ikev2Row.replace('AES-CBC-256 [RFC3602]', 'AES-CBC-512'));
    expect(`${error.line} ${error.field}`).toBe('1 Encryption algorithm');
  });

  it('names the field of an unknown integrity algorithm', async () => {
    const error = await loadError(ikev2Row.replace('HMAC_SHA2_256_128 [RFC4868]', 'HMAC_SHA3'));
    expect(error.field).toBe('Integrity algorithm');
  });

  it('names a responder SPI that is not 8 bytes', async () => {
    const error = await loadError(ikev2Row.replace('2c252c22a743832d', '2c252c22a74383'));
    expect(error.field).toBe("Responder's SPI");
  });

  it('names an integrity key of the wrong length', async () => {
    const error = await loadError(ikev2Row.replace(`${SK_A},${SK_A}`, `${SK_A},${SK_A}00`));
    expect(error.field).toBe('SK_ar');
  });

  it('reports a missing field', async () => {
    const error = await loadError(`${ikev2Row}\n${ikev2Row.split(',').slice(0, 7).join(',')},x,y,z\n`.replace(/,x,y,z/, ''));
    expect(error.expected).toMatch(/^expected 8 fields/);
  });

  it('never quotes key material in an error', async () => {
    const error = await loadError(ikev2Row.replace(SK_A + ',', SK_A + 'zz,'));
    expect(error.message.includes(SK_A)).toBe(false);
  });
});

describe('ikev1_decryption_table', () => {
  it('reads cookie and key', async () => {
    const keys = await loadKeys([file('# Initiator\'s COOKIE, Encryption Key\nfafaeb49382a763c,735be0cb62f82675c4f7bf8fbab9b56834ba76d6ab4fa240\n')]);
    expect(keys.ikev1Keys('fafaeb49382a763c')[0]?.encryptionKey.length).toBe(24);
  });

  it('names a cookie of the wrong length', async () => {
    const error = await loadError('fafaeb49382a763c00,735be0cb62f82675c4f7bf8fbab9b568\nfafaeb49382a,735be0cb62f82675c4f7bf8fbab9b568\n');
    expect(`${error.line} ${error.field}`).toBe("1 Initiator's COOKIE");
  });

  it('names a key that is not hex', async () => {
    const error = await loadError('fafaeb49382a763c,735be0cb62f82675c4f7bf8fbab9b568\nfafaeb49382a763d,735be0cb62f8267\n');
    expect(`${error.line} ${error.field}`).toBe('2 Encryption Key');
  });
});

describe('esp_sa', () => {
  it('reads hex keys, an SPI in hex and IPv4 addresses', async () => {
    const keys = await loadKeys([
      file('"IPv4","192.168.0.1","192.168.0.100","0x070883c2","AES-CBC [RFC3602]","0x5de1a4c2c72662c9fda7a7c78cd25623","HMAC-SHA-1-96 [RFC2404]","0x51c9213c18232f8f26c70c4dee6e0e6d56e31e8a"\n'),
    ]);
    expect(keys.espSas(0x070883c2, '192.168.0.1', '192.168.0.100').length).toBe(1);
  });

  it('reads ASCII keys and a decimal SPI', async () => {
    const keys = await loadKeys([file('"IPv6","3ffe::1","3ffe::2","10","AES-CBC [RFC3602]","aescbcencryption","HMAC-SHA-1-96 [RFC2404]","hmacsha1authenticati"\n')]);
    expect(new TextDecoder().decode(keys.esp[0]!.encryptionKey.reveal())).toBe('aescbcencryption');
  });

  it('matches wildcard addresses and SPIs', async () => {
    const keys = await loadKeys([file('"IPv4","*","*","*","AES-GCM with 16 octet ICV [RFC4106]","0x167fc4915921b24f27f71e7498b1978c238398d6","NULL",""\n')]);
    expect(keys.espSas(0xc1a9656b, '10.0.0.1', '10.0.0.2')[0]?.encryption).toBe('AES-GCM-16');
  });

  it('matches partial IPv4 wildcards', async () => {
    const keys = await loadKeys([file('"IPv4","190.*.*.1","*","*","NULL","","NULL",""\n')]);
    expect(keys.espSas(1, '190.0.0.1', '190.0.0.2').length).toBe(1);
  });

  it('reads the older "AES-GCM [RFC4106]" spelling', async () => {
    const keys = await loadKeys([file('"IPv4","*","*","0xc1a9656b","AES-GCM [RFC4106]","0x167fc4915921b24f27f71e7498b1978c238398d6","NULL",""\n')]);
    expect(keys.esp[0]?.encryption).toBe('AES-GCM');
  });

  it('reads strongSwan save-keys spelling TripleDes-CBC', async () => {
    const keys = await loadKeys([file(`"IPv4","*","*","*","TripleDes-CBC [RFC2451]","0x${'11'.repeat(24)}","HMAC-MD5-96 [RFC2403]","0x${'22'.repeat(16)}"\n`)]);
    expect(keys.esp[0]?.encryption).toBe('TripleDES-CBC');
  });

  it('names a bad protocol', async () => {
    const error = await loadError('"IPv4","*","*","*","NULL","","NULL",""\n"IPX","*","*","*","NULL","","NULL",""\n');
    expect(`${error.line} ${error.field}`).toBe('2 Protocol');
  });

  it('names an address of the wrong family', async () => {
    const error = await loadError('"IPv4","3ffe::1","*","*","NULL","","NULL",""\n');
    expect(error.field).toBe('Src IP');
  });

  it('names an AES key of the wrong length', async () => {
    const error = await loadError('"IPv4","*","*","*","AES-CBC [RFC3602]","0x0011","NULL",""\n');
    expect(error.expected).toBe('expected 16, 24, 32 bytes for AES-CBC [RFC3602], found 2');
  });

  it('names an unknown authentication algorithm', async () => {
    const error = await loadError('"IPv4","*","*","*","NULL","","HMAC-SHA3 [RFC0000]",""\n');
    expect(error.field).toBe('Authentication');
  });

  it('names an unterminated quote', async () => {
    const error = await loadError('"IPv4","*","*","*","NULL","","NULL",""\n"IPv4","*","*","*","NULL\n');
    expect(`${error.line} ${error.field}`).toBe('2 record');
  });
});
