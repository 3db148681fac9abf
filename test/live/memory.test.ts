// Memory of a long live capture: RSS after 10 million packets must stay
// within 20 % of RSS after 1 million. memory-run.ts feeds a generated stream
// (20 tunnels, rekeys, a desync every 30 minutes per tunnel) through the same
// LiveSession the capture source feeds, with NDJSON output and a ring of
// files. It runs in a child process of its own, so vitest's memory does not
// count. Needs no root.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './netns.js';

const script = fileURLToPath(new URL('./memory-run.ts', import.meta.url));

interface MemoryResult {
  packets: number;
  rssAt1M: number;
  rssAtEnd: number;
  desyncs: number;
}

/** Runs memory-run.ts; asynchronously, because a blocked test worker misses vitest's progress calls. */
function run(extra: string[]): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    // V8 grows its young generation to 2 x 16 MiB under this load. How much of it is resident when RSS is read
    // swings RSS by up to 30 MB between runs, so it is kept at 1 MiB, which is too small to hide state.
    const child = spawn(process.execPath, ['--expose-gc', '--max-semi-space-size=1', '--import', 'tsx', script, '10000000', ...extra], { cwd: repoRoot, timeout: 280_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(stdout.trim()) as MemoryResult);
      else reject(new Error(`memory-run.ts exited ${code}: ${stderr}`));
    });
  });
}

describe('live pipeline memory over 10 million packets', () => {
  it('grows RSS by less than 20 % after the first million', async () => {
    const result = await run([]);
    expect(result.packets).toBe(10_000_000);
    expect(result.desyncs).toBeGreaterThan(100);
    expect(result.rssAtEnd / result.rssAt1M, `RSS ${result.rssAt1M} then ${result.rssAtEnd} bytes`).toBeLessThan(1.2);
  });

  it('stays bounded when a receiver stops answering after an idle pause', async () => {
    // The sender's run of unanswered packets then never counts as a silence, so it must be capped.
    const result = await run(['--one-way-after-idle']);
    expect(result.rssAtEnd / result.rssAt1M, `RSS ${result.rssAt1M} then ${result.rssAtEnd} bytes`).toBeLessThan(1.2);
  });
});
