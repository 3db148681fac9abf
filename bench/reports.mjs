// Report regression check for performance work: runs `spitrace analyze --json`
// on every capture the project can reach and saves the outputs, or compares
// them byte for byte with outputs saved earlier. A change meant only to make
// the analysis faster must leave every report unchanged.
//
// Usage (build first with `npm run build`):
//   node bench/reports.mjs save DIR      write DIR/<case>.out for every case
//   node bench/reports.mjs compare DIR   exit 1 when any output differs from DIR
//
// SPITRACE_BIN names another launcher to run, such as a build of a
// different revision. The captures are always this repository's, so that the
// paths in the reports match.
//
// The cases are the crafted captures under captures/, with their .keys file
// when one exists and the lab folders with their keys, and a merge of two of
// them. When ../shared exists, they include its lab captures (with keys) and
// its corpus (without keys). When `npm run bench` has generated it, they also
// include the cached 200,000-frame benchmark capture.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const shared = join(repo, '..', 'shared');
const launcher = process.env.SPITRACE_BIN ?? join(repo, 'bin', 'spitrace.js');
const CAPTURE = /\.(pcap|pcapng|cap)(\.gz)?$/;

function filesUnder(folder, pattern) {
  if (!existsSync(folder)) return [];
  const out = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, pattern));
    else if (pattern.test(entry.name)) out.push(path);
  }
  return out.sort();
}

/** Lists every case as { name, args }, where args follow `analyze --json`. */
function cases() {
  const list = [];
  const add = (name, args) => list.push({ name: name.replace(/[^A-Za-z0-9._-]+/g, '_'), args });

  for (const folder of ['decode', 'formats', 'ike', 'scenarios']) {
    for (const path of filesUnder(join(repo, 'captures', folder), CAPTURE)) {
      const keys = path.replace(CAPTURE, '.keys');
      add(relative(repo, path), existsSync(keys) ? ['--keys', keys, path] : [path]);
    }
  }
  for (const path of filesUnder(join(repo, 'captures', 'lab'), /^capture\.(pcap|pcapng)$/)) {
    const keys = join(dirname(path), 'keys');
    add(relative(repo, path), existsSync(keys) ? ['--keys', keys, path] : [path]);
  }
  add('merge-peer-a-b', [join(repo, 'captures/formats/merge-peer-a.pcap'), join(repo, 'captures/formats/merge-peer-b.pcapng')]);

  for (const path of filesUnder(join(shared, 'lab-captures'), /^capture\.(pcap|pcapng)$/)) {
    const keys = join(dirname(path), 'keys');
    add(`lab-captures/${relative(join(shared, 'lab-captures'), path)}`, existsSync(keys) ? ['--keys', keys, path] : [path]);
  }
  for (const path of filesUnder(join(shared, 'corpus'), CAPTURE)) add(`corpus/${relative(join(shared, 'corpus'), path)}`, [path]);

  const cache = process.env.SPITRACE_BENCH_CACHE ?? join(homedir(), '.cache', 'spitrace');
  const bench = join(cache, 'bench-200k.pcap');
  if (existsSync(bench)) add(basename(bench), [bench]);
  return list;
}

function runCase(c) {
  const r = spawnSync(process.execPath, [launcher, 'analyze', '--json', ...c.args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, TZ: 'UTC' },
  });
  return `exit ${r.status}\n--- stderr\n${r.stderr}--- stdout\n${r.stdout}`;
}

const [mode, dir] = process.argv.slice(2);
if ((mode !== 'save' && mode !== 'compare') || !dir) {
  process.stderr.write('usage: node bench/reports.mjs save|compare DIR\n');
  process.exit(2);
}
if (!existsSync(join(dirname(launcher), '..', 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');

mkdirSync(dir, { recursive: true });
let differ = 0;
let missing = 0;
const all = cases();
for (const c of all) {
  const output = runCase(c);
  const file = join(dir, `${c.name}.out`);
  if (mode === 'save') {
    writeFileSync(file, output);
    continue;
  }
  if (!existsSync(file)) {
    missing++;
    process.stdout.write(`missing  ${c.name} (no saved output)\n`);
  } else if (readFileSync(file, 'utf8') !== output) {
    differ++;
    writeFileSync(`${file}.new`, output);
    process.stdout.write(`DIFFERS  ${c.name} (new output in ${file}.new, ${statSync(file).size} -> ${output.length} bytes)\n`);
  }
}
if (mode === 'save') {
  process.stdout.write(`saved ${all.length} outputs in ${dir}\n`);
} else {
  process.stdout.write(`${all.length} cases: ${all.length - differ - missing} identical, ${differ} differ, ${missing} without saved output\n`);
  if (differ > 0 || missing > 0) process.exitCode = 1;
}
