// `npm run lab -- SCENARIO [--out DIR] [--full-logs]`: records one lab
// scenario with two strongSwan peers and derives its key tables and ground
// truth. `npm run lab -- --derive DIR` derives them again from a recorded
// folder, and `npm run lab -- --list` lists the scenarios.

import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveRun } from './derive.js';
import { AbortedError, recordScenario } from './record.js';
import { checkRequirements } from './requirements.js';
import { SCENARIOS, findScenario } from './scenarios.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `usage: npm run lab -- SCENARIO [--out DIR] [--full-logs]
       npm run lab -- --derive DIR
       npm run lab -- --list

Records SCENARIO with two strongSwan charons in network namespaces and writes
the capture, key tables, logs and ground truth to DIR (default lab/out/SCENARIO).
Needs root. --full-logs raises every charon log group to level 4.`;

interface Arguments {
  scenario?: string;
  out?: string;
  derive?: string;
  fullLogs: boolean;
  list: boolean;
}

function parseArguments(argv: string[]): Arguments {
  const parsed: Arguments = { fullLogs: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out' || arg === '--derive') {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a folder`);
      if (arg === '--out') parsed.out = value;
      else parsed.derive = value;
    } else if (arg === '--full-logs') {
      parsed.fullLogs = true;
    } else if (arg === '--list') {
      parsed.list = true;
    } else if (arg === '--help' || arg === '-h') {
      throw new UsageError('');
    } else if (arg?.startsWith('-')) {
      throw new UsageError(`unknown option ${arg}`);
    } else if (parsed.scenario === undefined) {
      parsed.scenario = arg;
    } else {
      throw new UsageError(`unexpected argument ${arg}`);
    }
  }
  return parsed;
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  let args: Arguments;
  try {
    args = parseArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) process.stderr.write(`lab: ${error.message}\n`);
    process.stderr.write(`${USAGE}\n`);
    return error.message ? 2 : 0;
  }

  if (args.list) {
    for (const scenario of SCENARIOS) process.stdout.write(`${scenario.name}\n  ${scenario.description}\n`);
    return 0;
  }

  if (args.derive !== undefined) {
    const summary = await deriveRun(resolve(args.derive));
    process.stdout.write(`${summary}\n`);
    return 0;
  }

  if (args.scenario === undefined) {
    process.stderr.write(`lab: name a scenario (one of: ${SCENARIOS.map((s) => s.name).join(', ')})\n${USAGE}\n`);
    return 2;
  }
  const scenario = findScenario(args.scenario);
  if (!scenario) {
    process.stderr.write(`lab: unknown scenario ${args.scenario}; choose one of: ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
    return 2;
  }

  const requirements = checkRequirements();
  if (!requirements.ok) {
    process.stderr.write(`lab: this machine cannot run the lab.\n${requirements.message}\n`);
    return 2;
  }

  const outDir = resolve(args.out ?? join(REPO_ROOT, 'lab', 'out', scenario.name));
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    // Only replace a folder that contains an earlier lab run.
    if (!existsSync(join(outDir, 'events.jsonl'))) {
      process.stderr.write(`lab: ${outDir} is not empty and contains no earlier lab run; choose another --out folder\n`);
      return 2;
    }
    rmSync(outDir, { recursive: true, force: true });
  }
  mkdirSync(outDir, { recursive: true });

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    process.stderr.write(`lab: ${signal} received, tearing down (processes and namespaces of this run only)\n`);
    controller.abort();
    if (interrupts > 2) process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const started = Date.now();
  try {
    await recordScenario(scenario, {
      outDir,
      fullLogs: args.fullLogs,
      signal: controller.signal,
      progress: (message) => process.stderr.write(`lab: ${message}\n`),
    });
  } catch (error) {
    if (error instanceof AbortedError) {
      process.stderr.write('lab: aborted; namespaces and processes of this run were removed\n');
      return 130;
    }
    process.stderr.write(`lab: scenario ${scenario.name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.stderr.write(`lab: recorded in ${((Date.now() - started) / 1000).toFixed(1)} s; deriving keys and ground truth\n`);
  const summary = await deriveRun(outDir);
  process.stdout.write(`${summary}\n`);
  return 0;
}

// `npm run lab -- --list | head` closes the pipe early; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`lab: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 3;
  },
);
