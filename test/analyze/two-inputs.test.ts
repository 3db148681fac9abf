// The same capture given twice, as two capture points that saw the same
// packets: every packet counts once, and no copy reads as a retransmission.

import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze/pipeline.js';
import type { AnalysisResult } from '../../src/analyze/result.js';
import { loadKeys } from '../../src/keys/index.js';
import { crafted } from '../capture/read.js';

/** Returns the IKE table without frame references, which name the input that came first. */
function ikeRows(result: AnalysisResult): unknown[] {
  return result.ikeDatagrams.map(({ first: _first, last: _last, ...row }) => row);
}

/** Returns the event kinds of each tunnel, in order. */
function eventKinds(result: AnalysisResult): string[][] {
  return result.tunnels.map((t) => t.events.map((e) => e.kind));
}

describe('two inputs', () => {
  for (const run of ['ikev2-rekey', 'ikev2-responder-restart']) {
    it(`two inputs count ${run} once`, async () => {
      const capture = crafted(`lab/${run}/capture.pcap`);
      const keys = await loadKeys([crafted(`lab/${run}/keys`)]);
      const once = await analyzeFiles([capture], { keys });
      const twice = await analyzeFiles([capture, capture], { keys });
      expect(ikeRows(twice)).toEqual(ikeRows(once));
      expect(eventKinds(twice)).toEqual(eventKinds(once));
      expect(twice.findings.map((f) => f.kind)).toEqual(once.findings.map((f) => f.kind));
      expect(twice.childSas.map((sa) => sa.packets)).toEqual(once.childSas.map((sa) => sa.packets));
    });
  }
});
