// IkeDecrypter on crafted IKEv2 exchanges: SK payloads, algorithms taken
// from IKE_SA_INIT, wrong keys, missing keys and SKF reassembly (RFC 7383).

import { describe, expect, it } from 'vitest';
import { AUTH_HMAC_SHA2_256_128, ENCR_AES_CBC, ENCR_AES_GCM_16, ikev2Cipher, ikev2Integrity, AUTH_NONE } from '../../src/ike/crypto/algorithms.js';
import { sealSkMessage, type SkKeys } from '../../src/ike/crypto/sk.js';
import { IkeDecrypter, keyLineHint } from '../../src/ike/decrypt.js';
import { toHex } from '../../src/util/bytes.js';
import { bytes, concat, ikeHeader, ikeMessage, keysFrom, parse, pattern, payload, u16 } from './fixtures.js';

const ISPI = '0990108657b89f4b';
const RSPI = '2c252c22a743832d';
const SK_EI = pattern(32, 1);
const SK_ER = pattern(32, 2);
const SK_AI = pattern(32, 3);
const SK_AR = pattern(32, 4);
const table = `${ISPI},${RSPI},${toHex(SK_EI)},${toHex(SK_ER)},"AES-CBC-256 [RFC3602]",${toHex(SK_AI)},${toHex(SK_AR)},"HMAC_SHA2_256_128 [RFC4868]"\n`;
const cbc = ikev2Cipher(ENCR_AES_CBC, 256)!;
const sha256 = ikev2Integrity(AUTH_HMAC_SHA2_256_128)!;
const initiatorKeys: SkKeys = { cipher: cbc, encryptionKey: SK_EI, integrity: sha256, integrityKey: SK_AI };

/** IDi (FQDN "west") then AUTH (shared key MIC), the start of an IKE_AUTH request. */
const authInner = concat(payload(39, concat(bytes(2, 0, 0, 0), new TextEncoder().encode('west'))), payload(0, concat(bytes(2, 0, 0, 0), pattern(32, 9))));

/** IKE_SA_INIT response with SA (AES-CBC-256, PRF-SHA256, HMAC-SHA2-256-128, MODP-2048); tshark: "IKE_SA_INIT MID=00 Responder Response". */
function saInitResponse(encrTransform = concat(bytes(3, 0), u16(12), bytes(1, 0), u16(12), bytes(0x80, 0x0e), u16(256))): Uint8Array {
  const transforms = concat(
    encrTransform,
    concat(bytes(3, 0), u16(8), bytes(2, 0), u16(5)),
    concat(bytes(3, 0), u16(8), bytes(3, 0), u16(12)),
    concat(bytes(0, 0), u16(8), bytes(4, 0), u16(14)),
  );
  const proposal = concat(bytes(0, 0), u16(8 + transforms.length), bytes(1, 1, 0, 4), transforms);
  return ikeMessage(ISPI, RSPI, 33, 2, 34, 0x20, 0, payload(0, proposal));
}

function authRequest(keys: SkKeys = initiatorKeys, messageId = 1): Uint8Array {
  return sealSkMessage({ header: ikeHeader(ISPI, RSPI, 46, 2, 35, 0x08, messageId, 0), firstInner: 35, inner: authInner, keys, iv: pattern(16, 5) });
}

