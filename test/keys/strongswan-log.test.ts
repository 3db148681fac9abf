// Keys from strongSwan charon logs at level 4: the IKE keys tied to their SA
// through the thread's checkin line, CHILD_SA keys to the SPIs installed
// after them, in plain and gzip form.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadKeys } from '../../src/keys/index.js';
import { parseCharonLog } from '../../src/keys/strongswan-log.js';
import { toHex } from '../../src/util/bytes.js';
import { tempDir } from '../helpers/temp.js';

/** Prints a key the way charon's %B format does: 16 bytes per line, hex then ASCII. */
function dump(thread: string, context: string, name: string, bytes: number[]): string[] {
  const lines = [`2026-01-01T00:00:00.000 ${thread}[IKE] <${context}> ${name} => ${bytes.length} bytes @ 0x7fa638038120`];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.slice(off, off + 16);
    const hex = row.map((b) => b.toString(16).toUpperCase().padStart(2, '0') + ' ').join('').padEnd(48, ' ');
    lines.push(`2026-01-01T00:00:00.000 ${thread}[IKE] <${context}> ${String(off).padStart(4, ' ')}: ${hex} ${'.'.repeat(row.length)}`);
  }
  return lines;
}

const seq = (start: number, n: number) => Array.from({ length: n }, (_, i) => (start + i) & 0xff);

/** An initiator's view: IKE_SA_INIT response, keys, checkin; then IKE_AUTH with one CHILD_SA. */
const initiatorLog = [
  '2026-01-01T00:00:00.000 00[DMN] Starting IKE charon daemon (strongSwan 5.9.8, Linux, x86_64)',
  '2026-01-01T00:00:00.000 15[MGR] checkout IKEv2 SA by message with SPIs 0990108657b89f4b_i 2c252c22a743832d_r',
  '2026-01-01T00:00:00.000 15[ENC] <lab|1> parsed IKE_SA_INIT response 0 [ SA KE No ]',
  '2026-01-01T00:00:00.000 15[CFG] <lab|1> selected proposal: IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048',
  ...dump('15', 'lab|1', 'Sk_ai secret', seq(0x10, 32)),
  '2026-01-01T00:00:00.000 06[NET] received packet: from 192.0.2.2[500] to 192.0.2.1[500]',
  ...dump('15', 'lab|1', 'Sk_ar secret', seq(0x30, 32)),
  ...dump('15', 'lab|1', 'Sk_ei secret', seq(0x50, 32)),
  ...dump('15', 'lab|1', 'Sk_er secret', seq(0x70, 32)),
  '2026-01-01T00:00:00.000 15[MGR] <lab|1> checkin IKEv2 SA lab[1] with SPIs 0990108657b89f4b_i 2c252c22a743832d_r',
  '2026-01-01T00:00:00.000 14[MGR] checkout IKEv2 SA by message with SPIs 0990108657b89f4b_i 2c252c22a743832d_r',
  '2026-01-01T00:00:00.000 14[ENC] <lab|1> parsed IKE_AUTH response 1 [ IDr AUTH SA TSi TSr ]',
  '2026-01-01T00:00:00.000 14[CHD] <lab|1>   using AES_CBC for encryption',
  '2026-01-01T00:00:00.000 14[CHD] <lab|1>   using HMAC_SHA2_256_128 for integrity',
  ...dump('14', 'lab|1', 'encryption initiator key', seq(0xa0, 16)),
  ...dump('14', 'lab|1', 'encryption responder key', seq(0xb0, 16)),
  ...dump('14', 'lab|1', 'integrity initiator key', seq(0xc0, 32)),
  ...dump('14', 'lab|1', 'integrity responder key', seq(0xe0, 32)),
  '2026-01-01T00:00:00.000 14[CHD] <lab|1> adding inbound ESP SA',
  '2026-01-01T00:00:00.000 14[CHD] <lab|1>   SPI 0x9be0912b, src 192.0.2.2 dst 192.0.2.1',
  '2026-01-01T00:00:00.000 14[CHD] <lab|1> adding outbound ESP SA',
  '2026-01-01T00:00:00.000 14[CHD] <lab|1>   SPI 0xee9c719d, src 192.0.2.1 dst 192.0.2.2',
  '2026-01-01T00:00:00.000 14[MGR] <lab|1> checkin IKEv2 SA lab[1] with SPIs 0990108657b89f4b_i 2c252c22a743832d_r',
].join('\n');

