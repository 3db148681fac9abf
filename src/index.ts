// Public API of spitrace: read captures, analyse them, load keys, build reports.

export { openCapture, openCaptures, CaptureFormatError } from './capture/index.js';
export type { CaptureInfo, CaptureSource, MergedCapture } from './capture/types.js';
export { Analysis, analyzeFiles, type AnalyzeOptions } from './analyze/pipeline.js';
export type { AnalysisResult, IkeSaSummary } from './analyze/result.js';
export { loadKeys, KeyFileError, type KeySet } from './keys/index.js';
export { buildReport, SCHEMA } from './report/json.js';
export { renderNdjson } from './report/ndjson.js';
export { renderText } from './report/text.js';
export { explain, findingMessage } from './report/catalog.js';
export { FINDING_KINDS, FLAGGING_KINDS, type Finding, type FindingKind } from './sa/findings.js';
export type * from './types.js';
export type * from './ike/types.js';
