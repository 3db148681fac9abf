// `spitrace analyze`: read captures (and keys), print the report.

import { setFlagsFromString } from 'node:v8';
import { CaptureFormatError } from '../capture/index.js';
import { analyzeFiles } from '../analyze/pipeline.js';
import { KeyFileError, loadKeys, type KeySet } from '../keys/index.js';
import { type Lang, libraryPhrase, ui } from '../report/i18n.js';
import { writeReport } from '../report/json.js';
import { renderNdjson } from '../report/ndjson.js';
import { renderText } from '../report/text.js';
import { renderIkeMessage } from '../report/ike-tree.js';
import { writeEvidence } from '../report/evidence.js';
import { escapeForTerminal } from '../util/format.js';
import type { Io } from './io.js';

export interface AnalyzeCommandOptions {
  keys: string[];
  json?: boolean;
  ndjson?: boolean;
  ike?: boolean;
  transientWindow: number;
  evidence?: string;
  maxFrames: number;
  timeline?: boolean;
  lang: Lang;
}

/** Key files skipped that are listed one per line; more are counted in one line. */
const MAX_SKIPPED_LISTED = 3;

/**
 * Loads key files, or returns the exit status 2 after printing why they could
 * not be read. With `followed`, the files are re-read later (live capture), so
 * an empty key path is not yet a reason to warn.
 */
export async function loadKeyOption(paths: string[], lang: Lang, io: Io, followed = false): Promise<KeySet | null | number> {
  if (paths.length === 0) return null;
  try {
    const keys = await loadKeys(paths);
    // A folder beside a capture (a lab run, a case folder) can hold many other files: name a few, count the rest.
    if (keys.skipped.length <= MAX_SKIPPED_LISTED) {
      for (const s of keys.skipped) io.err.write(ui(lang, 'skippedKeyFile', { path: escapeForTerminal(s.path), reason: s.reason }) + '\n');
    } else {
      io.err.write(ui(lang, 'skippedKeyFiles', { n: keys.skipped.length, paths: paths.map(escapeForTerminal).join(' ') }) + '\n');
    }
    if (keys.loaded.length === 0 && !followed) io.err.write(ui(lang, 'noKeysLoaded', { paths: paths.map(escapeForTerminal).join(', ') }) + '\n');
    return keys;
  } catch (error) {
    if (error instanceof KeyFileError) {
      const where = error.line > 0 ? `${error.path}:${error.line}` : error.path;
      io.err.write(ui(lang, 'keyFileError', { where: escapeForTerminal(where), field: error.field, expected: libraryPhrase(lang, error.expected) }) + '\n');
      return 2;
    }
    const e = error as NodeJS.ErrnoException;
    io.err.write(ui(lang, 'unreadable', { path: e.path ?? paths.join(', '), reason: e.code ? libraryPhrase(lang, e.code) : e.message }) + '\n');
    return 2;
  }
}

export async function runAnalyze(captures: string[], options: AnalyzeCommandOptions, io: Io): Promise<number> {
  const lang = options.lang;
  if (options.timeline && !process.stdin.isTTY) {
    io.err.write(ui(lang, 'timelineNeedsTty') + '\n');
    return 2;
  }
  if (options.evidence && captures.includes('-')) {
    io.err.write(ui(lang, 'evidenceNeedsFiles') + '\n');
    return 2;
  }
  const keys = await loadKeyOption(options.keys, lang, io);
  if (typeof keys === 'number') return keys;

  // One capture file is read record by record with few allocations (Analysis.scan), and V8 would still
  // double its young generation to 32 MiB as the report's records survive collections, so memory would
  // grow with capture length for no speed gained. Keep the young generation at its starting size then.
  // Starting a worker thread resets the flag, so it is set again once the reading worker runs.
  const singleFile = captures.length === 1 && captures[0] !== '-';
  const keepYoungGenerationSmall = (): void => setFlagsFromString('--semi-space-growth-factor=1');
  if (singleFile) keepYoungGenerationSmall();

  let result;
  try {
    result = await analyzeFiles(
      captures,
      { keys, transientWindowSeconds: options.transientWindow, keepParsedIkeMessages: options.ike === true },
      singleFile ? { onThreadStart: keepYoungGenerationSmall } : {},
    );
  } catch (error) {
    if (error instanceof CaptureFormatError) {
      io.err.write(ui(lang, 'notCapture', { path: error.path, found: libraryPhrase(lang, error.found) }) + '\n');
      return 2;
    }
    // The capture layer names the path first in every error about opening or reading an input.
    const path = error instanceof Error ? captures.find((p) => error.message.startsWith(`${p}: `)) : undefined;
    if (error instanceof Error && path !== undefined) {
      const reason = error.message.slice(path.length + 2);
      io.err.write(ui(lang, 'inputError', { path, reason: libraryPhrase(lang, reason) }) + '\n');
      return 2;
    }
    if (error instanceof Error && /standard input/.test(error.message)) {
      io.err.write(ui(lang, 'usageError', { message: libraryPhrase(lang, error.message) }) + '\n');
      return 2;
    }
    throw error;
  }

  if (options.timeline) {
    const { runTimeline } = await import('../tui/timeline.js');
    await runTimeline(result, lang);
  } else if (options.json) {
    await writeReport(result, lang, io.out);
  } else if (options.ndjson) {
    io.out.write(renderNdjson(result, lang));
  } else {
    io.out.write(renderText(result, { lang, maxFrames: options.maxFrames, multipleInputs: result.inputs.length > 1 }));
    if (options.ike) {
      io.out.write('\nIKE:\n');
      for (const m of result.ikeParsed) io.out.write(renderIkeMessage(m).join('\n') + '\n');
    }
  }

  if (options.evidence) {
    const written = await writeEvidence(captures, result, options.evidence);
    io.err.write(ui(lang, 'evidenceWritten', { n: written, path: options.evidence }) + '\n');
  }
  return result.findings.some((f) => f.severity === 'error') ? 1 : 0;
}
