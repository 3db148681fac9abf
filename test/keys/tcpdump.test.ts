// tcpdump -E secrets ("0xSPI@dst algo:key" and "ikev2 I|R ...") and
// libreswan logs that print the ikev2 lines.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyFileError, loadKeys } from '../../src/keys/index.js';
import { toHex } from '../../src/util/bytes.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('spitrace-tcpdump-');
let counter = 0;
function file(content: string): string {
  const path = join(dir, `secrets-${counter++}`);
  writeFileSync(path, content);
  return path;
}

const ikeLines = [
  'ikev2 I 0x0001020304050607 0xc02e7a3031a03188 sha1:0x4ea8e662b07cdd430f6944c6723e4b82d5722418 aes128:0x3f44bf47cafd8150591deb088199fcbf',
  'ikev2 R 0x0001020304050607 0xc02e7a3031a03188 sha1:0x515b0bd22e6d76b34fdb760aa7bfad80b109b75d aes128:0xbedb67ec7dc3d00cccac42e70cd63bde',
].join('\n');

describe('tcpdump secrets', () => {
  it('reads ESP lines with SPI and destination', async () => {
    const keys = await loadKeys([file('# a comment\n\n0x12345678@192.1.2.45 3des-cbc-hmac96:0x43434545464649494a4a4c4c4f4f51515252545457575840\n')]);
    const sa = keys.espSas(0x12345678, '192.1.2.23', '192.1.2.45')[0]!;
    expect(`${sa.encryption} ${sa.authentication}`).toBe('TripleDES-CBC ANY-96');
  });

  it('reads an AES line without the HMAC suffix', async () => {
    const keys = await loadKeys([file(`0xd1234567@192.1.2.45 aes256-cbc:0x${'aa'.repeat(32)}\n`)]);
    expect(`${keys.esp[0]!.encryption} ${keys.esp[0]!.authentication}`).toBe('AES-CBC NULL');
  });

  it('applies a line without SPI to every SA', async () => {
    const keys = await loadKeys([file('des-cbc:abcdefgh\n')]);
    expect(keys.espSas(7, '10.0.0.1', '10.0.0.2').length).toBe(1);
  });

  it('joins the I and R lines of one IKE SA', async () => {
    const keys = await loadKeys([file(ikeLines)]);
    const e = keys.ikev2Keys('0001020304050607', 'c02e7a3031a03188')[0]!;
    expect([toHex(e.skEi!.reveal()), toHex(e.skAr!.reveal()), e.encryption?.name, e.integrity?.name]).toEqual([
      '3f44bf47cafd8150591deb088199fcbf',
      '515b0bd22e6d76b34fdb760aa7bfad80b109b75d',
      'ENCR_AES_CBC_128',
      'AUTH_HMAC_SHA1_96',
    ]);
  });

  it('names the line and field of an unknown cipher', async () => {
    const path = file('0x12345678@192.1.2.45 3des-cbc-hmac96:0x4343\n0x1@192.1.2.45 rot13-cbc:0x00\n');
    const error = await loadKeys([path]).catch((e: unknown) => e);
    expect(error instanceof KeyFileError ? `${error.line} ${error.field}` : error).toBe('2 algorithm');
  });

  it('names an IKE encryption key of the wrong length', async () => {
    const error = await loadKeys([file(ikeLines.replace('aes128:0x3f44', 'aes128:0x'))]).catch((e: unknown) => e);
    expect(error instanceof KeyFileError ? `${error.line} ${error.field}` : error).toBe('1 encryption key');
  });

  it('reads the ikev2 lines of a libreswan debug log', async () => {
    const log = [
      'Jan  1 00:00:00.000: | parent SA details',
      ...ikeLines.split('\n').map((l) => `Jan  1 00:00:00.000: | ${l}`),
      'Jan  1 00:00:00.000: "west-east" #1: IKE SA established',
    ].join('\n');
    const keys = await loadKeys([file(log)]);
    expect(`${keys.loaded[0]!.format} ${keys.ikev2.length}`).toBe('libreswan-log 1');
  });
});
