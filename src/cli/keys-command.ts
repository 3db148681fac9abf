// `spitrace keys PATH...` lists what a key set covers: IKE SPIs, algorithms,
// ESP SAs and the file and line of each, never a key. With --wireshark DIR it
// writes Wireshark's ikev2_decryption_table, ikev1_decryption_table and esp_sa,
// so that Wireshark or tshark opens the same capture decrypted. That is how
// strongSwan logs become Wireshark tables.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  KeyFileError,
  loadKeys,
  wiresharkEspAuthentication,
  wiresharkEspEncryption,
  wiresharkIkev2Encryption,
  wiresharkIkev2Integrity,
  type EntrySource,
  type EspSaEntry,
  type Ikev1KeyEntry,
  type Ikev2KeyEntry,
  type KeySet,
  type SecretBytes,
} from '../keys/index.js';
import { fill, type Lang, libraryPhrase, ui } from '../report/i18n.js';
import { toHex } from '../util/bytes.js';
import { escapeForTerminal, formatSpi } from '../util/format.js';

export interface KeysCommandOptions {
  /** Folder to write Wireshark's key tables into. */
  wireshark?: string;
  json?: boolean;
  /** Language of the listing and messages, English when omitted. The JSON listing does not depend on it. */
  lang?: Lang;
}

const FORMAT_NAMES: Record<Lang, Record<string, string>> = {
  en: {
    ikev2_decryption_table: 'Wireshark ikev2_decryption_table',
    ikev1_decryption_table: 'Wireshark ikev1_decryption_table',
    esp_sa: 'Wireshark esp_sa',
    'strongswan-log': 'strongSwan charon log',
    'tcpdump-secrets': 'tcpdump -E secrets',
    'libreswan-log': 'libreswan log',
  },
  ja: {
    ikev2_decryption_table: 'Wireshark ikev2_decryption_table',
    ikev1_decryption_table: 'Wireshark ikev1_decryption_table',
    esp_sa: 'Wireshark esp_sa',
    'strongswan-log': 'strongSwan charon ログ',
    'tcpdump-secrets': 'tcpdump -E 形式の鍵',
    'libreswan-log': 'libreswan ログ',
  },
};

/** Text of the listing and of the messages about written tables. {plural} is "s" or "" for English counts. */
const WORDS = {
  en: {
    keyFiles: 'Key files ({n}):',
    saCount: '{n} {version} SA{plural}',
    separator: ', ',
    noKeys: 'no keys',
    skipped: 'Skipped ({n}):',
    saHeading: '{version} SAs ({n}):',
    encryptionFromInit: 'encryption from IKE_SA_INIT',
    integrityFromInit: 'integrity from IKE_SA_INIT',
    oneWay: ' ({directions} keys only)',
    initiator: 'initiator',
    responder: 'responder',
    source: 'from {where}',
    phase1Key: 'phase-1 key of {n} bytes',
    noAlgorithms: '{label} not written: its source does not name the algorithms',
    noWiresharkName: '{label} not written: Wireshark has no name for {algorithm}',
    oneWayNotWritten: '{label} not written: only the {directions} keys are known',
    noEspName: 'ESP SA {id} not written: Wireshark 4.0 has no esp_sa name for {algorithm}',
    wrote:
      'Wrote {ikev2} IKEv2, {ikev1} IKEv1 and {esp} ESP rows to {dir}/ (ikev2_decryption_table, ikev1_decryption_table, esp_sa).\n' +
      'Copy the files into a Wireshark profile folder (~/.config/wireshark/profiles/NAME, then tshark -C NAME) or into ~/.config/wireshark, and set esp.enable_encryption_decode to TRUE to decrypt ESP as well.\n',
    keyFileError: 'spitrace: {where}: {field}: {expected}',
    cannotWrite: 'spitrace: cannot write Wireshark tables to {dir}: {reason}',
  },
  ja: {
    keyFiles: '鍵ファイル ({n}):',
    saCount: '{version} SA {n} 個',
    separator: '、',
    noKeys: '鍵なし',
    skipped: '読み飛ばしたファイル ({n}):',
    saHeading: '{version} SA ({n}):',
    encryptionFromInit: '暗号化アルゴリズムは IKE_SA_INIT から',
    integrityFromInit: '完全性アルゴリズムは IKE_SA_INIT から',
    oneWay: ' ({directions}側の鍵のみ)',
    initiator: 'イニシエータ',
    responder: 'レスポンダ',
    source: '読み込み元: {where}',
    phase1Key: 'フェーズ 1 の鍵 ({n} バイト)',
    noAlgorithms: '{label} は書き出していません: 読み込み元にアルゴリズムの名前がありません',
    noWiresharkName: '{label} は書き出していません: Wireshark には {algorithm} の名前がありません',
    oneWayNotWritten: '{label} は書き出していません: {directions}側の鍵しか分かっていません',
    noEspName: 'ESP SA {id} は書き出していません: Wireshark 4.0 の esp_sa には {algorithm} の名前がありません',
    wrote:
      '{dir}/ に IKEv2 {ikev2} 行、IKEv1 {ikev1} 行、ESP {esp} 行を書きました (ikev2_decryption_table、ikev1_decryption_table、esp_sa)。\n' +
      'ファイルを Wireshark のプロファイルフォルダ (~/.config/wireshark/profiles/名前。tshark -C 名前 で指定) か ~/.config/wireshark にコピーしてください。ESP も復号するには esp.enable_encryption_decode を TRUE にしてください。\n',
    keyFileError: 'spitrace: 鍵ファイル {where} が不正です: フィールド {field}: {expected}',
    cannotWrite: 'spitrace: {dir} に Wireshark のテーブルを書けません: {reason}',
  },
} satisfies Record<Lang, Record<string, string>>;

