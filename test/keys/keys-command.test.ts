// `spitrace keys`: the listing names SPIs, algorithms and sources but never a
// key; --wireshark writes tables that tshark 4.0 decrypts the capture with.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runKeysCommand, type KeysCommandOptions } from '../../src/cli/keys-command.js';
import { tempDir } from '../helpers/temp.js';

const SK_E = '34da590c45afd029130204a7674c1e0f6678ee516e8ba478ece7b26bf4c048d7';
const SK_A = '22ed5541275d3b1546e76cb769307cf7da3f6a7fbf5a6787dc1564436dbcaeda';
const ESP_KEY = '5de1a4c2c72662c9fda7a7c78cd25623';
const table = `0990108657b89f4b,2c252c22a743832d,${SK_E},${SK_E},"AES-CBC-256 [RFC3602]",${SK_A},${SK_A},"HMAC_SHA2_256_128 [RFC4868]"\n`;
const espTable = `"IPv4","192.168.0.1","192.168.0.100","0x070883c2","AES-CBC [RFC3602]","0x${ESP_KEY}","HMAC-SHA-1-96 [RFC2404]","0x51c9213c18232f8f26c70c4dee6e0e6d56e31e8a"\n`;

function folderWith(files: Record<string, string>): string {
  const dir = tempDir('spitrace-keys-cmd-');
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

async function run(paths: string[], options: KeysCommandOptions = {}) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await runKeysCommand(paths, options, out, err);
  return { code, stdout, stderr };
}

describe('spitrace keys', () => {
  it('lists SPIs and algorithms', async () => {
    const { stdout } = await run([folderWith({ a: table, b: espTable })]);
    expect(stdout).toMatch(/0x0990108657b89f4b\/0x2c252c22a743832d {2}AES-CBC-256 \[RFC3602\] \/ HMAC_SHA2_256_128 \[RFC4868\]/);
  });

  it('names the file and line of each entry', async () => {
    const dir = folderWith({ t: '# header\n' + table });
    const { stdout } = await run([dir]);
    expect(stdout).toContain(`from ${join(dir, 't')}:2`);
  });

  it('never prints key material in text', async () => {
    const { stdout, stderr } = await run([folderWith({ a: table, b: espTable })]);
    expect([SK_E, SK_A, ESP_KEY].some((k) => (stdout + stderr).includes(k))).toBe(false);
  });

  it('never prints key material in JSON', async () => {
    const { stdout } = await run([folderWith({ a: table, b: espTable })], { json: true });
    expect([SK_E, SK_A, ESP_KEY].some((k) => stdout.includes(k))).toBe(false);
  });

  it('lists ESP SAs in JSON', async () => {
    const { stdout } = await run([folderWith({ b: espTable })], { json: true });
    expect(JSON.parse(stdout).esp[0]).toMatchObject({ spi: '0x070883c2', src: '192.168.0.1', dst: '192.168.0.100', encryption: 'AES-CBC [RFC3602]' });
  });

  it('exits 2 and names file, line and field for a bad table', async () => {
    const dir = folderWith({ t: table.replace('AES-CBC-256 [RFC3602]', 'AES-999') });
    const { code, stderr } = await run([join(dir, 't')]);
    expect([code, stderr.trim()]).toEqual([2, `spitrace: ${join(dir, 't')}:1: Encryption algorithm: expected an encryption algorithm name as Wireshark writes it, e.g. "AES-CBC-256 [RFC3602]"`]);
  });

  it('lists coverage in Japanese', async () => {
    const dir = folderWith({ a: table, b: espTable });
    const { stdout } = await run([dir], { lang: 'ja' });
    expect(stdout).toContain('鍵ファイル (2):');
    expect(stdout).toContain(`${join(dir, 'a')}: Wireshark ikev2_decryption_table、IKEv2 SA 1 個`);
    expect(stdout).toContain('ESP SA (1):');
    expect(stdout).toContain(`読み込み元: ${join(dir, 'a')}:1`);
    expect(stdout).not.toMatch(/Key files|from |no keys/);
  });

  it('names a bad table in Japanese', async () => {
    const dir = folderWith({ t: table.replace('AES-CBC-256 [RFC3602]', 'AES-999') });
    const { code, stderr } = await run([join(dir, 't')], { lang: 'ja' });
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`^spitrace: 鍵ファイル ${join(dir, 't')}:1 が不正です: フィールド Encryption algorithm: `));
  });

  it('writes the three Wireshark tables', async () => {
    const out = join(tempDir('spitrace-ws-'), 'profile');
    await run([folderWith({ a: table, b: espTable })], { wireshark: out });
    expect(readFileSync(join(out, 'ikev2_decryption_table'), 'utf8').split('\n')[1]).toBe(table.trim());
  });

  it('writes esp_sa rows as Wireshark quotes them', async () => {
    const out = tempDir('spitrace-ws-');
    await run([folderWith({ b: espTable })], { wireshark: out });
    expect(readFileSync(join(out, 'esp_sa'), 'utf8').split('\n')[1]).toBe(espTable.trim());
  });

  it('keeps rows of other SAs already in the folder', async () => {
    const out = tempDir('spitrace-ws-');
    const other = table.replace('0990108657b89f4b', '1111111111111111');
    writeFileSync(join(out, 'ikev2_decryption_table'), other);
    await run([folderWith({ a: table })], { wireshark: out });
    expect(readFileSync(join(out, 'ikev2_decryption_table'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).length).toBe(2);
  });
});

const shared = resolve(fileURLToPath(new URL('../../', import.meta.url)), '../shared');
const baseline = join(shared, 'lab-captures', 'ikev2-baseline');
const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!existsSync(baseline) || !hasTshark)('tables written from charon logs', () => {
  it('let tshark 4.0 decrypt every IKE message and ESP packet of the capture', async () => {
    const home = tempDir('spitrace-tshark-');
    mkdirSync(join(home, 'wireshark'));
    await run([join(baseline, 'logs', 'charon-a.log.gz')], { wireshark: join(home, 'wireshark') });
    writeFileSync(join(home, 'wireshark', 'preferences'), 'esp.enable_encryption_decode: TRUE\n');
    const tshark = spawnSync(
      'tshark',
      ['-r', join(baseline, 'capture.pcap'), '-Y', 'isakmp.enc.decrypted or (esp and icmp)', '-T', 'fields', '-e', 'frame.number'],
      { env: { ...process.env, HOME: home, XDG_CONFIG_HOME: home }, encoding: 'utf8' },
    );
    const decrypted = tshark.stdout.split('\n').filter(Boolean).length;
    const all = spawnSync('tshark', ['-r', join(baseline, 'capture.pcap'), '-Y', '(isakmp and isakmp.nextpayload == 46) or esp', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
    const expected = all.stdout.split('\n').filter(Boolean).length;
    expect([decrypted, expected > 0]).toEqual([expected, true]);
  });
});
