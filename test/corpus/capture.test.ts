// Frame numbers and timestamps of every real capture, compared with what
// tshark prints for `-T fields -e frame.number -e frame.time_epoch`.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureFormatError } from '../../src/capture/index.js';
import { crafted, readFile, repoRoot } from '../capture/read.js';

const shared = resolve(repoRoot, '../shared');
const hasShared = existsSync(join(shared, 'corpus'));
const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

const CAPTURE_NAME = /\.(pcap|pcapng|cap)$/;

function capturesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...capturesUnder(path));
    else if (CAPTURE_NAME.test(entry)) out.push(path);
  }
  return out.sort();
}

/** tshark's frame numbers and epoch times, or null when tshark cannot read the file. */
function tsharkFrames(path: string): string[] | null {
  try {
    const out = execFileSync('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 1 << 28,
    });
    return out.toString().split('\n').filter(Boolean);
  } catch (err) {
    // tshark exits non-zero on a cut file after printing the frames it read.
    const stdout = (err as { stdout?: Buffer }).stdout;
    return stdout && stdout.length > 0 ? stdout.toString().split('\n').filter(Boolean) : null;
  }
}

const SNOOP = 'corpus/wireshark-wiki/fw1_mon2018.cap';
const realCaptures = hasShared ? [...capturesUnder(join(shared, 'corpus')), ...capturesUnder(join(shared, 'lab-captures'))].filter((p) => !p.endsWith(SNOOP)) : [];

describe.skipIf(!hasShared || !hasTshark)('capture readers on real captures', () => {
  it('finds the real captures', () => {
    expect(realCaptures.length).toBeGreaterThan(50);
  });

  for (const path of realCaptures) {
    it(`matches tshark on ${relative(shared, path)}`, async () => {
      const expected = tsharkFrames(path);
      expect(expected).not.toBeNull();
      const { frames, source } = await readFile(path);
      expect(frames.map((f) => `${f.frame}\t${f.epoch}`)).toEqual(expected);
      expect(source.problems).toEqual([]);
    });
  }

  it('rejects the snoop capture', async () => {
    await expect(readFile(join(shared, SNOOP))).rejects.toThrow(CaptureFormatError);
  });
});

/**
 * Crafted captures that tshark reads differently, each for a reason we keep.
 * A Simple Packet Block has no time: tshark prints none, and the reader gives
 * the previous frame's. After a trailing length mismatch tshark stops, and the
 * reader goes on with the leading length. The corrupt third record of
 * pcap-absurd-caplen.pcap makes tshark guess another pcap variant and
 * misread frame 2 onwards.
 */
const KNOWN_DIFFERENCES = new Set(['pcapng-simple-packets.pcapng', 'pcapng-trailer-mismatch.pcapng', 'pcap-absurd-caplen.pcap']);

describe.skipIf(!hasTshark)('capture readers on crafted captures', () => {
  const files = readdirSync(crafted('formats')).filter((f) => !f.startsWith('reject-') && !KNOWN_DIFFERENCES.has(f));
  for (const file of files) {
    it(`matches tshark on formats/${file}`, async () => {
      const path = crafted(`formats/${file}`);
      const { frames } = await readFile(path);
      const expected = (tsharkFrames(path) ?? []).filter((line) => !line.endsWith('\t'));
      expect(frames.map((f) => `${f.frame}\t${f.epoch}`)).toEqual(expected);
    });
  }
});