type Words = (typeof WORDS)['en'];

function ikeSpi(spi: string): string {
  return '0x' + spi;
}

function espId(e: EspSaEntry): string {
  return `${e.spi === null ? '*' : formatSpi(e.spi)} ${e.src}>${e.dst}`;
}

/** Returns every file and line that named an entry, in load order. */
function sourcesOf(keys: KeySet, kind: EntrySource['kind'], id: string): { path: string; line: number }[] {
  return keys.sources.filter((s) => s.kind === kind && s.id === id).map((s) => ({ path: s.source.path, line: s.source.line }));
}

function ikev2Algorithms(e: Ikev2KeyEntry): { encryption: string | null; integrity: string | null } {
  return {
    encryption: e.encryption ? (wiresharkIkev2Encryption(e.encryption) ?? e.encryption.name) : null,
    integrity: e.integrity ? (wiresharkIkev2Integrity(e.integrity) ?? e.integrity.name) : null,
  };
}

function directions(e: Ikev2KeyEntry): string {
  if (e.skEi && e.skEr) return 'both';
  return e.skEi ? 'initiator' : 'responder';
}

function listing(keys: KeySet) {
  return {
    loaded: keys.loaded.map((f) => ({ path: f.path, format: f.format, compressed: f.compressed, ikev2: f.ikev2, ikev1: f.ikev1, esp: f.esp })),
    skipped: keys.skipped.map((s) => ({ path: s.path, reason: s.reason })),
    ikev2: keys.ikev2.map((e) => ({
      initiatorSpi: ikeSpi(e.initiatorSpi),
      responderSpi: ikeSpi(e.responderSpi),
      ...ikev2Algorithms(e),
      directions: directions(e),
      sources: sourcesOf(keys, 'ikev2', `${e.initiatorSpi}/${e.responderSpi}`),
    })),
    ikev1: keys.ikev1.map((e: Ikev1KeyEntry) => ({
      initiatorCookie: ikeSpi(e.initiatorCookie),
      keyLength: e.encryptionKey.length,
      sources: sourcesOf(keys, 'ikev1', e.initiatorCookie),
    })),
    esp: keys.esp.map((e) => ({
      protocol: e.protocol,
      spi: e.spi === null ? '*' : formatSpi(e.spi),
      src: e.src,
      dst: e.dst,
      encryption: wiresharkEspEncryption(e.encryption) ?? e.encryption,
      authentication: wiresharkEspAuthentication(e.authentication),
      sources: sourcesOf(keys, 'esp', espId(e)),
    })),
  };
}

function where(sources: { path: string; line: number }[]): string {
  return sources.map((s) => `${escapeForTerminal(s.path)}:${s.line}`).join(', ');
}

