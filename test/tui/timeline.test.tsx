// The interactive timeline rendered with ink-testing-library on a crafted scenario.

import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze/pipeline.js';
import { loadKeys } from '../../src/keys/index.js';
import { TimelineApp } from '../../src/tui/timeline.js';

const scenarios = join(import.meta.dirname, '..', '..', 'captures', 'scenarios');

async function blackHole() {
  const keys = await loadKeys([join(scenarios, 'black-hole-dpd.keys')]);
  return analyzeFiles([join(scenarios, 'black-hole-dpd.pcap')], { keys });
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('timeline view', () => {
  it('timeline shows the outage', async () => {
    const app = render(<TimelineApp result={await blackHole()} lang="en" />);
    const frame = app.lastFrame() ?? '';
    expect(frame).toContain('192.0.2.1 ⇄ 192.0.2.2');
    expect(frame).toContain('▼ outage 192.0.2.1 → 192.0.2.2 SPI 0xc2000001');
    app.unmount();
  });

  it('timeline switches to findings on Tab', async () => {
    const app = render(<TimelineApp result={await blackHole()} lang="en" />);
    app.stdin.write('\t');
    await tick();
    const frame = app.lastFrame() ?? '';
    expect(frame).toContain('spi-lost');
    expect(frame).toContain('desync');
    app.unmount();
  });

  it('timeline shows details on Enter', async () => {
    const app = render(<TimelineApp result={await blackHole()} lang="ja" />);
    app.stdin.write('\t');
    await tick();
    app.stdin.write('\r');
    await tick();
    expect(app.lastFrame() ?? '').toContain('フレーム');
    app.unmount();
  });

  it('timeline moves one row per key', async () => {
    const app = render(<TimelineApp result={await blackHole()} lang="en" />);
    app.stdin.write('\t');
    await tick();
    // Two Down keys in one write select the third finding, ike-unanswered, whose details list its frame.
    app.stdin.write('\u001B[B\u001B[B');
    await tick();
    app.stdin.write('\r');
    await tick();
    const frame = app.lastFrame() ?? '';
    app.unmount();
    expect(frame).toMatch(/│ \[info\] ike-unanswered f\d+: /);
    expect(frame).toContain('frames: 66');
  });

  it('timeline says when a row has no finding', async () => {
    const app = render(<TimelineApp result={await blackHole()} lang="en" />);
    app.stdin.write('\r');
    await tick();
    const frame = app.lastFrame() ?? '';
    app.unmount();
    expect(frame).toContain('No finding on this row.');
  });
});
