// Benchmark: packet rate, byte rate and peak RSS of spitrace against a plain
// chunked walk, tshark and the npm package pcap-parser, each in its own
// child process. Run it with `npm run bench`, which builds first.
//
// The captures are generated once (bench/generate.mjs) and cached outside the
// repository, in $SPITRACE_BENCH_CACHE or ~/.cache/spitrace. pcap-parser is
// installed there too, never into this repository.
//
// Options:
//   --frames N        frames in the large capture (default 5000000)
//   --small N         frames in the small capture, for the RSS comparison (default 200000)
//   --repeat N        runs of each spitrace row and of each read size of the walk;
//                     the fastest counts (default 3)
//   --skip-tshark     leave out the tshark row
//   --skip-pcap-parser  leave out the pcap-parser rows and checks

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { cpus, homedir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCapture } from './generate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const GENERATOR_VERSION = 1;
const PCAP_PARSER_VERSION = '0.2.1';

const args = process.argv.slice(2);
function option(name, fallback) {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? Number(args[at + 1]) : fallback;
}
const largeFrames = option('--frames', 5_000_000);
const smallFrames = option('--small', 200_000);
const repeat = option('--repeat', 3);
const skipTshark = args.includes('--skip-tshark');
const skipPcapParser = args.includes('--skip-pcap-parser');

const cache = process.env.SPITRACE_BENCH_CACHE ?? join(homedir(), '.cache', 'spitrace');
mkdirSync(cache, { recursive: true });

function log(text) {
  process.stderr.write(text + '\n');
}

/** Returns the path of a cached capture of `frames` frames, generating it when missing or stale. */
function ensureCapture(name, frames) {
  const path = join(cache, `${name}.pcap`);
  const metaPath = join(cache, `${name}.json`);
  if (existsSync(path) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
    if (meta.generator === GENERATOR_VERSION && meta.frames === frames && meta.bytes === statSync(path).size) return { path, ...meta };
  }
  log(`generating ${path} (${frames} frames)...`);
  const started = Date.now();
  const result = generateCapture(path, frames);
  log(`  ${(result.bytes / 1e6).toFixed(0)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const meta = { generator: GENERATOR_VERSION, ...result };
  writeFileSync(metaPath, JSON.stringify(meta));
  return { path, ...meta };
}

/** Runs a command; resolves with wall seconds, stdout, and peak RSS polled from /proc (VmHWM) every 20 ms. */
function run(command, argv, { stdout = 'pipe', env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const out = stdout === 'null' ? openSync('/dev/null', 'w') : 'pipe';
    const child = spawn(command, argv, { stdio: ['ignore', out, 'pipe'], env });
    let text = '';
    let errText = '';
    let hwmKiB = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwmKiB = Math.max(hwmKiB, Number(m[1]));
      } catch {
        // The process has just exited.
      }
    }, 20);
    child.stdout?.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (errText += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      if (typeof out === 'number') closeSync(out);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ code, seconds, stdout: text, stderr: errText, hwmKiB });
    });
  });
}

async function nodeRow(label, script, file, extra = [], runs = repeat) {
  let best = null;
  for (let i = 0; i < runs; i++) {
    const r = await run(process.execPath, [join(here, script), ...extra, file.path]);
    if (r.code !== 0) throw new Error(`${label} failed: ${r.stderr}`);
    const result = JSON.parse(r.stdout);
    const row = { label, file, seconds: r.seconds, frames: result.frames, esp: result.esp, spiSum: result.spiSum, rssKiB: result.maxRssKiB };
    if (best === null || row.seconds < best.seconds) best = row;
  }
  return best;
}

async function analyzeRow(file) {
  const usageFile = join(cache, 'usage.json');
  let best = null;
  for (let i = 0; i < repeat; i++) {
    rmSync(usageFile, { force: true });
    const r = await run(process.execPath, ['--import', join(here, 'usage.mjs'), join(repo, 'bin', 'spitrace.js'), 'analyze', '--json', file.path], {
      stdout: 'null',
      env: { ...process.env, SPITRACE_BENCH_USAGE_FILE: usageFile },
    });
    if (r.code !== 0 && r.code !== 1) throw new Error(`spitrace analyze exited with ${r.code}: ${r.stderr.slice(0, 2000)}`);
    const usage = JSON.parse(readFileSync(usageFile, 'utf8'));
    const row = { label: 'spitrace analyze --json', file, seconds: r.seconds, frames: file.frames, rssKiB: usage.maxRssKiB };
    if (best === null || row.seconds < best.seconds) best = row;
  }
  return best;
}

/**
 * Runs the CLI once on the small capture with its report kept, and returns
 * null when the report covers every frame, or the reason it cannot be measured.
 */
async function checkAnalyze(file) {
  const reportFile = join(cache, 'analyze-check.json');
  const r = await run('sh', ['-c', 'exec "$0" "$1" analyze --json "$2" > "$3"', process.execPath, join(repo, 'bin', 'spitrace.js'), file.path, reportFile]);
  if (r.code !== 0 && r.code !== 1) return `spitrace analyze exited with status ${r.code}: ${r.stderr.trim().split('\n')[0]}`;
  try {
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    const frames = report.summary?.frames;
    if (frames !== file.frames) return `spitrace analyze reported ${frames} frames of ${file.frames}`;
  } catch (err) {
    return `spitrace analyze did not write a JSON report (${err.message}): ${r.stderr.trim().split('\n')[0]}`;
  } finally {
    rmSync(reportFile, { force: true });
  }
  return null;
}

async function tsharkRow(file) {
  const r = await run('tshark', ['-r', file.path, '-T', 'fields', '-e', 'esp.spi'], { stdout: 'null' });
  if (r.code !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return { label: 'tshark -T fields -e esp.spi', file, seconds: r.seconds, frames: file.frames, rssKiB: r.hwmKiB };
}

function ensurePcapParser() {
  const folder = join(cache, 'pcap-parser');
  if (existsSync(join(folder, 'node_modules', 'pcap-parser', 'package.json'))) return folder;
  mkdirSync(folder, { recursive: true });
  if (!existsSync(join(folder, 'package.json'))) writeFileSync(join(folder, 'package.json'), '{ "name": "pcap-parser-bench", "private": true }\n');
  log(`installing pcap-parser@${PCAP_PARSER_VERSION} into ${folder}...`);
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', `pcap-parser@${PCAP_PARSER_VERSION}`], { cwd: folder, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm install pcap-parser failed: ${r.stderr}`);
  return folder;
}

