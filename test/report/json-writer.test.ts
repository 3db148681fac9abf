// The streaming JSON writer against JSON.stringify of the whole report.

import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze/pipeline.js';
import { loadKeys } from '../../src/keys/index.js';
import { buildReport, writeReport } from '../../src/report/json.js';

const captures = join(import.meta.dirname, '..', '..', 'captures');

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const cases: [string, string | null][] = [
  ['scenarios/black-hole-dpd.pcap', 'scenarios/black-hole-dpd.keys'],
  ['scenarios/reserved-spi.pcap', null],
  ['lab/ikev1-main-quick/capture.pcap', 'lab/ikev1-main-quick/keys'],
  ['decode/truncated-layers.pcap', null],
];

/** A stream that takes one chunk at a time, later, so that the writer has to wait for 'drain'. */
class Slow extends Writable {
  text = '';
  writes = 0;
  constructor() {
    super({ highWaterMark: 1 });
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    this.writes++;
    setImmediate(done);
  }
}

describe('streaming JSON report', () => {
  it('writer waits for a slow stream and writes the same text', async () => {
    const result = await analyzeFiles([join(captures, 'lab/ikev1-main-quick/capture.pcap')], { keys: await loadKeys([join(captures, 'lab/ikev1-main-quick/keys')]) });
    const out = new Slow();
    await writeReport(result, 'en', out);
    expect(out.text).toBe(JSON.stringify(buildReport(result, 'en'), null, 2) + '\n');
    // Short pieces are gathered: far fewer writes than lines.
    expect(out.writes).toBeLessThan(out.text.split('\n').length / 10);
  });

  for (const [capture, keyDir] of cases) {
    it(`writer matches JSON.stringify for ${capture}`, async () => {
      const keys = keyDir ? await loadKeys([join(captures, keyDir)]) : null;
      const result = await analyzeFiles([join(captures, capture)], { keys });
      const out = new Collect();
      await writeReport(result, 'en', out);
      expect(out.text).toBe(JSON.stringify(buildReport(result, 'en'), null, 2) + '\n');
    });
  }
});
