// loadKeys(): reads key files and folders into one KeySet. Paths may repeat
// and may be folders; a folder loads the files it recognises (recursively)
// and lists the others with the reason. The same keys found in several files
// (both charon logs of a tunnel print the same IKE keys) count once and keep
// every source.

import { createReadStream } from 'node:fs';
import { isIP } from 'node:net';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createGunzip, gunzip } from 'node:zlib';
import { detectFormat, isBinary, isGzip } from './detect.js';
import { parseCharonLog } from './strongswan-log.js';
import { parseTcpdumpSecrets } from './tcpdump.js';
import {
  KeyFileError,
  type EntrySource,
  type EspSaEntry,
  type Ikev1KeyEntry,
  type Ikev2KeyEntry,
  type KeyFormat,
  type KeySet,
  type LoadedFile,
  type SecretBytes,
  type SkippedFile,
} from './types.js';
import { readUatRecords } from './uat.js';
import { parseEspTable } from './wireshark-esp.js';
import { parseIkev1Table } from './wireshark-ikev1.js';
import { parseIkev2Table } from './wireshark-ikev2.js';

const gunzipAsync = promisify(gunzip);

/** Bytes of a file (after gunzip) that format detection reads. */
const HEAD_BYTES = 64 * 1024;
/** Largest file searched whole for libreswan's ikev2 key lines when its head matches no format. */
const MAX_SCAN_BYTES = 64 * 1024 * 1024;
/** Folder depth searched for key files. */
const MAX_DEPTH = 4;

interface FileEntries {
  ikev2: Ikev2KeyEntry[];
  ikev1: Ikev1KeyEntry[];
  esp: EspSaEntry[];
}

interface FileRecord {
  absolute: string;
  path: string;
  format: KeyFormat;
  compressed: boolean;
  size: number;
  mtimeMs: number;
  entries: FileEntries;
}

interface FolderRecord {
  absolute: string;
  path: string;
}

interface SkipRecord {
  absolute: string;
  path: string;
  reason: string;
  /** Size when it was skipped: a file that grows (a log being written) is tried again. */
  size: number;
}

type ReadResult = { record: FileRecord } | { skipped: string; size: number };

/** Reads the first bytes of a file, through gunzip when it is compressed. */
async function readHead(absolute: string): Promise<{ head: Uint8Array; compressed: boolean }> {
  const handle = await open(absolute, 'r');
  let raw: Uint8Array;
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buf, 0, HEAD_BYTES, 0);
    raw = buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (!isGzip(raw)) return { head: raw, compressed: false };

  const chunks: Buffer[] = [];
  let total = 0;
  await new Promise<void>((resolveRead) => {
    const input = createReadStream(absolute);
    const inflate = createGunzip();
    const finish = () => {
      input.destroy();
      inflate.destroy();
      resolveRead();
    };
    inflate.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= HEAD_BYTES) finish();
    });
    inflate.on('end', finish);
    inflate.on('error', finish);
    input.on('error', finish);
    input.pipe(inflate);
  });
  return { head: new Uint8Array(Buffer.concat(chunks).subarray(0, HEAD_BYTES)), compressed: true };
}

async function readWholeText(absolute: string, compressed: boolean): Promise<string> {
  const raw = await readFile(absolute);
  return (compressed ? await gunzipAsync(raw) : raw).toString('utf8');
}

function parseText(path: string, format: KeyFormat, text: string): FileEntries {
  switch (format) {
    case 'ikev2_decryption_table':
      return { ikev2: parseIkev2Table(path, readUatRecords(path, text)), ikev1: [], esp: [] };
    case 'ikev1_decryption_table':
      return { ikev2: [], ikev1: parseIkev1Table(path, readUatRecords(path, text)), esp: [] };
    case 'esp_sa':
      return { ikev2: [], ikev1: [], esp: parseEspTable(path, readUatRecords(path, text)) };
    case 'strongswan-log':
      return parseCharonLog(path, text);
    case 'tcpdump-secrets':
    case 'libreswan-log':
      return { ...parseTcpdumpSecrets(path, text, format), ikev1: [] };
  }
}

/** Detects and parses one file; returns the reason instead when it is not a key file. */
async function readKeyFile(absolute: string, path: string): Promise<ReadResult> {
  const info = await stat(absolute);
  const { head, compressed } = await readHead(absolute);
  if (compressed && head.length === 0) return { skipped: 'gzip data that does not decompress', size: info.size };
  if (isBinary(head)) return { skipped: compressed ? 'compressed binary data, not a key table or log' : 'binary data, not a key table or log', size: info.size };
  const headText = Buffer.from(head).toString('utf8');

  let detection = detectFormat(headText, null);
  let whole: string | null = null;
  if (detection.format === null && info.size <= MAX_SCAN_BYTES && head.length >= HEAD_BYTES) {
    whole = await readWholeText(absolute, compressed);
    detection = detectFormat(headText, whole);
  }
  if (detection.format === null) return { skipped: detection.reason, size: info.size };

  const text = whole ?? (head.length < HEAD_BYTES ? headText : await readWholeText(absolute, compressed));
  const entries = parseText(path, detection.format, text);
  return { record: { absolute, path, format: detection.format, compressed, size: info.size, mtimeMs: info.mtimeMs, entries } };
}