/** Writes a copy of a capture whose 10th record claims 0x7fffffff captured bytes, and returns its path. */
function corruptCopy(file, name) {
  const path = join(cache, `${name}.pcap`);
  copyFileSync(file.path, path);
  const bytes = readFileSync(path);
  let p = 24;
  for (let i = 0; i < 9; i++) p += 16 + bytes.readUInt32LE(p + 8);
  bytes.writeUInt32LE(0x7fffffff, p + 8);
  writeFileSync(path, bytes);
  return path;
}

async function pcapParserFaults(folder, corruptPath) {
  const cases = [
    ['pcapng', join(repo, 'captures/formats/pcapng-le.pcapng')],
    ['nanosecond pcap', join(repo, 'captures/formats/pcap-le-nsec.pcap')],
    ['last record cut (4 records, 3 whole)', join(repo, 'captures/formats/pcap-truncated-data.pcap')],
    ['10th record claims 0x7fffffff bytes', corruptPath],
  ];
  const out = [];
  for (const [name, path] of cases) {
    const r = await run(process.execPath, ['--pending-deprecation', join(here, 'pcap-parser-faults.mjs'), folder, name, path]);
    out.push(JSON.parse(r.stdout));
  }
  return out;
}

async function spitraceOn(path) {
  const script = `
    import { openCapture } from ${JSON.stringify(join(repo, 'dist/capture/index.js'))};
    try {
      const s = await openCapture(process.argv[1], 0);
      let n = 0;
      for (let b = await s.next(); b !== null; b = await s.next()) n += b.length;
      await s.close();
      console.log(JSON.stringify({ packets: n, problems: s.problems.map((p) => p.frame + ': ' + p.reason), maxRssKiB: process.resourceUsage().maxRSS }));
    } catch (e) {
      console.log(JSON.stringify({ rejected: e.message }));
    }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, path], { encoding: 'utf8' });
  return JSON.parse(r.stdout);
}

function machine() {
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const df = spawnSync('df', ['-h', '--output=source,fstype,size', cache], { encoding: 'utf8' }).stdout.trim().split('\n').pop();
  return {
    nproc: spawnSync('nproc', { encoding: 'utf8' }).stdout.trim(),
    cpu: cpuModel,
    ramGiB: (totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    disk: df,
  };
}

function fmt(row, walk) {
  const mb = row.file.bytes / 1e6;
  const rate = row.frames / row.seconds;
  const ratio = walk ? (rate / (walk.frames / walk.seconds)).toFixed(2) : '';
  return `| ${row.label} | ${row.file.frames.toLocaleString('en-US')} | ${row.seconds.toFixed(2)} | ${Math.round(rate).toLocaleString('en-US')} | ${Math.round(mb / row.seconds).toLocaleString('en-US')} | ${(row.rssKiB / 1024).toFixed(0)} | ${ratio} |`;
}

// ---------------------------------------------------------------- main

if (!existsSync(join(repo, 'dist/capture/index.js'))) throw new Error('dist/ is missing: run `npm run build` (or `npm run bench`, which builds first)');
let cliProblem = existsSync(join(repo, 'dist/cli/main.js')) ? null : 'dist/cli/main.js does not exist yet';
const hasTshark = !skipTshark && spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

const large = ensureCapture(`bench-${largeFrames >= 1e6 ? `${largeFrames / 1e6}m` : `${largeFrames / 1e3}k`}`, largeFrames);
const small = ensureCapture(`bench-${smallFrames >= 1e6 ? `${smallFrames / 1e6}m` : `${smallFrames / 1e3}k`}`, smallFrames);

/**
 * Read sizes of the plain walk. Which size reads fastest depends on the
 * machine's caches: on one machine 256 KiB reads took 0.67 s where 4 MiB
 * reads took 0.89 s. The fastest counts as the baseline, because a baseline
 * slowed by its read size would flatter every ratio measured against it.
 */
const WALK_CHUNKS = [256 << 10, 1 << 20, 4 << 20];

async function walkRow(file) {
  let best = null;
  const tried = [];
  for (const chunk of WALK_CHUNKS) {
    const row = await nodeRow(`plain chunked walk, ${chunk >> 10} KiB reads`, 'walk.mjs', file, ['--chunk', String(chunk)]);
    tried.push(row);
    if (best === null || row.seconds < best.seconds) best = row;
  }
  return { ...best, label: `${best.label} (baseline)`, tried };
}

const rows = [];
log('plain walk...');
const walkLarge = await walkRow(large);
const walkSmall = await walkRow(small);
log('spitrace reader...');
const readerLarge = await nodeRow('spitrace reader + SPI read', 'reader.mjs', large);
const readerSmall = await nodeRow('spitrace reader + SPI read', 'reader.mjs', small);
if (readerLarge.spiSum !== walkLarge.spiSum || readerLarge.esp !== walkLarge.esp) throw new Error('the reader and the walk disagree on the ESP packets');
rows.push([walkLarge, null], [readerLarge, walkLarge]);

let analyzeLarge = null;
let analyzeSmall = null;
if (cliProblem === null) cliProblem = await checkAnalyze(small);
if (cliProblem === null) {
  log('spitrace analyze...');
  analyzeLarge = await analyzeRow(large);
  analyzeSmall = await analyzeRow(small);
  rows.push([analyzeLarge, walkLarge]);
}
rows.push([walkSmall, null], [readerSmall, walkSmall]);
if (analyzeSmall) rows.push([analyzeSmall, walkSmall]);

if (hasTshark) {
  log('tshark...');
  rows.push([await tsharkRow(large), walkLarge]);
}

let faults = null;
if (!skipPcapParser) {
  const folder = ensurePcapParser();
  log('pcap-parser...');
  const pcapParserLarge = await nodeRow('pcap-parser 0.2.1 + SPI read', 'pcap-parser.mjs', large, [folder], 1);
  rows.push([pcapParserLarge, walkLarge]);
  const corrupt = corruptCopy(ensureCapture('bench-20k', 20_000), 'bench-20k-corrupt');
  faults = {
    pcapParser: await pcapParserFaults(folder, corrupt),
    spitrace: {
      pcapng: await spitraceOn(join(repo, 'captures/formats/pcapng-le.pcapng')),
      nanosecond: await spitraceOn(join(repo, 'captures/formats/pcap-le-nsec.pcap')),
      cut: await spitraceOn(join(repo, 'captures/formats/pcap-truncated-data.pcap')),
      corrupt: await spitraceOn(corrupt),
    },
  };
}

const info = machine();
const lines = [];
lines.push(`machine: ${info.nproc} CPUs (${info.cpu}), ${info.ramGiB} GiB RAM, Node ${info.node}, disk ${info.disk}`);
lines.push(`captures: ${large.path} (${(large.bytes / 1e6).toFixed(0)} MB), ${small.path} (${(small.bytes / 1e6).toFixed(0)} MB); best of ${repeat} runs for the walk and spitrace rows, one run for the others; seconds are wall time of the child process, start-up included`);
for (const walk of [walkLarge, walkSmall]) {
  lines.push(`plain walk over ${walk.file.frames.toLocaleString('en-US')} frames: ${walk.tried.map((t) => `${t.label.replace('plain chunked walk, ', '')} ${t.seconds.toFixed(2)} s`).join(', ')}; the fastest is the baseline`);
}
if (cliProblem !== null) lines.push(`spitrace analyze is not measured, only the reader alone: ${cliProblem}`);
lines.push('');
lines.push('| what | frames | seconds | packets/s | MB/s | peak RSS MiB | rate vs walk |');
lines.push('|---|---:|---:|---:|---:|---:|---:|');
for (const [row, walk] of rows) lines.push(fmt(row, walk));
lines.push('');

const measured = analyzeLarge ?? readerLarge;
const measuredSmall = analyzeSmall ?? readerSmall;
const rateRatio = measured.frames / measured.seconds / (walkLarge.frames / walkLarge.seconds);
const rssRatio = measured.rssKiB / measuredSmall.rssKiB;
const what = analyzeLarge ? 'analyze' : 'reader';
lines.push(`${rateRatio >= 0.5 ? 'PASS' : 'FAIL'}  ${what} packet rate is ${rateRatio.toFixed(2)} of the walk's (target >= 0.5)`);
lines.push(`${measured.rssKiB <= 150 * 1024 ? 'PASS' : 'FAIL'}  ${what} peak RSS ${(measured.rssKiB / 1024).toFixed(0)} MiB at ${large.frames.toLocaleString('en-US')} frames (target <= 150 MiB)`);
lines.push(`${rssRatio <= 1.25 ? 'PASS' : 'FAIL'}  ${what} peak RSS at ${large.frames.toLocaleString('en-US')} frames is ${rssRatio.toFixed(2)} x its value at ${small.frames.toLocaleString('en-US')} (target <= 1.25)`);
if (faults) {
  lines.push('');
  lines.push('pcap-parser on inputs spitrace reads (run with --pending-deprecation):');
  for (const f of faults.pcapParser) lines.push(`  ${f.case}: ${f.packets} packets, errors ${JSON.stringify(f.errors)}, warnings ${JSON.stringify([...new Set(f.warnings)])}, peak RSS ${(f.maxRssKiB / 1024).toFixed(0)} MiB`);
  lines.push('spitrace on the same inputs:');
  for (const [name, r] of Object.entries(faults.spitrace)) lines.push(`  ${name}: ${JSON.stringify(r)}`);
}

process.stdout.write(lines.join('\n') + '\n');
writeFileSync(join(cache, 'bench-results.json'), JSON.stringify({ machine: info, rows: rows.map(([r]) => ({ ...r, file: r.file.path, tried: r.tried?.map((t) => ({ label: t.label, seconds: t.seconds, rssKiB: t.rssKiB })) })), faults }, null, 2));
