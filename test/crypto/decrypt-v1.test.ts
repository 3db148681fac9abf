// IkeDecrypter on a crafted IKEv1 Main Mode and Quick Mode exchange encrypted
// the way RFC 2409 Appendix B chains IVs, with 3DES and SHA1.

import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cbcEncrypt } from '../../src/ike/crypto/ciphers.js';
import { phase1Iv, phase2Iv } from '../../src/ike/crypto/ikev1.js';
import { IkeDecrypter } from '../../src/ike/decrypt.js';
import { loadKeys } from '../../src/keys/index.js';
import { toHex } from '../../src/util/bytes.js';
import { bytes, concat, ikeHeader, ikeMessage, keysFrom, parse, pattern, payload, u16, u32 } from './fixtures.js';
import { tempDir } from '../helpers/temp.js';

const ICOOKIE = 'fafaeb49382a763c';
const RCOOKIE = '36e65ad2f66f4403';
const ZERO = '0000000000000000';
const KEY = pattern(24, 77);
const gxi = pattern(128, 1);
const gxr = pattern(128, 2);
const QM_ID = 0xf2cf4a03;

/** SA payload with one ISAKMP proposal and one KEY_IKE transform: 3DES-CBC (5), SHA (2), PSK, MODP-1024 (RFC 2409 Appendix A). */
const saBody = (() => {
  const attributes = concat(bytes(0x80, 0x01), u16(5), bytes(0x80, 0x02), u16(2), bytes(0x80, 0x03), u16(1), bytes(0x80, 0x04), u16(2));
  const transform = payload(0, concat(bytes(1, 1, 0, 0), attributes));
  const proposal = payload(0, concat(bytes(1, 1, 0, 1), transform));
  return concat(u32(1), u32(1), proposal);
})();

const mm1 = ikeMessage(ICOOKIE, ZERO, 1, 1, 2, 0, 0, payload(0, saBody));
const mm2 = ikeMessage(ICOOKIE, RCOOKIE, 1, 1, 2, 0, 0, payload(0, saBody));
const mm3 = ikeMessage(ICOOKIE, RCOOKIE, 4, 1, 2, 0, 0, concat(payload(10, gxi), payload(0, pattern(16, 3))));
const mm4 = ikeMessage(ICOOKIE, RCOOKIE, 4, 1, 2, 0, 0, concat(payload(10, gxr), payload(0, pattern(16, 4))));

/** Pads to the 3DES block with zeros, as strongSwan does. */
function pad(plain: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(plain.length / 8) * 8);
  out.set(plain);
  return out;
}

const idHash = (seed: number) => concat(payload(8, concat(bytes(1, 17, 1, 0xf4), pattern(4, seed))), payload(0, pattern(20, seed)));
const quick = (seed: number) => concat(payload(1, pattern(20, seed)), payload(10, saBody), payload(0, pattern(16, seed)));

/** Encrypts the exchange: MM5, MM6 on the phase-1 chain, then QM1..QM3 on the Quick Mode chain. */
function encrypted(key = KEY): Uint8Array[] {
  const plain: [number, number, Uint8Array][] = [
    [0, 5, idHash(5)],
    [0, 5, idHash(6)],
    [QM_ID, 8, quick(7)],
    [QM_ID, 8, quick(8)],
    [QM_ID, 8, payload(0, pattern(20, 9))],
  ];
  const chains = new Map<number, Uint8Array>([[0, phase1Iv('sha1', gxi, gxr, 8)]]);
  return plain.map(([id, first, body]) => {
    const iv = chains.get(id) ?? phase2Iv('sha1', chains.get(0)!, id, 8);
    const cipher = cbcEncrypt('3des', key, iv, pad(body));
    chains.set(id, cipher.slice(cipher.length - 8));
    const exchange = id === 0 ? 2 : 32;
    return concat(ikeHeader(ICOOKIE, RCOOKIE, first, 1, exchange, 0x01, id, 28 + cipher.length), cipher);
  });
}

const table = `${ICOOKIE},${toHex(KEY)}\n`;

