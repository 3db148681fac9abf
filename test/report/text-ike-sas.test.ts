// The IKE SA table of the text report: how it reports decryption.

import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze/pipeline.js';
import { loadKeys } from '../../src/keys/index.js';
import { renderText } from '../../src/report/text.js';
import { crafted } from '../capture/read.js';

/** Returns the rows of the text report's IKE SA table. */
async function ikeSaRows(capture: string, keys?: string): Promise<string[]> {
  const result = await analyzeFiles([crafted(capture)], { keys: keys === undefined ? null : await loadKeys([crafted(keys)]) });
  const lines = renderText(result, { lang: 'en', maxFrames: 20, multipleInputs: false }).split('\n');
  const heading = lines.indexOf('IKE SAs:');
  const rows: string[] = [];
  for (let i = heading + 1; heading >= 0 && i < lines.length && lines[i]!.startsWith('  IKE'); i++) rows.push(lines[i]!);
  return rows;
}

describe('text IKE SA table', () => {
  it('says nothing encrypted without counts', async () => {
    const rows = await ikeSaRows('decode/ah.pcap');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/ nothing encrypted$/);
  });

  it('counts decrypted messages', async () => {
    const rows = await ikeSaRows('lab/ikev2-rekey/capture.pcap', 'lab/ikev2-rekey/keys');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/ decrypted \((\d+)\/\1\)$/);
  });
});
