// Opening inputs: what is rejected and how, I/O errors, standard input.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CaptureFormatError, openCapture, openCaptures } from '../../src/capture/index.js';
import { crafted, hex, readBytes, repoRoot } from './read.js';
import { tempDir } from '../helpers/temp.js';

async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

async function foundFor(bytes: Uint8Array): Promise<string> {
  const err = await rejection(() => readBytes(bytes, 'input'));
  expect(err).toBeInstanceOf(CaptureFormatError);
  return (err as CaptureFormatError).found;
}

describe('capture format detection', () => {
  it('rejects a snoop header', async () => {
    const err = await rejection(() => openCapture(crafted('formats/reject-snoop.cap'), 0));
    expect(err).toBeInstanceOf(CaptureFormatError);
    expect((err as CaptureFormatError).found).toBe('Solaris snoop capture');
    expect((err as Error).message).toContain('reject-snoop.cap');
  });

  it('rejects text', async () => {
    const err = await rejection(() => openCapture(crafted('formats/reject-text.pcap'), 0));
    expect((err as CaptureFormatError).found).toBe('text');
  });

  it('rejects an empty file', async () => {
    const err = await rejection(() => openCapture(crafted('formats/reject-empty.pcap'), 0));
    expect((err as CaptureFormatError).found).toBe('empty file');
  });

  it('names an unknown magic', async () => {
    expect(await foundFor(hex('deadbeef 00010203'))).toBe('unknown magic 0xdeadbeef');
  });

  it('names a file shorter than a magic', async () => {
    expect(await foundFor(hex('a1b2'))).toBe('file too short to be a capture (2 bytes)');
  });

  it('rejects gzip that holds no capture', async () => {
    expect(await foundFor(gzipSync(Buffer.from('hello\n')))).toBe('gzip data that is not a capture: text');
  });

  it('rejects gzip of a tar archive', async () => {
    const tar = Buffer.alloc(1024);
    tar.write('capture.pcap', 0);
    tar.write('ustar', 257);
    expect(await foundFor(gzipSync(tar))).toBe('gzip data that is not a capture: tar archive');
  });

  it('rejects gzip that cannot be decompressed', async () => {
    expect(await foundFor(hex('1f8b 0800 00000000 0003 ffffffffffff'))).toMatch(/^gzip data that cannot be decompressed/);
  });

  it('names compressed formats it does not read', async () => {
    expect(await foundFor(hex('fd377a585a00 0000'))).toBe('xz-compressed data');
  });

  it('rejects a pcapng byte-order magic', async () => {
    const err = await rejection(() => readBytes(hex('0a0d0d0a 1c000000 11223344 0100 0000')));
    expect((err as CaptureFormatError).found).toContain('0x11223344');
  });

  it('rejects pcapng version 2', async () => {
    const err = await rejection(() => readBytes(hex('0a0d0d0a 1c000000 4d3c2b1a 0200 0000 ffffffffffffffff 1c000000')));
    expect((err as CaptureFormatError).found).toBe('pcapng version 2.0, where only 1.x is defined');
  });
});

describe('openCapture errors', () => {
  it('names a missing file', async () => {
    const err = await rejection(() => openCapture('/nonexistent/x.pcap', 0));
    expect(err).not.toBeInstanceOf(CaptureFormatError);
    expect((err as Error).message).toBe('/nonexistent/x.pcap: file not found');
  });

  it('names a directory', async () => {
    const err = await rejection(() => openCapture(tmpdir(), 0));
    expect((err as Error).message).toBe(`${tmpdir()}: is a directory, not a capture file`);
  });

  it('rejects standard input given twice', async () => {
    await expect(openCaptures(['-', '-'])).rejects.toThrow('standard input ("-") can be given only once');
  });

  it('checks every input before the first frame', async () => {
    const err = await rejection(() => openCaptures([crafted('formats/pcap-le-usec.pcap'), crafted('formats/reject-text.pcap')]));
    expect(err).toBeInstanceOf(CaptureFormatError);
    expect((err as CaptureFormatError).path).toBe(crafted('formats/reject-text.pcap'));
  });
});

describe('standard input', () => {
  const script = `
    import { openCapture } from './src/capture/index.ts';
    const source = await openCapture('-', 0);
    const out = [];
    for (let b = await source.next(); b !== null; b = await source.next()) for (const f of b) out.push(f.frame + ' ' + f.time.sec + '.' + f.time.nsec);
    await source.close();
    console.log(JSON.stringify({ out, info: source.info, problems: source.problems }));
  `;

  function runWithStdin(input: Uint8Array): { out: string[]; info: { compressed: boolean }; problems: unknown[] } {
    const dir = tempDir('spitrace-stdin-');
    const file = join(dir, 'read.mts');
    writeFileSync(file, script.replace('./src/capture/index.ts', join(repoRoot, 'src/capture/index.ts')));
    const result = spawnSync(process.execPath, ['--import', 'tsx', file], { input, cwd: repoRoot, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout) as { out: string[]; info: { compressed: boolean }; problems: unknown[] };
  }

  it('reads a pcap from "-"', () => {
    const result = runWithStdin(readFileSync(crafted('formats/pcap-le-nsec.pcap')));
    expect(result.out).toEqual(['1 1700000000.123456789', '2 1700000000.373456912', '3 1700000000.623457035', '4 1700000000.873457158']);
  });

  it('reads a gzip from "-"', () => {
    const result = runWithStdin(readFileSync(crafted('formats/pcapng-be.pcapng.gz')));
    expect(result.out).toHaveLength(4);
    expect(result.info.compressed).toBe(true);
  });
});
