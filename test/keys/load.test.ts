// loadKeys(): files and folders, detection by content, merging repeated paths
// and duplicate keys, refresh() for growing files, and keys never printed.

import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { KeyFileError, loadKeys, SecretBytes } from '../../src/keys/index.js';
import { tempDir } from '../helpers/temp.js';

const SK_E = '34da590c45afd029130204a7674c1e0f6678ee516e8ba478ece7b26bf4c048d7';
const SK_A = '22ed5541275d3b1546e76cb769307cf7da3f6a7fbf5a6787dc1564436dbcaeda';
const row = (ispi: string) => `${ispi},2c252c22a743832d,${SK_E},${SK_E},"AES-CBC-256 [RFC3602]",${SK_A},${SK_A},"HMAC_SHA2_256_128 [RFC4868]"\n`;

function folder(): string {
  return tempDir('spitrace-load-');
}

describe('loadKeys', () => {
  it('detects the format from content, not the file name', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'esp_sa'), row('0990108657b89f4b'));
    const keys = await loadKeys([join(dir, 'esp_sa')]);
    expect(keys.loaded[0]?.format).toBe('ikev2_decryption_table');
  });

  it('loads the key files of a folder and lists the others with a reason', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'a'), row('0990108657b89f4b'));
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'logs', 'notes.txt'), 'nothing to see here\n');
    writeFileSync(join(dir, 'capture.pcap'), Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0]));
    const keys = await loadKeys([dir]);
    expect(keys.skipped.map((s) => `${s.path.slice(dir.length)}: ${s.reason.split(',')[0]}`)).toEqual([
      '/capture.pcap: binary data',
      '/logs/notes.txt: not a Wireshark key table (ikev2_decryption_table',
    ]);
  });

  it('merges repeated paths', async () => {
    const dir = folder();
    writeFileSync(join(dir, 't'), row('0990108657b89f4b'));
    const keys = await loadKeys([join(dir, 't'), dir, join(dir, 't')]);
    expect(keys.loaded.length).toBe(1);
  });

  it('counts equal keys from two files once and keeps both sources', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'one'), row('0990108657b89f4b'));
    writeFileSync(join(dir, 'two'), '# copy\n' + row('0990108657b89f4b'));
    const keys = await loadKeys([dir]);
    expect([keys.ikev2.length, keys.sources.map((s) => s.source.line)]).toEqual([1, [1, 2]]);
  });

  it('keeps different keys for the same SPIs as alternatives', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'one'), row('0990108657b89f4b'));
    writeFileSync(join(dir, 'two'), row('0990108657b89f4b').replaceAll(SK_E, SK_A));
    const keys = await loadKeys([dir]);
    expect(keys.ikev2Keys('0990108657b89f4b', '2c252c22a743832d').length).toBe(2);
  });

  it('rejects a missing path', async () => {
    const error = await loadKeys([join(folder(), 'missing')]).catch((e: unknown) => e);
    expect(error instanceof KeyFileError ? error.field : error).toBe('path');
  });

  it('rejects a file given by name that is not a key file', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'readme'), 'Keys are in the other folder.\n');
    const error = await loadKeys([join(dir, 'readme')]).catch((e: unknown) => e);
    expect(error instanceof KeyFileError ? error.message : error).toMatch(/readme: content: expected a key file: not a Wireshark key table/);
  });

  it('lists a file with only comments as skipped', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'empty'), '# nothing here yet\n');
    const keys = await loadKeys([dir]);
    expect(keys.skipped[0]?.reason).toBe('contains no key lines (only blank lines and comments)');
  });

  it('loads a named table that has no rows yet', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'empty'), '# Wireshark IKEv2 decryption table\n');
    const keys = await loadKeys([dir]);
    expect(keys.skipped).toEqual([]);
    expect(keys.ikev2).toEqual([]);
  });

  it('refresh re-reads a table that grew', async () => {
    const dir = folder();
    writeFileSync(join(dir, 't'), row('0990108657b89f4b'));
    const keys = await loadKeys([join(dir, 't')]);
    appendFileSync(join(dir, 't'), row('1111111111111111'));
    const changed = await keys.refresh();
    expect([changed, keys.ikev2.length]).toEqual([true, 2]);
  });

  it('refresh reports no change when nothing grew', async () => {
    const dir = folder();
    writeFileSync(join(dir, 't'), row('0990108657b89f4b'));
    const keys = await loadKeys([dir]);
    expect(await keys.refresh()).toBe(false);
  });

  it('refresh picks up a new file in a loaded folder', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'a'), row('0990108657b89f4b'));
    const keys = await loadKeys([dir]);
    writeFileSync(join(dir, 'b'), row('2222222222222222'));
    await keys.refresh();
    expect(keys.ikev2.length).toBe(2);
  });

  it('refresh loads a skipped file once it holds keys', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'live'), '# empty so far\n');
    const keys = await loadKeys([dir]);
    appendFileSync(join(dir, 'live'), row('3333333333333333'));
    await keys.refresh();
    expect(`${keys.ikev2.length} ${keys.skipped.length}`).toBe('1 0');
  });
});

describe('SecretBytes', () => {
  const secret = new SecretBytes(Uint8Array.of(0xde, 0xad, 0xbe, 0xef));

  it('prints as its length in JSON', () => {
    expect(JSON.stringify({ key: secret })).toBe('{"key":"<4-byte key>"}');
  });

  it('prints as its length through util.inspect', () => {
    expect(inspect({ key: secret })).toBe("{ key: <4-byte key> }");
  });

  it('prints as its length in a template string', () => {
    expect(`${secret}`).toBe('<4-byte key>');
  });
});

describe('loadKeys gzip', () => {
  it('lists a corrupt gzip file as skipped', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'broken.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff]));
    const keys = await loadKeys([dir]);
    expect(keys.skipped[0]?.reason).toBe('gzip data that does not decompress');
  });

  it('loads a gzip-compressed table', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'table.gz'), gzipSync(row('0990108657b89f4b')));
    const keys = await loadKeys([join(dir, 'table.gz')]);
    expect(`${keys.loaded[0]?.format} ${keys.loaded[0]?.compressed}`).toBe('ikev2_decryption_table true');
  });
});
