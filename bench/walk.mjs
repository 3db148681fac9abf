// The baseline: a plain chunked walk over a little-endian microsecond pcap
// (the benchmark capture) that reads each ESP SPI. Reads CHUNK bytes at a
// time with readSync (4 MiB unless given), moves a partial record to the
// front, and does nothing else.
// Prints one JSON line: frames, ESP packets, seconds, peak RSS in KiB.
//
// Usage: node bench/walk.mjs [--chunk BYTES] FILE

import { closeSync, openSync, readSync } from 'node:fs';
import { espSpi } from './spi.mjs';

const chunkAt = process.argv.indexOf('--chunk');
const CHUNK = chunkAt >= 0 ? Number(process.argv[chunkAt + 1]) : 4 << 20;
const path = process.argv[process.argv.length - 1];
const started = process.hrtime.bigint();

const fd = openSync(path, 'r');
let buf = new Uint8Array(CHUNK);
let view = new DataView(buf.buffer);
let end = readSync(fd, buf, 0, CHUNK, null);
let p = 24;
let frames = 0;
let esp = 0;
let spiSum = 0;

for (;;) {
  while (end - p >= 16) {
    const caplen = view.getUint32(p + 8, true);
    if (end - p - 16 < caplen) break;
    const spi = espSpi(buf, p + 16, p + 16 + caplen);
    if (spi >= 0) {
      esp++;
      spiSum = (spiSum + spi) >>> 0;
    }
    frames++;
    p += 16 + caplen;
  }
  const keep = end - p;
  if (keep + 16 > buf.length) throw new Error('record larger than the chunk');
  buf.copyWithin(0, p, end);
  const n = readSync(fd, buf, keep, buf.length - keep, null);
  if (n === 0) break;
  end = keep + n;
  p = 0;
}
closeSync(fd);

const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(JSON.stringify({ frames, esp, spiSum, seconds, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