describe('charon log reader', () => {
  const keys = parseCharonLog('charon.log', initiatorLog);

  it('ties the IKE keys to the SPIs of the next checkin', () => {
    expect(keys.ikev2.map((e) => `${e.initiatorSpi}/${e.responderSpi}`)).toEqual(['0990108657b89f4b/2c252c22a743832d']);
  });

  it('reads a key across dump lines while other threads log', () => {
    expect(toHex(keys.ikev2[0]!.skAr!.reveal())).toBe(toHex(Uint8Array.from(seq(0x30, 32))));
  });

  it('takes the algorithms from the selected proposal', () => {
    expect(`${keys.ikev2[0]!.encryption?.name} ${keys.ikev2[0]!.integrity?.name}`).toBe('ENCR_AES_CBC_256 AUTH_HMAC_SHA2_256_128');
  });

  it('gives the inbound SA of the initiator the responder key', () => {
    const inbound = keys.esp.find((e) => e.spi === 0x9be0912b)!;
    expect(toHex(inbound.encryptionKey.reveal())).toBe(toHex(Uint8Array.from(seq(0xb0, 16))));
  });

  it('gives the outbound SA of the initiator the initiator integrity key', () => {
    const outbound = keys.esp.find((e) => e.spi === 0xee9c719d)!;
    expect(toHex(outbound.authenticationKey.reveal())).toBe(toHex(Uint8Array.from(seq(0xc0, 32))));
  });

  it('names the ESP algorithms', () => {
    expect(`${keys.esp[0]!.encryption} ${keys.esp[0]!.authentication}`).toBe('AES-CBC HMAC-SHA-256-128');
  });

  it('records the line of the first key', () => {
    expect(keys.ikev2[0]!.source.line).toBe(5);
  });

  it('gives the responder inbound SA the initiator key', () => {
    const responder = initiatorLog.replace('parsed IKE_AUTH response 1', 'parsed IKE_AUTH request 1');
    const inbound = parseCharonLog('b.log', responder).esp.find((e) => e.spi === 0x9be0912b)!;
    expect(toHex(inbound.encryptionKey.reveal())).toBe(toHex(Uint8Array.from(seq(0xa0, 16))));
  });

  it('drops keys of a thread that checks out another SA first', () => {
    const lines = initiatorLog.split('\n');
    const checkin = lines.findIndex((l) => l.includes('15[MGR] <lab|1> checkin'));
    lines.splice(checkin, 0, '2026-01-01T00:00:00.000 15[MGR] checkout IKEv2 SA with SPIs 1111111111111111_i 2222222222222222_r');
    expect(parseCharonLog('x.log', lines.join('\n')).ikev2.length).toBe(0);
  });

  it('reads the IKEv1 phase-1 key', () => {
    const v1 = [
      '2026-01-01T00:00:00.000 16[ENC] <lab|1> parsed ID_PROT response 0 [ KE No NAT-D NAT-D ]',
      ...dump('16', 'lab|1', 'encryption key Ka', seq(1, 32)),
      '2026-01-01T00:00:00.000 16[MGR] <lab|1> checkin IKEv1 SA lab[1] with SPIs 79041471a5eb4a14_i a037584235f2a2ca_r',
    ].join('\n');
    expect(parseCharonLog('v1.log', v1).ikev1[0]?.initiatorCookie).toBe('79041471a5eb4a14');
  });

  it('loads a gzip-compressed log by content', async () => {
    const dir = tempDir('spitrace-charon-');
    const path = join(dir, 'whatever.txt');
    writeFileSync(path, gzipSync(initiatorLog));
    const set = await loadKeys([path]);
    expect(`${set.loaded[0]!.format} ${set.loaded[0]!.compressed} ${set.ikev2.length} ${set.esp.length}`).toBe('strongswan-log true 1 2');
  });

  it('reads syslog lines', () => {
    const syslog = initiatorLog.replace(/2026-01-01T00:00:00\.000 /g, 'Jan  1 00:00:00 gw charon: ');
    expect(parseCharonLog('syslog', syslog).ikev2.length).toBe(1);
  });
});