async function run(messages: Uint8Array[], keys: string | null = table) {
  const d = new IkeDecrypter(keys === null ? null : await keysFrom(keys));
  const parsed = messages.map((data, i) => {
    const m = parse(data, i % 2 === 0 ? '192.0.2.1' : '192.0.2.2', i % 2 === 0 ? '192.0.2.2' : '192.0.2.1');
    d.process(m, data);
    return m;
  });
  return { d, parsed };
}

const types = (m: { inner: { type: number }[] | null; decryptError: string | null }) => (m.inner ? m.inner.map((p) => p.type).join('+') : m.decryptError);

describe('IkeDecrypter, IKEv1', () => {
  it('decrypts Main Mode and Quick Mode', async () => {
    const { parsed } = await run([mm1, mm2, mm3, mm4, ...encrypted()]);
    expect(parsed.slice(4).map(types)).toEqual(['5+8', '5+8', '8+1+10', '8+1+10', '8']);
  });

  it('decrypts a retransmitted Quick Mode message without breaking the chain', async () => {
    const [mm5, mm6, qm1, qm2, qm3] = encrypted();
    const { parsed } = await run([mm1, mm2, mm3, mm4, mm5!, mm6!, qm1!, qm1!, qm2!, qm3!]);
    expect(parsed.slice(6).map(types)).toEqual(['8+1+10', '8+1+10', '8+1+10', '8']);
  });

  it('reports a wrong key as an integrity failure', async () => {
    const { parsed } = await run([mm1, mm2, mm3, mm4, ...encrypted()], `${ICOOKIE},${toHex(pattern(24, 78))}\n`);
    expect(parsed.slice(4).map(types)).toEqual(['integrity-failed', 'integrity-failed', 'integrity-failed', 'integrity-failed', 'integrity-failed']);
  });

  it('reports a missing phase 1 as no-phase1', async () => {
    const { parsed } = await run(encrypted());
    expect(parsed[0]!.decryptError).toBe('no-phase1');
  });

  it('reports a missing key as no-key', async () => {
    const { parsed } = await run([mm1, mm2, mm3, mm4, ...encrypted()], null);
    expect(parsed[4]!.decryptError).toBe('no-key');
  });

  it('hints at the ikev1_decryption_table line', async () => {
    const { d } = await run([mm1, mm2, mm3, mm4, ...encrypted()], null);
    expect(d.ikeSa(1, ICOOKIE, RCOOKIE)?.keyHint).toBe(`ikev1_decryption_table: ${ICOOKIE},<encryption key>`);
  });

  it('summarises the SA as decrypted', async () => {
    const { d } = await run([mm1, mm2, mm3, mm4, ...encrypted()]);
    const sa = d.ikeSa(1, ICOOKIE, RCOOKIE)!;
    expect([sa.encryptedMessages, sa.decryptedMessages, sa.decrypted, sa.responderSpi]).toEqual([5, 5, true, RCOOKIE]);
  });

  it('decrypts Quick Mode with a key that arrives after phase 1', async () => {
    const dir = tempDir('spitrace-late-');
    writeFileSync(join(dir, 'keys'), '# filled in later\n');
    const keys = await loadKeys([dir]);
    const d = new IkeDecrypter(keys);
    const messages = [mm1, mm2, mm3, mm4, ...encrypted()];
    const parsed = messages.map((data, i) => parse(data, i % 2 === 0 ? '192.0.2.1' : '192.0.2.2'));
    for (let i = 0; i < 6; i++) d.process(parsed[i]!, messages[i]!);
    appendFileSync(join(dir, 'keys'), table);
    await keys.refresh();
    for (let i = 6; i < messages.length; i++) d.process(parsed[i]!, messages[i]!);
    expect(parsed.slice(4).map(types)).toEqual(['no-key', 'no-key', '8+1+10', '8+1+10', '8']);
  });

  it('reports a body that is not whole blocks as bad length', async () => {
    const mm5 = encrypted()[0]!;
    const cut = concat(mm5.subarray(0, 24), u32(mm5.length - 3), mm5.subarray(28, mm5.length - 3));
    const { parsed } = await run([mm1, mm2, mm3, mm4, cut]);
    expect(parsed[4]!.decryptError).toBe('bad-length');
  });
});