function renderText(keys: KeySet, lang: Lang): string {
  const w: Words = WORDS[lang];
  const l = listing(keys);
  const out: string[] = [];
  const count = (n: number, version: string) => fill(w.saCount, { n, version, plural: n === 1 ? '' : 's' });
  const from = (sources: { path: string; line: number }[]) => '      ' + fill(w.source, { where: where(sources) });
  out.push(fill(w.keyFiles, { n: l.loaded.length }));
  for (const f of l.loaded) {
    const counts = [f.ikev2 ? count(f.ikev2, 'IKEv2') : '', f.ikev1 ? count(f.ikev1, 'IKEv1') : '', f.esp ? count(f.esp, 'ESP') : ''].filter(Boolean);
    out.push(`  ${escapeForTerminal(f.path)}${f.compressed ? ' (gzip)' : ''}: ${FORMAT_NAMES[lang][f.format]}${w.separator}${counts.join(w.separator) || w.noKeys}`);
  }
  if (l.skipped.length > 0) {
    out.push(fill(w.skipped, { n: l.skipped.length }));
    for (const s of l.skipped) out.push(`  ${escapeForTerminal(s.path)}: ${s.reason}`);
  }
  out.push('', fill(w.saHeading, { version: 'IKEv2', n: l.ikev2.length }));
  for (const e of l.ikev2) {
    const algorithms = `${e.encryption ?? w.encryptionFromInit} / ${e.integrity ?? w.integrityFromInit}`;
    const oneWay = e.directions === 'both' ? '' : fill(w.oneWay, { directions: directionWord(e.directions, w) });
    out.push(`  ${e.initiatorSpi}/${e.responderSpi}  ${algorithms}${oneWay}`, from(e.sources));
  }
  out.push('', fill(w.saHeading, { version: 'IKEv1', n: l.ikev1.length }));
  for (const e of l.ikev1) out.push(`  ${e.initiatorCookie}  ${fill(w.phase1Key, { n: e.keyLength })}`, from(e.sources));
  out.push('', fill(w.saHeading, { version: 'ESP', n: l.esp.length }));
  for (const e of l.esp) {
    out.push(`  ${e.spi}  ${e.protocol} ${e.src} -> ${e.dst}  ${e.encryption} / ${e.authentication}`, from(e.sources));
  }
  return out.join('\n') + '\n';
}

/** Returns the word for the side whose keys an IKEv2 entry has. Callers pass "initiator" or "responder", never "both". */
function directionWord(directions: string, w: Words): string {
  return directions === 'initiator' ? w.initiator : w.responder;
}

function hex(secret: SecretBytes | null): string {
  return secret ? toHex(secret.reveal()) : '';
}

/** A row written by this command, with the fields Wireshark keys the table on. */
interface TableRow {
  id: string;
  text: string;
}

function ikev2Rows(keys: KeySet, notes: string[], w: Words): TableRow[] {
  const rows: TableRow[] = [];
  for (const e of keys.ikev2) {
    const label = `IKEv2 SA ${ikeSpi(e.initiatorSpi)}/${ikeSpi(e.responderSpi)}`;
    if (!e.encryption || !e.integrity) {
      notes.push(fill(w.noAlgorithms, { label }));
      continue;
    }
    const encryption = wiresharkIkev2Encryption(e.encryption);
    const integrity = wiresharkIkev2Integrity(e.integrity);
    if (encryption === null || integrity === null) {
      notes.push(fill(w.noWiresharkName, { label, algorithm: encryption === null ? e.encryption.name : e.integrity.name }));
      continue;
    }
    if (!e.skEi || !e.skEr) {
      notes.push(fill(w.oneWayNotWritten, { label, directions: directionWord(directions(e), w) }));
      continue;
    }
    const id = `${e.initiatorSpi},${e.responderSpi}`;
    rows.push({ id, text: `${id},${hex(e.skEi)},${hex(e.skEr)},"${encryption}",${hex(e.skAi)},${hex(e.skAr)},"${integrity}"` });
  }
  return rows;
}

function ikev1Rows(keys: KeySet): TableRow[] {
  return keys.ikev1.map((e) => ({ id: e.initiatorCookie, text: `${e.initiatorCookie},${hex(e.encryptionKey)}` }));
}

