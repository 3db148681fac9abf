// spitrace's capture reader alone (from dist/, so run `npm run build` first),
// doing the same per-frame work as walk.mjs: read each ESP SPI.
// Prints one JSON line: frames, ESP packets, seconds, peak RSS in KiB.
//
// Usage: node bench/reader.mjs FILE

import { openCapture } from '../dist/capture/index.js';
import { espSpi } from './spi.mjs';

const path = process.argv[2];
const started = process.hrtime.bigint();

const source = await openCapture(path, 0);
let frames = 0;
let esp = 0;
let spiSum = 0;
for (let batch = await source.next(); batch !== null; batch = await source.next()) {
  for (const frame of batch) {
    const data = frame.data;
    const spi = espSpi(data, 0, data.length);
    if (spi >= 0) {
      esp++;
      spiSum = (spiSum + spi) >>> 0;
    }
  }
  frames += batch.length;
}
await source.close();

const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(JSON.stringify({ frames, esp, spiSum, seconds, maxRssKiB: process.resourceUsage().maxRSS, problems: source.problems.length }) + '\n');