function ikev2Id(e: Ikev2KeyEntry): string {
  return `${e.initiatorSpi}/${e.responderSpi}`;
}

function espId(e: EspSaEntry): string {
  const spi = e.spi === null ? '*' : '0x' + e.spi.toString(16).padStart(8, '0');
  return `${spi} ${e.src}>${e.dst}`;
}

function sameSecret(a: SecretBytes | null, b: SecretBytes | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}

function sameIkev2(a: Ikev2KeyEntry, b: Ikev2KeyEntry): boolean {
  return (
    ikev2Id(a) === ikev2Id(b) &&
    a.encryption?.name === b.encryption?.name &&
    a.integrity?.name === b.integrity?.name &&
    sameSecret(a.skEi, b.skEi) &&
    sameSecret(a.skEr, b.skEr) &&
    sameSecret(a.skAi, b.skAi) &&
    sameSecret(a.skAr, b.skAr)
  );
}

/** Matches an esp_sa address (possibly with "*" wildcards) against a packet address. */
function addressMatches(pattern: string, address: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*')) return pattern.toLowerCase() === address.toLowerCase();
  if (pattern.includes('.')) {
    const p = pattern.split('.');
    const a = address.split('.');
    return p.length === a.length && p.every((part, i) => part === '*' || Number(part) === Number(a[i]));
  }
  // NOTE: IPv6 patterns with "*" are compared group by group only when both are written out in full.
  const p = pattern.toLowerCase().split(':');
  const a = address.toLowerCase().split(':');
  return p.length === a.length && p.every((part, i) => part === '*' || part === a[i]);
}

class LoadedKeySet implements KeySet {
  private fileRecords: FileRecord[] = [];
  private folderRecords: FolderRecord[] = [];
  private skipRecords: SkipRecord[] = [];
  private ikev2List: Ikev2KeyEntry[] = [];
  private ikev1List: Ikev1KeyEntry[] = [];
  private espList: EspSaEntry[] = [];
  private sourceList: EntrySource[] = [];
  private ikev2Index = new Map<string, Ikev2KeyEntry[]>();
  private ikev1Index = new Map<string, Ikev1KeyEntry[]>();

  get ikev2(): readonly Ikev2KeyEntry[] {
    return this.ikev2List;
  }
  get ikev1(): readonly Ikev1KeyEntry[] {
    return this.ikev1List;
  }
  get esp(): readonly EspSaEntry[] {
    return this.espList;
  }
  get skipped(): readonly SkippedFile[] {
    return this.skipRecords.map(({ path, reason }) => ({ path, reason }));
  }
  get sources(): readonly EntrySource[] {
    return this.sourceList;
  }
  get loaded(): readonly LoadedFile[] {
    return this.fileRecords.map((f) => ({
      path: f.path,
      format: f.format,
      compressed: f.compressed,
      ikev2: f.entries.ikev2.length,
      ikev1: f.entries.ikev1.length,
      esp: f.entries.esp.length,
    }));
  }

  ikev2Keys(initiatorSpi: string, responderSpi: string): Ikev2KeyEntry[] {
    return this.ikev2Index.get(`${initiatorSpi.toLowerCase()}/${responderSpi.toLowerCase()}`) ?? [];
  }

  ikev1Keys(initiatorCookie: string): Ikev1KeyEntry[] {
    return this.ikev1Index.get(initiatorCookie.toLowerCase()) ?? [];
  }

  espSas(spi: number, src: string, dst: string): EspSaEntry[] {
    const protocol = isIP(dst) === 6 ? 'IPv6' : 'IPv4';
    return this.espList.filter(
      (e) => e.protocol === protocol && (e.spi === null || e.spi === spi >>> 0) && addressMatches(e.src, src) && addressMatches(e.dst, dst),
    );
  }

  /** Loads one command-line path: a file (an error when it is not a key file) or a folder. */
  async addPath(path: string): Promise<void> {
    const absolute = resolve(path);
    let info;
    try {
      info = await stat(absolute);
    } catch {
      throw new KeyFileError(path, 0, 'path', 'expected an existing file or folder');
    }
    if (info.isDirectory()) {
      if (!this.folderRecords.some((f) => f.absolute === absolute)) this.folderRecords.push({ absolute, path });
      await this.addFolder(absolute, path, 0);
      return;
    }
    if (this.fileRecords.some((f) => f.absolute === absolute)) return;
    const result = await readKeyFile(absolute, path);
    if ('skipped' in result) throw new KeyFileError(path, 0, 'content', `expected a key file: ${result.skipped}`);
    this.fileRecords.push(result.record);
  }

