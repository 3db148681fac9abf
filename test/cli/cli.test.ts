// The command line end to end, in-process: outputs, languages and exit status.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { tempDir } from '../helpers/temp.js';

const root = join(import.meta.dirname, '..', '..');
const scenarios = join(root, 'captures', 'scenarios');

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new Sink();
  const err = new Sink();
  const code = await main(['node', 'spitrace', ...args], { out, err });
  return { code, out: out.text, err: err.text };
}

describe('spitrace command line', () => {
  it('analyze exits 1 on a desync', async () => {
    const r = await run('analyze', '--keys', join(scenarios, 'black-hole-dpd.keys'), join(scenarios, 'black-hole-dpd.pcap'));
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toMatch(/^persistent desync: 192\.0\.2\.1 → 192\.0\.2\.2 SPI 0xc2000001, 40 packet\(s\) dropped/);
  });

  it('analyze exits 0 on a clean rekey', async () => {
    const r = await run('analyze', '--keys', join(scenarios, 'clean-rekey.keys'), join(scenarios, 'clean-rekey.pcap'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^No SA desync found/);
  });

  it('analyze writes the JSON contract', async () => {
    const r = await run('analyze', '--json', '--keys', join(scenarios, 'delete-notify.keys'), join(scenarios, 'delete-notify.pcap'));
    const report = JSON.parse(r.out);
    expect(report.schema).toBe('spitrace.report/1');
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['inputs', 'summary', 'ikeSas', 'childSas', 'findings', 'ikeMessages', 'anomalies']));
    expect(report.ikeSas[0].initiatorSpi).toMatch(/^0x[0-9a-f]{16}$/);
    expect(report.childSas[0].spi).toMatch(/^0x[0-9a-f]{8}$/);
    expect(report.findings.find((f: { kind: string }) => f.kind === 'desync').recovery.kind).toBe('delete-notify');
  });

  it('analyze writes NDJSON in capture order', async () => {
    const r = await run('analyze', '--ndjson', '--keys', join(scenarios, 'delete-notify.keys'), join(scenarios, 'delete-notify.pcap'));
    const records = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(records[0].record).toBe('input');
    expect(records.at(-1).record).toBe('summary');
    const times = records.filter((x) => x.time).map((x) => x.time as string);
    expect([...times].sort()).toEqual(times);
  });

  it('analyze speaks Japanese with --lang ja', async () => {
    const r = await run('analyze', '--lang', 'ja', '--keys', join(scenarios, 'black-hole-dpd.keys'), join(scenarios, 'black-hole-dpd.pcap'));
    expect(r.out.split('\n')[0]).toMatch(/^持続的な非同期/);
  });

  it('analyze rejects a missing file with 2', async () => {
    const r = await run('analyze', join(scenarios, 'no-such-file.pcap'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('no-such-file.pcap');
  });

  it('analyze rejects a text file with 2', async () => {
    const r = await run('analyze', join(root, 'README.md'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/README\.md is not a pcap or pcapng capture \(text\)/);
  });

  it('analyze rejects a bad window with 2', async () => {
    const r = await run('analyze', '--transient-window', 'soon', join(scenarios, 'clean-rekey.pcap'));
    expect(r.code).toBe(2);
  });

  it('analyze rejects an unknown language with 2', async () => {
    const r = await run('analyze', '--lang', 'fr', join(scenarios, 'clean-rekey.pcap'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('--lang must be en or ja');
  });

  it('analyze rejects a bad frame limit with 2', async () => {
    for (const value of ['abc', '0', '-1']) {
      const r = await run('analyze', '--max-frames', value, join(scenarios, 'clean-rekey.pcap'));
      expect(r.code, value).toBe(2);
    }
  });

  it('analyze names a bad key file', async () => {
    const dir = tempDir('spitrace-cli-');
    const bad = join(dir, 'ikev2_decryption_table');
    writeFileSync(bad, '0123456789abcdef,fedcba9876543210,zz,00,"AES-CBC-128 [RFC3602]",00,00,"HMAC_SHA2_256_128 [RFC4868]"\n');
    const r = await run('analyze', '--keys', bad, join(scenarios, 'clean-rekey.pcap'));
    expect(r.code).toBe(2);
    expect(r.err).toContain(bad);
  });

  it('analyze writes an evidence capture', async () => {
    const dir = tempDir('spitrace-cli-');
    const out = join(dir, 'evidence.pcapng');
    const r = await run('analyze', '--evidence', out, '--keys', join(scenarios, 'black-hole-dpd.keys'), join(scenarios, 'black-hole-dpd.pcap'));
    expect(r.code).toBe(1);
    expect(readFileSync(out).readUInt32LE(0)).toBe(0x0a0d0d0a);
    expect(r.err).toMatch(/wrote \d+ frame\(s\)/);
  });

  it('explain prints a kind in Japanese', async () => {
    const r = await run('explain', 'spi-lost', '--lang', 'ja');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Delete なしに受信側が失った SA');
  });

  it('explain rejects an unknown kind', async () => {
    const r = await run('explain', 'no-such-kind');
    expect(r.code).toBe(2);
  });

  it('help lists finding kinds', async () => {
    const r = await run('analyze', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('spi-before-install');
  });

  it('help titles in Japanese', async () => {
    const r = await run('analyze', '--help', '--lang', 'ja');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^使い方: spitrace analyze /);
    expect(r.out).toContain('\n引数:\n');
    expect(r.out).toContain('\nオプション:\n');
    expect(r.out).toContain('コマンドのヘルプを表示します');
    expect(r.out).toContain('(既定: 20)');
    expect(r.out).not.toMatch(/Usage:|Arguments:|Options:|display help for command|default:/);
  });

  it('top-level help in Japanese', async () => {
    const r = await run('--help', '--lang', 'ja');
    expect(r.out).toContain('\nコマンド:\n');
    expect(r.out).toContain('バージョン番号を表示します');
    expect(r.out).toMatch(/help \[command\] +コマンドのヘルプを表示します/);
    expect(r.out).not.toMatch(/Commands:|output the version number/);
  });

  it('help titles stay English with --lang en', async () => {
    const r = await run('analyze', '--help', '--lang', 'en');
    expect(r.out).toMatch(/^Usage: spitrace analyze /);
    expect(r.out).toContain('(default: 20)');
    expect(r.out).toContain('display help for command');
  });

  it('report labels in Japanese', async () => {
    const r = await run('analyze', '--lang', 'ja', '--keys', join(scenarios, 'black-hole-dpd.keys'), join(scenarios, 'black-hole-dpd.pcap'));
    expect(r.out).toContain('  送信元 → 宛先  プロトコル  SPI  パケット  バイト  最初  最後  シーケンス番号  欠落  リプレイ  状態\n');
    expect(r.out).toMatch(/^ {2}\[エラー\] desync f\d+: /m);
    expect(r.out).not.toMatch(/\[error\]|\bdatagrams\b|\bframes {2}/);
  });

  it('key hint fully in Japanese', async () => {
    const r = await run('analyze', '--lang', 'ja', join(scenarios, 'black-hole-dpd.pcap'));
    // The first hint of each IKE SA is given whole, later ones refer back to it.
    const hints = r.out.split('\n').filter((line) => line.includes('これを確定させる鍵: ') && !line.includes('上に示した IKE SA'));
    expect(hints.length).toBeGreaterThan(0);
    for (const hint of hints) expect(hint).toMatch(/、または "ike" のログレベルを 4 にした、どちらかのピアの strongSwan charon ログ/);
    for (const hint of hints) expect(hint).not.toMatch(/strongSwan charon log|pass it with/);
  });

  it('key hint given once per IKE SA', async () => {
    const r = await run('analyze', join(scenarios, 'black-hole-dpd.pcap'));
    const whole = r.out.split('\n').filter((line) => /key that would make this certain: ikev2_decryption_table/.test(line));
    const again = r.out.split('\n').filter((line) => /key that would make this certain: the key of IKE SA [0-9a-f]{16} shown above/.test(line));
    expect(whole.length).toBeGreaterThan(0);
    expect(new Set(whole).size).toBe(whole.length);
    expect(again.length).toBeGreaterThan(0);
  });

  it('verdict without keys says it is not conclusive', async () => {
    const r = await run('analyze', join(scenarios, 'after-delete.pcap'));
    expect(r.out.split('\n')[0]).toMatch(/^Not conclusive: 4 encrypted IKE message\(s\) were not decrypted/);
  });

  it('merged inputs count duplicates once', async () => {
    const formats = join(root, 'captures', 'formats');
    const r = await run('analyze', join(formats, 'merge-peer-a.pcap'), join(formats, 'merge-peer-b.pcapng'));
    expect(r.out).toContain('3 of the ESP/AH packets were seen in more than one input');
  });

  it('analyze counts skipped key files in one line', async () => {
    const lab = join(root, 'captures', 'lab', 'ikev2-baseline');
    const r = await run('analyze', '--keys', lab, join(lab, 'capture.pcap'));
    expect(r.err).toMatch(/^spitrace: skipped \d+ files that are not key tables or logs/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('missing file in Japanese', async () => {
    const path = join(scenarios, 'no-such-file.pcap');
    const r = await run('analyze', '--lang', 'ja', path);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`spitrace: ${path}: ファイルが見つかりません\n`);
  });

  it('keys lists coverage in Japanese', async () => {
    const r = await run('keys', '--lang', 'ja', join(scenarios, 'black-hole-dpd.keys', 'ikev2_decryption_table'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^鍵ファイル \(1\):\n/);
  });

  it('keys lists coverage without keys', async () => {
    const table = join(scenarios, 'black-hole-dpd.keys', 'ikev2_decryption_table');
    const r = await run('keys', table);
    expect(r.code).toBe(0);
    const secret = readFileSync(table, 'utf8').split('\n')[1]!.split(',')[2]!;
    expect(r.out).not.toContain(secret);
  });
});
