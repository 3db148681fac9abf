// The outage markers of the text report's timeline: the marker at the last
// dropped packet states when the outage was still failing at the end of the capture.

import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze/pipeline.js';
import { renderText } from '../../src/report/text.js';
import { crafted } from '../capture/read.js';

/** Returns the timeline lines that mark the end of an outage. */
async function outageEnds(capture: string, lang: 'en' | 'ja' = 'en'): Promise<string[]> {
  const result = await analyzeFiles([crafted(capture)]);
  return renderText(result, { lang, maxFrames: 20, multipleInputs: false })
    .split('\n')
    .filter((line) => line.includes('▲'));
}

describe('text timeline', () => {
  it('marks an outage still failing', async () => {
    const lines = await outageEnds('scenarios/delete-notify.pcap');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/▲ outage .*: 10 packets, still failing when the capture ends$/);
  });

  it('marks a recovered outage plainly', async () => {
    const lines = await outageEnds('scenarios/black-hole-dpd.pcap');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/▲ outage .*: \d+ packets$/);
  });

  it('marks an outage still failing in Japanese', async () => {
    const lines = await outageEnds('scenarios/delete-notify.pcap', 'ja');
    expect(lines[0]).toMatch(/▲ 停止 .*: 10 パケット、キャプチャ終了時点でも失敗が続いています$/);
  });
});
