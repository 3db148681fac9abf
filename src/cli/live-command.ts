// `spitrace live` and `spitrace interfaces`: open the interface, start a
// LiveSession (live-session.ts) on its frames, and stop on Ctrl-C, SIGTERM or
// --duration. Optionally keeps a ring of pcapng files of everything captured.

import type { CaptureInfo } from '../capture/types.js';
import { isDecodedLinkType, LiveCaptureError, listDevices, type LiveErrorKind } from '../capture/libpcap.js';
import { LiveSource } from '../capture/live.js';
import { linkTypeName } from '../capture/linktypes.js';
import { RingWriter } from '../capture/ring.js';
import { fill, type Lang, ui } from '../report/i18n.js';
import { SCHEMA } from '../report/json.js';
import type { CapturedFrame } from '../types.js';
import { escapeForTerminal } from '../util/format.js';
import { loadKeyOption } from './analyze-command.js';
import type { Io } from './io.js';
import { LiveSession, WORDS } from './live-session.js';

export interface LiveCommandOptions {
  interface: string;
  keys: string[];
  filter?: string;
  ndjson?: boolean;
  duration?: number;
  write?: string;
  ringSize: number;
  ringFiles: number;
  transientWindow: number;
  lang: Lang;
}

/** Milliseconds between flushes of coalesced updates, the ring and key re-reads. */
const TICK_MS = 1000;
/**
 * Japanese for the live capture errors that users cause most often. Other kinds, and English, show the
 * capture layer's message, which also quotes libpcap.
 */
const LIVE_ERRORS_JA: Partial<Record<LiveErrorKind, string>> = {
  permission:
    'spitrace: {iface} でキャプチャするには root 権限か CAP_NET_RAW ケーパビリティが必要です。root で実行するか、node にケーパビリティを与えてください: setcap cap_net_raw=eip "$(readlink -f "$(command -v node)")"',
  'no-such-interface': 'spitrace: キャプチャインターフェース "{iface}" はありません。インターフェース: {interfaces}',
};

/** Formats why a live capture could not start, in Japanese for the kinds LIVE_ERRORS_JA covers. */
function liveErrorText(error: LiveCaptureError, iface: string, lang: Lang): string {
  const template = lang === 'ja' ? LIVE_ERRORS_JA[error.kind] : undefined;
  if (template === undefined) return `spitrace: ${error.message}`;
  if (error.kind === 'no-such-interface' && error.interfaces.length === 0) return `spitrace: ${error.message}`;
  return fill(template, { iface, interfaces: error.interfaces.join(', ') });
}

function checkRingOptions(options: LiveCommandOptions): string | null {
  if (options.write === undefined) return null;
  if (!(options.ringSize > 0)) return ui(options.lang, 'ringSizeInvalid', { value: options.ringSize });
  if (!Number.isInteger(options.ringFiles) || options.ringFiles < 1) return ui(options.lang, 'ringFilesInvalid', { value: options.ringFiles });
  return null;
}

