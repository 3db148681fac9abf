// Child processes of one lab run: short commands with a timeout, and long-running
// daemons (charon, tcpdump, pingers) that are tracked by PID so teardown ends
// exactly the processes this run started and nothing else.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** Outcome of a command that ran to completion. */
export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    const detail = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ');
    super(`command failed (exit ${result.code ?? result.signal}): ${command}${detail ? `: ${detail}` : ''}`);
    this.name = 'CommandError';
  }
}

export interface RunOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Resolve with a non-zero exit instead of throwing. */
  allowFailure?: boolean;
}

/** Runs a command to completion; kills it by PID when the timeout expires. */
export function runCommand(file: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const commandText = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${file}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code, signal, stdout, stderr };
      if (signal === 'SIGKILL' && code === null) {
        reject(new CommandError(`${commandText} (timed out after ${timeoutMs} ms)`, result));
      } else if (code !== 0 && !options.allowFailure) {
        reject(new CommandError(commandText, result));
      } else {
        resolve(result);
      }
    });
  });
}

/** A long-running process started by this run. */
export interface Daemon {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderrTail(): string;
}

/**
 * Starts and ends long-running processes. Every PID it hands out is remembered
 * until the process exits, so `stopAll` can end exactly those.
 */
export class DaemonRegistry {
  private readonly running = new Map<number, Daemon>();

  start(name: string, file: string, args: readonly string[], options: SpawnOptions = {}): Daemon {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    if (child.pid === undefined) {
      throw new Error(`cannot start ${name} (${file})`);
    }
    const pid = child.pid;
    let tail = '';
    const keepTail = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => {
        this.running.delete(pid);
        resolve({ code, signal });
      });
    });
    const daemon: Daemon = { name, pid, child, exited, stderrTail: () => tail };
    this.running.set(pid, daemon);
    return daemon;
  }

  isRunning(daemon: Daemon): boolean {
    return this.running.has(daemon.pid);
  }

  /** Sends `signal`, then SIGKILL if the process is still there after `graceMs`. */
  async stop(daemon: Daemon, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
    if (!this.running.has(daemon.pid)) return;
    signalPid(daemon.pid, signal);
    const finished = await Promise.race([daemon.exited.then(() => true), delay(graceMs).then(() => false)]);
    if (!finished && this.running.has(daemon.pid)) {
      signalPid(daemon.pid, 'SIGKILL');
      await Promise.race([daemon.exited, delay(2_000)]);
    }
  }

  /** Ends every process still running, newest first. */
  async stopAll(): Promise<void> {
    const daemons = [...this.running.values()].reverse();
    for (const daemon of daemons) {
      await this.stop(daemon, 'SIGTERM', 3_000);
    }
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    // ESRCH: the process exited between the check and the signal.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 50 ms until it returns true or `timeoutMs` passes. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await delay(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
