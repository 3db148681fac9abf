// The list of anomalies past its limit: the capture file's own problems stay
// listed, and the text report states that the counts cover only the listed ones.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze/pipeline.js';
import { buildPcap } from '../../src/capture/writer.js';
import { renderText } from '../../src/report/text.js';
import { at, ethernet } from '../helpers/build.js';
import { tempDir } from '../helpers/temp.js';

const folder = tempDir('spitrace-anomalies-');

/** Writes a capture of `count` frames whose IPv4 header is cut short, and whose last record is cut too. */
function malformedCapture(count: number): string {
  const frames = Array.from({ length: count }, (_, i) => ({ time: at(i / 100), data: ethernet(new Uint8Array([0x45, 0, 0]), { type: 0x0800 }) }));
  const bytes = buildPcap(1, frames);
  const path = join(folder, `malformed-${count}.pcap`);
  writeFileSync(path, bytes.subarray(0, bytes.length - 2));
  return path;
}

describe('anomaly list', () => {
  it('lists capture problems past the limit', async () => {
    const result = await analyzeFiles([malformedCapture(20)], { maxAnomalies: 5 });
    expect(result.counts.anomalies).toBe(20);
    expect(result.anomalies).toHaveLength(6);
    expect(result.anomaliesDropped).toBe(14);
    expect(result.anomalies.at(-1)).toMatchObject({ frame: 20, layer: 'pcap', cause: 'truncated' });
  });

  it('text names the capture problem first', async () => {
    const result = await analyzeFiles([malformedCapture(20)], { maxAnomalies: 5 });
    const lines = renderText(result, { lang: 'en', maxFrames: 20, multipleInputs: false }).split('\n');
    const heading = lines.indexOf('Anomalies: 20');
    expect(heading).toBeGreaterThan(0);
    expect(lines[heading + 1]).toMatch(/^ {2}pcap: record 20 data cut short .* \(×1, first #20\)$/);
    expect(lines[heading + 2]).toMatch(/^ {2}ipv4: .* \(×5, first #1\)$/);
    expect(lines[heading + 3]).toBe('  14 more anomalies are not listed in the report, so the counts above cover only the listed ones');
  });
});