function espRows(keys: KeySet, notes: string[], w: Words): TableRow[] {
  const rows: TableRow[] = [];
  for (const e of keys.esp) {
    const encryption = wiresharkEspEncryption(e.encryption);
    if (encryption === null) {
      notes.push(fill(w.noEspName, { id: espId(e), algorithm: e.encryption }));
      continue;
    }
    const spi = e.spi === null ? '*' : formatSpi(e.spi);
    const id = `"${e.protocol}","${e.src}","${e.dst}","${spi}"`;
    const encryptionKey = e.encryptionKey.length > 0 ? `0x${hex(e.encryptionKey)}` : '';
    const authenticationKey = e.authenticationKey.length > 0 ? `0x${hex(e.authenticationKey)}` : '';
    rows.push({ id, text: `${id},"${encryption}","${encryptionKey}","${wiresharkEspAuthentication(e.authentication)}","${authenticationKey}"` });
  }
  return rows;
}

/** Returns the key fields at the start of an existing row, to match it against new rows. */
function rowId(line: string, fields: number): string {
  return line.split(',').slice(0, fields).join(',').trim();
}

/**
 * Writes a table, keeping rows of an existing file (a Wireshark profile may
 * hold keys of other captures) except those the new rows replace.
 */
async function writeTable(path: string, header: string, rows: TableRow[], idFields: number): Promise<number> {
  let existing: string[] = [];
  try {
    existing = (await readFile(path, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
  } catch {
    existing = [];
  }
  const replaced = new Set(rows.map((r) => r.id));
  const kept = existing.filter((l) => !l.startsWith('#') && !replaced.has(rowId(l, idFields)));
  await writeFile(path, [header, ...kept, ...rows.map((r) => r.text)].join('\n') + '\n', { mode: 0o600 });
  return rows.length;
}

async function writeWiresharkTables(keys: KeySet, dir: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream, lang: Lang): Promise<void> {
  const w: Words = WORDS[lang];
  await mkdir(dir, { recursive: true });
  const notes: string[] = [];
  const written = [
    await writeTable(
      join(dir, 'ikev2_decryption_table'),
      "# Written by spitrace keys: Initiator's SPI, Responder's SPI, SK_ei, SK_er, Encryption algorithm, SK_ai, SK_ar, Integrity algorithm",
      ikev2Rows(keys, notes, w),
      2,
    ),
    await writeTable(join(dir, 'ikev1_decryption_table'), "# Written by spitrace keys: Initiator's COOKIE, Encryption Key", ikev1Rows(keys), 1),
    await writeTable(
      join(dir, 'esp_sa'),
      '# Written by spitrace keys: Protocol, Src IP, Dest IP, SPI, Encryption, Encryption Key, Authentication, Authentication Key',
      espRows(keys, notes, w),
      4,
    ),
  ];
  for (const note of notes) err.write(`spitrace: ${note}\n`);
  out.write(fill(w.wrote, { ikev2: written[0]!, ikev1: written[1]!, esp: written[2]!, dir: escapeForTerminal(dir) }));
}

/** Runs `spitrace keys`; returns the exit status (0, or 2 for unreadable keys or an unwritable folder). */
export async function runKeysCommand(
  paths: string[],
  options: KeysCommandOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const lang = options.lang ?? 'en';
  const w: Words = WORDS[lang];
  let keys: KeySet;
  try {
    keys = await loadKeys(paths);
  } catch (error) {
    if (error instanceof KeyFileError) {
      const where = error.line > 0 ? `${error.path}:${error.line}` : error.path;
      err.write(escapeForTerminal(fill(w.keyFileError, { where, field: error.field, expected: libraryPhrase(lang, error.expected) })) + '\n');
      return 2;
    }
    const e = error as NodeJS.ErrnoException;
    err.write(ui(lang, 'unreadable', { path: escapeForTerminal(e.path ?? paths.join(', ')), reason: e.code ? libraryPhrase(lang, e.code) : e.message }) + '\n');
    return 2;
  }

  if (options.wireshark !== undefined) {
    try {
      await writeWiresharkTables(keys, options.wireshark, options.json ? err : out, err, lang);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      err.write(fill(w.cannotWrite, { dir: escapeForTerminal(options.wireshark), reason: e.code ? libraryPhrase(lang, e.code) : e.message }) + '\n');
      return 2;
    }
  }
  out.write(options.json ? JSON.stringify(listing(keys), null, 2) + '\n' : renderText(keys, lang));
  return 0;
}