  private async addFolder(absolute: string, path: string, depth: number): Promise<void> {
    const names = (await readdir(absolute, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of names) {
      const childAbsolute = join(absolute, entry.name);
      const childPath = join(path, entry.name);
      if (entry.isDirectory()) {
        if (depth + 1 < MAX_DEPTH) await this.addFolder(childAbsolute, childPath, depth + 1);
        continue;
      }
      if (!entry.isFile()) continue;
      if (this.fileRecords.some((f) => f.absolute === childAbsolute)) continue;
      const skippedBefore = this.skipRecords.findIndex((r) => r.absolute === childAbsolute);
      if (skippedBefore >= 0) {
        const size = (await stat(childAbsolute)).size;
        if (size === this.skipRecords[skippedBefore]!.size) continue;
        this.skipRecords.splice(skippedBefore, 1);
      }
      try {
        const result = await readKeyFile(childAbsolute, childPath);
        if ('skipped' in result) this.skipRecords.push({ absolute: childAbsolute, path: childPath, reason: result.skipped, size: result.size });
        else this.fileRecords.push(result.record);
      } catch (error) {
        if (error instanceof KeyFileError) throw error;
        const code = (error as NodeJS.ErrnoException).code ?? 'read error';
        this.skipRecords.push({ absolute: childAbsolute, path: childPath, reason: `cannot be read (${code})`, size: -1 });
      }
    }
  }

  async refresh(): Promise<boolean> {
    const before = this.fingerprint();
    for (let i = 0; i < this.fileRecords.length; i++) {
      const record = this.fileRecords[i]!;
      let info;
      try {
        info = await stat(record.absolute);
      } catch {
        continue;
      }
      if (info.size === record.size && info.mtimeMs === record.mtimeMs) continue;
      try {
        const result = await readKeyFile(record.absolute, record.path);
        if ('record' in result) this.fileRecords[i] = result.record;
      } catch {
        // A file caught in the middle of a write can fail to parse; its old entries stay until the next refresh.
      }
    }
    for (const folder of this.folderRecords) {
      try {
        await this.addFolder(folder.absolute, folder.path, 0);
      } catch {
        // A new file that is not yet complete is tried again at the next refresh.
      }
    }
    this.rebuild();
    return this.fingerprint() !== before;
  }

  private fingerprint(): string {
    return this.sourceList.map((s) => `${s.kind}:${s.id}:${s.source.path}:${s.source.line}`).join('\n');
  }

  /** Rebuilds the merged lists and indexes from the per-file entries, in load order. */
  rebuild(): void {
    this.ikev2List = [];
    this.ikev1List = [];
    this.espList = [];
    this.sourceList = [];
    this.ikev2Index = new Map();
    this.ikev1Index = new Map();
    for (const file of this.fileRecords) {
      for (const e of file.entries.ikev2) {
        this.sourceList.push({ kind: 'ikev2', id: ikev2Id(e), source: e.source });
        const same = this.ikev2Index.get(ikev2Id(e)) ?? [];
        if (same.some((o) => sameIkev2(o, e))) continue;
        same.push(e);
        this.ikev2Index.set(ikev2Id(e), same);
        this.ikev2List.push(e);
      }
      for (const e of file.entries.ikev1) {
        this.sourceList.push({ kind: 'ikev1', id: e.initiatorCookie, source: e.source });
        const same = this.ikev1Index.get(e.initiatorCookie) ?? [];
        if (same.some((o) => o.encryptionKey.equals(e.encryptionKey))) continue;
        same.push(e);
        this.ikev1Index.set(e.initiatorCookie, same);
        this.ikev1List.push(e);
      }
      for (const e of file.entries.esp) {
        this.sourceList.push({ kind: 'esp', id: espId(e), source: e.source });
        const duplicate = this.espList.some(
          (o) =>
            espId(o) === espId(e) &&
            o.protocol === e.protocol &&
            o.encryption === e.encryption &&
            o.authentication === e.authentication &&
            o.encryptionKey.equals(e.encryptionKey) &&
            o.authenticationKey.equals(e.authenticationKey),
        );
        if (!duplicate) this.espList.push(e);
      }
    }
  }
}

/**
 * Loads keys from files and folders. A path that does not exist, a file
 * given by name that is not a key file, or a key file with a bad line throws
 * KeyFileError (the CLI exits with status 2).
 */
export async function loadKeys(paths: string[]): Promise<KeySet> {
  const set = new LoadedKeySet();
  for (const path of paths) await set.addPath(path);
  set.rebuild();
  return set;
}