export async function runLive(options: LiveCommandOptions, io: Io): Promise<number> {
  const lang = options.lang;
  const problem = checkRingOptions(options);
  if (problem) {
    io.err.write(ui(lang, 'usageError', { message: problem }) + '\n');
    return 2;
  }
  const keys = await loadKeyOption(options.keys, lang, io, true);
  if (typeof keys === 'number') return keys;
  const warn = (message: string) => io.err.write(`spitrace: ${message}\n`);

  let stop: (reason: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => {
    stop = resolve;
  });
  let session: LiveSession | null = null;
  let failure: unknown = null;
  const onFrame = (frame: CapturedFrame) => {
    if (session === null || failure !== null) return;
    try {
      session.frame(frame);
    } catch (error) {
      failure ??= error;
      stop('internal error');
    }
  };

  let source: LiveSource;
  try {
    source = await LiveSource.open({ iface: options.interface, ...(options.filter !== undefined ? { filter: options.filter } : {}), onFrame, onNotice: warn });
  } catch (error) {
    if (error instanceof LiveCaptureError) {
      io.err.write(liveErrorText(error, options.interface, lang) + '\n');
      return 2;
    }
    throw error;
  }

  let ring: RingWriter | null = null;
  if (options.write !== undefined) {
    try {
      ring = new RingWriter({
        dir: options.write,
        prefix: `spitrace-${options.interface}`,
        fileBytes: Math.max(1, Math.floor(options.ringSize * 1024 * 1024)),
        files: options.ringFiles,
        linkType: source.linkType,
        interfaceName: options.interface,
        comment: `spitrace live capture on ${options.interface}, filter: ${source.filter}`,
      });
    } catch (error) {
      await source.close();
      const e = error as NodeJS.ErrnoException;
      io.err.write(ui(lang, 'unreadable', { path: options.write, reason: e.code ?? e.message }) + '\n');
      return 2;
    }
  }

  const onError = (error: unknown) => {
    failure ??= error;
    stop('internal error');
  };
  session = new LiveSession({ lang, ndjson: options.ndjson === true, keys, transientWindowSeconds: options.transientWindow, ring, out: io.out, warn, onError });
  const live = session;

  const filterText = options.filter ?? WORDS[lang].defaultFilter;
  io.err.write(`spitrace: ${ui(lang, 'liveStart', { iface: options.interface, filter: filterText })}\n`);
  if (!isDecodedLinkType(source.linkType)) {
    warn(ui(lang, 'linkTypeNotDecoded', { iface: options.interface, linkType: linkTypeName(source.linkType) }));
  }
  if (options.ndjson) {
    io.out.write(JSON.stringify({ record: 'input', schema: SCHEMA, index: 0, ...liveInputJson(source), live: { interface: options.interface, filter: source.filter } }) + '\n');
  }

  const onSigint = () => stop('SIGINT');
  const onSigterm = () => stop('SIGTERM');
  const onOutputError = (error: NodeJS.ErrnoException) => stop(ui(lang, 'stdoutFailed', { reason: error.code ?? error.message }));
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  io.out.on('error', onOutputError);
  const ticker = setInterval(() => live.tick(), TICK_MS);
  const timer = options.duration !== undefined ? setTimeout(() => stop(ui(lang, 'durationReached', { n: options.duration! })), options.duration * 1000) : null;

  const reason = await stopped;
  // Frames still on their way from the capture process are analysed before the summary.
  await source.close();
  clearInterval(ticker);
  if (timer) clearTimeout(timer);
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
  if (failure !== null) {
    live.abandon();
    io.out.off('error', onOutputError);
    throw failure;
  }

  const captured = ui(lang, 'framesCaptured', { n: source.frames });
  const dropped = source.dropped > 0 ? ui(lang, 'framesDropped', { n: source.dropped }) : '';
  io.err.write(`spitrace: ${ui(lang, 'liveStop', { reason, captured, dropped })}\n`);
  const result = live.finish(liveInfo(source));
  if (ring && ring.files.length > 0) io.err.write(ui(lang, 'ringFiles', { dir: options.write!, files: ring.files.join(', ') }) + '\n');
  io.out.off('error', onOutputError);
  return result.findings.some((f) => f.severity === 'error') ? 1 : 0;
}

function liveInfo(source: LiveSource): CaptureInfo {
  return {
    path: source.iface,
    format: 'pcapng',
    compressed: false,
    linkTypes: [{ number: source.linkType, name: source.linkTypeName }],
    frames: source.frames,
    first: source.first,
    last: source.last,
  };
}

function liveInputJson(source: LiveSource) {
  const info = liveInfo(source);
  return { path: info.path, format: info.format, compressed: false, frames: 0, linkTypes: info.linkTypes, first: null, last: null };
}

export async function runInterfaces(io: Io, lang: Lang = 'en'): Promise<number> {
  let devices;
  try {
    devices = listDevices();
  } catch (error) {
    if (error instanceof LiveCaptureError) {
      io.err.write(`spitrace: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (devices.length === 0) {
    io.err.write(ui(lang, 'noInterfaces') + '\n');
    return 2;
  }
  const width = Math.max(...devices.map((d) => d.name.length));
  for (const d of devices) {
    const addresses = d.addresses.map((a) => (a.netmask ? `${a.address}/${a.netmask}` : a.address)).join(', ');
    const parts = [d.name.padEnd(width)];
    if (d.loopback) parts.push('(loopback)');
    if (d.description) parts.push(escapeForTerminal(d.description));
    if (addresses) parts.push(addresses);
    io.out.write(parts.join('  ') + '\n');
  }
  return 0;
}
