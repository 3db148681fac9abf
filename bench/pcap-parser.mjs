// The npm package pcap-parser on the benchmark capture, doing the same
// per-frame work as walk.mjs. pcap-parser is loaded from a throw-away folder
// outside the repository; it is never a dependency of spitrace.
// Prints one JSON line: frames, ESP packets, seconds, peak RSS in KiB.
//
// Usage: node bench/pcap-parser.mjs PCAP_PARSER_FOLDER FILE

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { espSpi } from './spi.mjs';

const [folder, path] = process.argv.slice(2);
const require = createRequire(join(folder, 'package.json'));
const pcapParser = require('pcap-parser');
const started = process.hrtime.bigint();

let frames = 0;
let esp = 0;
let spiSum = 0;
let error = null;
const parser = pcapParser.parse(path);
parser.on('packet', (packet) => {
  const data = packet.data;
  const spi = espSpi(data, 0, data.length);
  if (spi >= 0) {
    esp++;
    spiSum = (spiSum + spi) >>> 0;
  }
  frames++;
});
parser.on('error', (err) => {
  error = err.message;
});
parser.on('end', () => {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ frames, esp, spiSum, seconds, maxRssKiB: process.resourceUsage().maxRSS, error }) + '\n');
});