describe('IkeDecrypter, IKEv2 SK', () => {
  it('decrypts an IKE_AUTH request into its inner payloads', async () => {
    const d = new IkeDecrypter(await keysFrom(table));
    const m = parse(authRequest());
    d.process(m, authRequest());
    expect(m.inner?.map((p) => p.type)).toEqual([35, 39]);
  });

  it('marks the message decrypted', async () => {
    const d = new IkeDecrypter(await keysFrom(table));
    const m = parse(authRequest());
    d.process(m, authRequest());
    expect([m.decrypted, m.decryptError]).toEqual([true, null]);
  });

  it('reports a wrong key as an integrity failure and decodes nothing', async () => {
    const d = new IkeDecrypter(await keysFrom(table.replace(toHex(SK_AI), toHex(pattern(32, 33)))));
    const m = parse(authRequest());
    d.process(m, authRequest());
    expect([m.decrypted, m.decryptError, m.inner, m.anomalies.length]).toEqual([false, 'integrity-failed', null, 0]);
  });

  it('reports a message without a key as no-key', () => {
    const d = new IkeDecrypter(null);
    const m = parse(authRequest());
    d.process(m, authRequest());
    expect(m.decryptError).toBe('no-key');
  });

  it('hints at the key line with the algorithms of IKE_SA_INIT', () => {
    const d = new IkeDecrypter(null);
    d.process(parse(saInitResponse(), '192.0.2.2', '192.0.2.1'), saInitResponse());
    d.process(parse(authRequest()), authRequest());
    expect(d.ikeSa(2, ISPI, RSPI)?.keyHint).toBe(
      `ikev2_decryption_table: ${ISPI},${RSPI},<SK_ei>,<SK_er>,"AES-CBC-256 [RFC3602]",<SK_ai>,<SK_ar>,"HMAC_SHA2_256_128 [RFC4868]"`,
    );
  });

  it('takes the algorithms from IKE_SA_INIT when the key source lacks them', async () => {
    const d = new IkeDecrypter(await keysFrom(logWithoutProposal()));
    d.process(parse(saInitResponse(), '192.0.2.2', '192.0.2.1'), saInitResponse());
    const m = parse(authRequest());
    d.process(m, authRequest());
    expect(m.decrypted).toBe(true);
  });

  it('reports a negotiated algorithm spitrace lacks as unsupported', async () => {
    // ENCR_CAMELLIA_CBC (23) with a 128-bit key.
    const camellia = saInitResponse(concat(bytes(3, 0), u16(12), bytes(1, 0), u16(23), bytes(0x80, 0x0e), u16(128)));
    const d = new IkeDecrypter(await keysFrom(logWithoutProposal()));
    d.process(parse(camellia, '192.0.2.2', '192.0.2.1'), camellia);
    const m = parse(authRequest());
    d.process(m, authRequest());
    expect(m.decryptError).toBe('unsupported-algorithm');
  });

  it('reports keys without algorithms and no IKE_SA_INIT as unknown-algorithm', async () => {
    const d = new IkeDecrypter(await keysFrom(logWithoutProposal()));
    const m = parse(authRequest());
    d.process(m, authRequest());
    expect(m.decryptError).toBe('unknown-algorithm');
  });

  it('counts the SA as decrypted', async () => {
    const d = new IkeDecrypter(await keysFrom(table));
    d.process(parse(authRequest()), authRequest());
    expect(d.ikeSa(2, ISPI, RSPI)?.decrypted).toBe(true);
  });

  it('decrypts responder messages with SK_er and SK_ar', async () => {
    const keys: SkKeys = { cipher: cbc, encryptionKey: SK_ER, integrity: sha256, integrityKey: SK_AR };
    const inner = payload(0, concat(bytes(2, 0, 0, 0), pattern(32, 9)));
    const data = sealSkMessage({ header: ikeHeader(ISPI, RSPI, 46, 2, 35, 0x20, 1, 0), firstInner: 39, inner, keys, iv: pattern(16, 6) });
    const d = new IkeDecrypter(await keysFrom(table));
    const m = parse(data, '192.0.2.2', '192.0.2.1');
    d.process(m, data);
    expect(m.inner?.map((p) => p.type)).toEqual([39]);
  });

  it('tries a second key for the same SPIs', async () => {
    const wrong = table.replace(toHex(SK_AI), toHex(pattern(32, 33)));
    const d = new IkeDecrypter(await keysFrom(wrong + table));
    const m = parse(authRequest());
    d.process(m, authRequest());
    expect(m.decrypted).toBe(true);
  });
});

