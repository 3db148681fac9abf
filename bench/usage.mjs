// Preloaded with `node --import` into a process the benchmark measures (the
// CLI): at exit, writes that process's peak RSS in KiB to the file named by
// SPITRACE_BENCH_USAGE_FILE.

import { writeFileSync } from 'node:fs';

const file = process.env.SPITRACE_BENCH_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS }));
  });
}
