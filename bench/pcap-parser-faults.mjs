// Checks what pcap-parser (the npm package) does with the inputs spitrace
// handles: pcapng, nanosecond pcap, a cut last record and a corrupt record
// length, and whether it calls the deprecated `new Buffer` (DEP0005).
// Run it with --pending-deprecation, because Node reports DEP0005 for code
// under node_modules only then. Prints one JSON line per case.
//
// Usage: node --pending-deprecation bench/pcap-parser-faults.mjs PCAP_PARSER_FOLDER CASE FILE
//   CASE names the check in the output; FILE is the capture to parse.

import { createRequire } from 'node:module';
import { join } from 'node:path';

const [folder, name, path] = process.argv.slice(2);
const require = createRequire(join(folder, 'package.json'));
const pcapParser = require('pcap-parser');

const warnings = [];
process.on('warning', (warning) => warnings.push(warning.code ?? warning.name));

let packets = 0;
const errors = [];
const parser = pcapParser.parse(path);
parser.on('packet', () => packets++);
parser.on('error', (err) => errors.push(err.message));
parser.on('end', () => {
  // Warnings are emitted on the next tick; report after them.
  setImmediate(() => {
    process.stdout.write(JSON.stringify({ case: name, packets, errors, warnings, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
  });
});