/** A charon log that prints the IKE keys but not the proposal they belong to. */
function logWithoutProposal(): string {
  return [
    `01[IKE] <x|1> Sk_ai secret => 32 bytes @ 0x1`,
    ...hexDump('01', SK_AI),
    `01[IKE] <x|1> Sk_ar secret => 32 bytes @ 0x1`,
    ...hexDump('01', SK_AR),
    `01[IKE] <x|1> Sk_ei secret => 32 bytes @ 0x1`,
    ...hexDump('01', SK_EI),
    `01[IKE] <x|1> Sk_er secret => 32 bytes @ 0x1`,
    ...hexDump('01', SK_ER),
    `01[MGR] <x|1> checkin IKEv2 SA x[1] with SPIs ${ISPI}_i ${RSPI}_r`,
  ].join('\n');
}

function hexDump(thread: string, key: Uint8Array): string[] {
  const lines: string[] = [];
  for (let off = 0; off < key.length; off += 16) {
    const row = [...key.subarray(off, off + 16)].map((b) => b.toString(16).padStart(2, '0').toUpperCase() + ' ').join('');
    lines.push(`${thread}[IKE] <x|1> ${String(off).padStart(4)}: ${row.padEnd(48)} ................`);
  }
  return lines;
}

describe('IkeDecrypter, IKEv2 SKF', () => {
  const gcm = ikev2Cipher(ENCR_AES_GCM_16, 128)!;
  const SK_E = pattern(20, 11);
  const gcmTable = `${ISPI},${RSPI},${toHex(SK_E)},${toHex(pattern(20, 12))},"AES-GCM-128 with 16 octet ICV [RFC5282]",,,"NONE [RFC4306]"\n`;
  const keys: SkKeys = { cipher: gcm, encryptionKey: SK_E, integrity: ikev2Integrity(AUTH_NONE)!, integrityKey: new Uint8Array(0) };
  const pieces = [authInner.subarray(0, 5), authInner.subarray(5, 20), authInner.subarray(20)];
  const fragment = (n: number) =>
    sealSkMessage({ header: ikeHeader(ISPI, RSPI, 53, 2, 35, 0x08, 1, 0), firstInner: 35, inner: pieces[n - 1]!, keys, iv: pattern(8, n), fragment: { number: n, total: 3 } });

  async function run(order: number[], withKeys = true) {
    const d = new IkeDecrypter(withKeys ? await keysFrom(gcmTable) : null);
    const messages = order.map((n) => {
      const m = parse(fragment(n));
      d.process(m, fragment(n));
      return m;
    });
    return { d, messages };
  }

  it('reassembles fragments that arrive out of order and duplicated', async () => {
    const { messages } = await run([2, 3, 2, 1]);
    expect(messages.map((m) => (m.inner ? m.inner.map((p) => p.type).join('+') : '-'))).toEqual(['-', '-', '-', '35+39']);
  });

  it('reports each fragment position', async () => {
    const { messages } = await run([2, 3, 1]);
    expect(messages.map((m) => `${m.fragment?.number}/${m.fragment?.total}`)).toEqual(['2/3', '3/3', '1/3']);
  });

  it('counts fragments and reassembled messages per SA', async () => {
    const { d } = await run([1, 2, 3]);
    const sa = d.ikeSa(2, ISPI, RSPI)!;
    expect([sa.fragments, sa.reassembled]).toEqual([3, 1]);
  });

  it('counts fragments without keys', async () => {
    const { d, messages } = await run([1, 2, 3], false);
    expect([d.ikeSa(2, ISPI, RSPI)?.fragments, messages.every((m) => m.decryptError === 'no-key')]).toEqual([3, true]);
  });

  it('hints NONE and empty integrity keys for an AEAD SA', () => {
    expect(keyLineHint({ version: 2, initiatorSpi: ISPI, responderSpi: RSPI, encryption: gcm })).toBe(
      `ikev2_decryption_table: ${ISPI},${RSPI},<SK_ei>,<SK_er>,"AES-GCM-128 with 16 octet ICV [RFC5282]",,,"NONE [RFC4306]"`,
    );
  });
});
