// NDJSON output: one JSON record per line, each with a `record` field, in
// capture order. A finding is placed where it closes (its last frame); the
// summary comes last. Live capture writes findings as they open, change and
// close under the same id, with a `phase` field.

import type { AnalysisResult } from '../analyze/result.js';
import type { Finding } from '../sa/findings.js';
import type { FrameRef } from '../types.js';
import { compareTime } from '../util/format.js';
import type { Lang } from './i18n.js';
import { anomalyJson, childSaJson, findingJson, ikeMessageJson, inputJson, SCHEMA, summaryJson } from './json.js';

interface Placed {
  at: FrameRef | null;
  order: number;
  line: string;
}

function place(at: FrameRef | null, order: number, record: object): Placed {
  return { at, order, line: JSON.stringify(record) };
}

function byCaptureOrder(x: Placed, y: Placed): number {
  if (x.at && y.at) {
    const c = compareTime(x.at.time, y.at.time);
    if (c !== 0) return c;
    if (x.at.input !== y.at.input) return x.at.input - y.at.input;
    if (x.at.frame !== y.at.frame) return x.at.frame - y.at.frame;
  } else if (x.at || y.at) {
    return x.at ? -1 : 1;
  }
  return x.order - y.order;
}

/** The NDJSON lines of a finished analysis. */
export function renderNdjson(r: AnalysisResult, lang: Lang): string {
  const head = r.inputs.map((info, i) => JSON.stringify({ record: 'input', schema: SCHEMA, index: i, ...inputJson(info) }));
  const body: Placed[] = [];
  let order = 0;
  for (const m of r.ikeMessages) body.push(place(m.ref, order++, { record: 'ikeMessage', ...ikeMessageJson(m) }));
  for (const a of r.anomalies) body.push(place(a.time ? { input: a.input, frame: a.frame, time: a.time } : null, order++, { record: 'anomaly', ...anomalyJson(a) }));
  for (const sa of r.childSas) body.push(place(sa.deleted?.at ?? sa.last ?? sa.negotiated?.at ?? null, order++, { record: 'childSa', ...childSaJson(sa) }));
  for (const f of r.findings) body.push(place(f.last ?? f.first, order++, { record: 'finding', phase: 'close', ...findingJson(f, lang) }));
  body.sort(byCaptureOrder);
  const tail = JSON.stringify({ record: 'summary', ...summaryJson(r) });
  return [...head, ...body.map((p) => p.line), tail].join('\n') + '\n';
}

/** One live record for a finding as it opens, changes or closes. */
export function liveFindingLine(f: Finding, phase: 'open' | 'update' | 'close', lang: Lang, ring?: { file: string; frame: number } | null): string {
  return JSON.stringify({ record: 'finding', phase, ...findingJson(f, lang), ring: ring ?? null });
}
