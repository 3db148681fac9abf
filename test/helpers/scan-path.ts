// Analyses one capture both ways the pipeline can read it: record by record
// through the reader's scan API (analyzeFiles with one input) and frame by
// frame through Analysis.frame, which builds a CapturedFrame per record and
// decodes it the general way. Both must write the same JSON report.

import { existsSync } from 'node:fs';
import { Analysis, analyzeFiles } from '../../src/analyze/pipeline.js';
import { openCapture } from '../../src/capture/index.js';
import { loadKeys } from '../../src/keys/index.js';
import { buildReport } from '../../src/report/json.js';

/** Returns the JSON reports of both paths for `path`, with the key files in `keys` when that path exists. */
export async function reportsBothWays(path: string, keys?: string): Promise<{ scanned: string; framed: string }> {
  const keySet = keys !== undefined && existsSync(keys) ? await loadKeys([keys]) : null;

  const scanned = await analyzeFiles([path], { keys: keySet });

  const source = await openCapture(path, 0);
  const analysis = new Analysis({ keys: keySet });
  for (let batch = await source.next(); batch !== null; batch = await source.next()) {
    for (const f of batch) analysis.frame(f);
  }
  await source.close();
  const framed = analysis.finish([source.info], [source]);

  return { scanned: JSON.stringify(buildReport(scanned, 'en'), null, 1), framed: JSON.stringify(buildReport(framed, 'en'), null, 1) };
}
