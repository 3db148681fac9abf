// The default capture filter of `spitrace live`: libpcap must compile it for
// the link types a live capture meets (Ethernet, Linux cooked v1 on `any`,
// Linux cooked v2, raw IP), and it must keep every frame the analysis needs.
// The second check filters every capture under captures/ with tcpdump and
// compares the analysis of the filtered file with that of the original.
// tcpdump reads a file's link type from its header, so no interface or
// privilege is needed.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze/pipeline.js';
import { openCapture } from '../../src/capture/index.js';
import { BASE_LIVE_FILTER, defaultLiveFilter } from '../../src/capture/live-filter.js';
import { pcapHeader } from '../../src/capture/writer.js';
import { loadKeys } from '../../src/keys/index.js';
import { findingKey, repoRoot } from './netns.js';

const TCPDUMP = ['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].find((p) => existsSync(p));
const work = mkdtempSync(join(tmpdir(), 'spitrace-live-filter-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Compiles `filter` for a file of `linkType` with `tcpdump -d`; returns libpcap's error, or null when it compiled. */
function compileError(linkType: number, filter: string): string | null {
  const file = join(work, `linktype-${linkType}.pcap`);
  writeFileSync(file, pcapHeader(linkType, 65535));
  const result = spawnSync(TCPDUMP!, ['-r', file, '-d', filter], { encoding: 'utf8' });
  return result.status === 0 ? null : result.stderr.trim().split('\n').pop()!;
}

describe.skipIf(!TCPDUMP)('default live filter with libpcap', () => {
  for (const [linkType, name] of [
    [1, 'Ethernet'],
    [113, 'Linux cooked v1 (any)'],
    [276, 'Linux cooked v2'],
    [101, 'raw IP'],
    [12, 'raw IP with DLT 12'],
    [228, 'raw IPv4'],
    [229, 'raw IPv6'],
  ] as const) {
    it(`compiles on ${name}`, () => {
      expect(compileError(linkType, defaultLiveFilter(linkType))).toBeNull();
    });
  }

  it('has an IP part that compiles on Linux cooked v1', () => {
    // LiveSource opens with this part first, before the link type is known.
    expect(compileError(113, BASE_LIVE_FILTER)).toBeNull();
  });

  it('has an IP part that compiles on Ethernet', () => {
    expect(compileError(1, BASE_LIVE_FILTER)).toBeNull();
  });

  it('cannot use vlan on Linux cooked v1', () => {
    // The reason the cooked filter keeps every tagged frame instead.
    expect(compileError(113, 'vlan and udp port 500')).toMatch(/no VLAN support/);
  });

  it('stays within the BPF program limit on Ethernet', () => {
    const program = execFileSync(TCPDUMP!, ['-r', join(work, 'linktype-1.pcap'), '-d', defaultLiveFilter(1)], { encoding: 'utf8' });
    // Linux accepts classic BPF programs of up to 4096 instructions (BPF_MAXINSNS).
    expect(program.trim().split('\n').length).toBeLessThan(4096);
  });
});

/** Lists every capture file under captures/, with its key folder when it has one. */
function crafted(): { path: string; keys: string | null }[] {
  const out: { path: string; keys: string | null }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (!name.endsWith('.keys') && !['keys', 'logs', 'config'].includes(name)) walk(path);
      } else if (/\.(pcap|pcapng)(\.gz)?$/.test(name) && !name.startsWith('reject-')) {
        const keys = [path.replace(/\.(pcap|pcapng)(\.gz)?$/, '.keys'), join(dirname(path), 'keys')].find((k) => existsSync(k) && statSync(k).isDirectory());
        out.push({ path, keys: keys ?? null });
      }
    }
  };
  walk(join(repoRoot, 'captures'));
  return out;
}

async function linkTypesOf(path: string): Promise<number[]> {
  const source = await openCapture(path, 0);
  const seen = new Set<number>();
  try {
    for (;;) {
      const batch = await source.next();
      if (batch === null) break;
      for (const f of batch) seen.add(f.linkType);
    }
  } finally {
    await source.close();
  }
  return [...seen];
}

async function summary(path: string, keysDir: string | null) {
  const keys = keysDir ? await loadKeys([keysDir]) : null;
  const result = await analyzeFiles([path], { keys });
  return {
    findings: result.findings.map((f) => findingKey({ ...f, spi: f.spi === null ? null : `0x${(f.spi >>> 0).toString(16).padStart(8, '0')}` })).sort(),
    esp: result.counts.espPackets,
    ah: result.counts.ahPackets,
    ike: result.counts.ikeMessages,
    ikeDecrypted: result.counts.ikeDecrypted,
    icmpErrors: result.counts.icmpErrors,
  };
}

describe.skipIf(!TCPDUMP)('default live filter on the crafted captures', () => {
  for (const { path, keys } of crafted()) {
    const name = relative(join(repoRoot, 'captures'), path);
    it(`${name} analyses the same after filtering`, async () => {
      let linkTypes: number[];
      try {
        linkTypes = await linkTypesOf(path);
      } catch {
        return; // Not a capture the reader accepts: nothing to filter.
      }
      // tcpdump reads one link type per file; a file with none has no frames. libpcap reads the
      // BSD NULL family in the host's byte order only, and no Linux interface has that link type.
      if (linkTypes.length !== 1 || linkTypes[0] === 0) return;
      const input = path.endsWith('.gz') ? join(work, `${name.replace(/[/\\]/g, '_')}.unzipped`) : path;
      if (input !== path) writeFileSync(input, gunzipSync(readFileSync(path), { finishFlush: 2 }));
      const filtered = join(work, `${name.replace(/[/\\]/g, '_')}.filtered.pcap`);
      const filter = defaultLiveFilter(linkTypes[0]!);
      const result = spawnSync(TCPDUMP!, ['-r', input, '--time-stamp-precision=nano', '-w', filtered, filter], { encoding: 'utf8' });
      // libpcap stops at a damaged record that spitrace's reader moves past, so such files cannot test the filter.
      if (result.status !== 0 || /truncated|bogus|invalid/i.test(result.stderr)) return;

      expect(await summary(filtered, keys)).toEqual(await summary(path, keys));
    });
  }
});
