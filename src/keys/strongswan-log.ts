// Keys from strongSwan charon logs written at level 4 ("ike 4, chd 4"), the
// way lab users get keys from Debian's strongSwan, which has no save-keys
// plugin. Charon prints each secret as a header line ("Sk_ei secret => 32
// bytes @ 0x...") followed by hex dump lines, all from the worker thread that
// derived it. This reader follows each thread:
//
// - IKE keys (Sk_ai/Sk_ar/Sk_ei/Sk_er for IKEv2, "encryption key Ka" for IKEv1)
//   and the IKE proposal the thread selected belong to the IKE SA named by the
//   thread's next "checkin IKEv2 SA name[N] with SPIs <ispi>_i <rspi>_r" line.
//   That holds for a rekeyed IKE SA too: its keys are logged in the old SA's
//   context, and the thread checks the new SA in first.
// - CHILD_SA keys ("encryption initiator key"...) go to the SPIs of the
//   "adding inbound/outbound ESP SA" lines that follow in the same thread. The
//   initiator's keys protect what the exchange initiator sends (RFC 7296 §2.17,
//   RFC 2409 §5.5). This side was the initiator when the thread parsed a
//   response before it derived the keys.
//
// A thread's pending keys are dropped when it checks out another IKE SA, and
// all state is dropped when the daemon restarts in the same log.

import { isIP } from 'node:net';
import { AUTH_NONE, cipherKeyLength, ikev2Integrity, isAead, type Ikev2Cipher, type Ikev2Integrity } from '../ike/crypto/algorithms.js';
import type { IkeSpi, Spi } from '../types.js';
import { strongswanCipher, strongswanEspAuthentication, strongswanEspEncryption, strongswanIntegrity } from './strongswan-names.js';
import { SecretBytes, type EspSaEntry, type Ikev1KeyEntry, type Ikev2KeyEntry } from './types.js';

/** Matches the thread and subsystem of a charon log line ("14[IKE] <lab|1> ..."), with or without a timestamp or syslog prefix. */
const LINE = /(?:^|\s)(\d{2,3})\[([A-Z]{3})\] (?:<([^>]*)> )?(.*)$/;
const DUMP_HEADER = /^(.*?) => (\d+) bytes @ (?:0x[0-9a-fA-F]+|\(nil\))\s*$/;
const DUMP_LINE = /^\s*(\d+): /;
const CHECKIN = /^checkin IKEv([12]) SA \S* with SPIs ([0-9a-f]{16})_i ([0-9a-f]{16})_r/;
const PARSED = /^parsed [A-Z_]+ (request|response) /;
const SELECTED = /^selected proposal: (IKE|ESP|AH):(\S+)/;
const USING = /^using (\S+) for (encryption|integrity)$/;
const ADDING = /^(?:adding|registering) (inbound|outbound) ESP SA$/;
const SA_SPI = /^SPI 0x([0-9a-fA-F]{8}), src (\S+) dst (\S+)$/;

const IKE_KEYS = new Map<string, 'ai' | 'ar' | 'ei' | 'er' | 'v1'>([
  ['Sk_ai secret', 'ai'],
  ['Sk_ar secret', 'ar'],
  ['Sk_ei secret', 'ei'],
  ['Sk_er secret', 'er'],
  ['encryption key Ka', 'v1'],
]);
const CHILD_KEYS = new Map<string, 'encI' | 'encR' | 'intI' | 'intR'>([
  ['encryption initiator key', 'encI'],
  ['encryption responder key', 'encR'],
  ['integrity initiator key', 'intI'],
  ['integrity responder key', 'intR'],
]);

/** True when a line looks like charon's log format. */
export function isCharonLogLine(line: string): boolean {
  return LINE.test(line);
}

interface Dump {
  name: string;
  needed: number;
  bytes: number[];
  /** Line of the "name => n bytes" header. */
  line: number;
}

interface PendingIke {
  line: number;
  proposal: string | null;
  keys: Partial<Record<'ai' | 'ar' | 'ei' | 'er' | 'v1', Uint8Array>>;
}

interface PendingChild {
  line: number;
  encryption: string | null;
  integrity: string | null;
  keys: Partial<Record<'encI' | 'encR' | 'intI' | 'intR', Uint8Array>>;
}

interface ThreadState {
  dump: Dump | null;
  role: 'initiator' | 'responder' | null;
  ike: PendingIke | null;
  child: PendingChild | null;
  expectSpi: 'inbound' | 'outbound' | null;
}

interface BoundSa {
  version: 1 | 2;
  initiatorSpi: string;
  responderSpi: string;
  proposal: string | null;
  keys: PendingIke['keys'];
  line: number;
}

export interface CharonLogKeys {
  ikev2: Ikev2KeyEntry[];
  ikev1: Ikev1KeyEntry[];
  esp: EspSaEntry[];
}

/** Extracts IKE and ESP keys from the text of a charon log. */
export function parseCharonLog(path: string, text: string): CharonLogKeys {
  const threads = new Map<string, ThreadState>();
  const bound = new Map<string, BoundSa>();
  const esp = new Map<string, EspSaEntry>();
  const thread = (id: string): ThreadState => {
    let t = threads.get(id);
    if (!t) {
      t = { dump: null, role: null, ike: null, child: null, expectSpi: null };
      threads.set(id, t);
    }
    return t;
  };

  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const m = LINE.exec(lines[index]!);
    if (!m) continue;
    const lineNumber = index + 1;
    const t = thread(m[1]!);
    const message = m[4]!.replace(/\r$/, '');

    if (t.dump !== null && DUMP_LINE.test(message)) {
      collectDumpLine(t.dump, message);
      if (t.dump.bytes.length >= t.dump.needed) {
        storeKey(t, t.dump);
        t.dump = null;
      }
      continue;
    }
    t.dump = null;
    const body = message.trim();

    if (body.startsWith('Starting IKE charon daemon')) {
      threads.clear();
      continue;
    }
    if (body.startsWith('checkout ')) {
      t.role = null;
      t.ike = null;
      t.child = null;
      t.expectSpi = null;
      continue;
    }
    if (t.expectSpi !== null) {
      const direction = t.expectSpi;
      t.expectSpi = null;
      const spi = SA_SPI.exec(body);
      if (spi && t.child) addEsp(path, esp, t, direction, spi[1]!, spi[2]!, spi[3]!);
      continue;
    }

    const header = DUMP_HEADER.exec(body);
    if (header) {
      const name = header[1]!.trim();
      if (IKE_KEYS.has(name) || CHILD_KEYS.has(name)) {
        const needed = Number(header[2]);
        const dump: Dump = { name, needed, bytes: [], line: lineNumber };
        if (needed === 0) storeKey(t, dump);
        else t.dump = dump;
      }
      continue;
    }

    let r: RegExpExecArray | null;
    if ((r = CHECKIN.exec(body))) {
      bindIke(bound, t, Number(r[1]) as 1 | 2, r[2]!, r[3]!);
    } else if ((r = PARSED.exec(body))) {
      t.role = r[1] === 'response' ? 'initiator' : 'responder';
    } else if ((r = SELECTED.exec(body))) {
      if (r[1] === 'IKE') {
        t.ike ??= { line: lineNumber, proposal: null, keys: {} };
        t.ike.proposal = r[2]!;
      }
    } else if ((r = USING.exec(body))) {
      t.child ??= { line: lineNumber, encryption: null, integrity: null, keys: {} };
      if (r[2] === 'encryption') t.child.encryption = r[1]!;
      else t.child.integrity = r[1]!;
    } else if ((r = ADDING.exec(body))) {
      if (t.child && hasChildKeys(t.child)) t.expectSpi = r[1] as 'inbound' | 'outbound';
    }
  }

  return { ...buildIkeEntries(path, bound), esp: [...esp.values()] };
}

function collectDumpLine(dump: Dump, message: string): void {
  const start = message.indexOf(': ') + 2;
  const hexArea = message.slice(start, start + 48);
  for (const byte of hexArea.match(/[0-9A-Fa-f]{2}/g) ?? []) {
    if (dump.bytes.length >= dump.needed) break;
    dump.bytes.push(parseInt(byte, 16));
  }
}

function storeKey(t: ThreadState, dump: Dump): void {
  const line = dump.line;
  const bytes = Uint8Array.from(dump.bytes);
  const ikeKey = IKE_KEYS.get(dump.name);
  if (ikeKey !== undefined) {
    t.ike ??= { line, proposal: null, keys: {} };
    if (Object.keys(t.ike.keys).length === 0) t.ike.line = line;
    t.ike.keys[ikeKey] = bytes;
    return;
  }
  const childKey = CHILD_KEYS.get(dump.name);
  if (childKey !== undefined) {
    t.child ??= { line, encryption: null, integrity: null, keys: {} };
    if (!hasChildKeys(t.child)) t.child.line = line;
    t.child.keys[childKey] = bytes;
  }
}

function hasChildKeys(child: PendingChild): boolean {
  return child.keys.encI !== undefined || child.keys.encR !== undefined;
}

function bindIke(bound: Map<string, BoundSa>, t: ThreadState, version: 1 | 2, initiatorSpi: string, responderSpi: string): void {
  if (t.ike === null || /^0+$/.test(responderSpi)) return;
  const id = `${version}:${initiatorSpi}:${responderSpi}`;
  const sa = bound.get(id) ?? { version, initiatorSpi, responderSpi, proposal: null, keys: {}, line: t.ike.line };
  if (t.ike.proposal !== null) sa.proposal = t.ike.proposal;
  if (Object.keys(t.ike.keys).length > 0) {
    if (Object.keys(sa.keys).length === 0) sa.line = t.ike.line;
    Object.assign(sa.keys, t.ike.keys);
  }
  bound.set(id, sa);
  t.ike = null;
}

function buildIkeEntries(path: string, bound: Map<string, BoundSa>): { ikev2: Ikev2KeyEntry[]; ikev1: Ikev1KeyEntry[] } {
  const ikev2: Ikev2KeyEntry[] = [];
  const ikev1: Ikev1KeyEntry[] = [];
  for (const sa of bound.values()) {
    const source = { path, line: sa.line, format: 'strongswan-log' as const };
    if (sa.version === 1) {
      if (sa.keys.v1) ikev1.push({ initiatorCookie: sa.initiatorSpi as IkeSpi, encryptionKey: new SecretBytes(sa.keys.v1), source });
      continue;
    }
    const { ai, ar, ei, er } = sa.keys;
    if (!ei && !er) continue;
    let { encryption, integrity } = proposalAlgorithms(sa.proposal);
    // Trust the proposal only when the logged keys have the lengths it implies.
    if (encryption && ((ei && ei.length !== cipherKeyLength(encryption)) || (er && er.length !== cipherKeyLength(encryption)))) encryption = null;
    if (integrity && ((ai && integrity.mac && ai.length !== integrity.keyLength) || (ar && integrity.mac && ar.length !== integrity.keyLength))) integrity = null;
    ikev2.push({
      initiatorSpi: sa.initiatorSpi as IkeSpi,
      responderSpi: sa.responderSpi as IkeSpi,
      encryption,
      integrity,
      skEi: ei ? new SecretBytes(ei) : null,
      skEr: er ? new SecretBytes(er) : null,
      skAi: new SecretBytes(ai ?? new Uint8Array(0)),
      skAr: new SecretBytes(ar ?? new Uint8Array(0)),
      source,
    });
  }
  return { ikev2, ikev1 };
}

/** Reads the encryption and integrity transforms of an IKE proposal as charon prints it ("AES_CBC_256/HMAC_SHA2_256_128/PRF_.../MODP_2048"). */
export function proposalAlgorithms(proposal: string | null): { encryption: Ikev2Cipher | null; integrity: Ikev2Integrity | null } {
  let encryption: Ikev2Cipher | null = null;
  let integrity: Ikev2Integrity | null = null;
  for (const token of (proposal ?? '').split('/')) {
    encryption ??= strongswanCipher(token);
    integrity ??= strongswanIntegrity(token);
  }
  if (encryption && isAead(encryption)) integrity = ikev2Integrity(AUTH_NONE);
  return { encryption, integrity };
}

function addEsp(path: string, esp: Map<string, EspSaEntry>, t: ThreadState, direction: 'inbound' | 'outbound', spiHex: string, src: string, dst: string): void {
  const child = t.child!;
  const encryption = strongswanEspEncryption(child.encryption);
  if (encryption === null || t.role === null) return;
  // The initiator's keys protect traffic the exchange initiator sends.
  const sentByInitiator = (direction === 'outbound') === (t.role === 'initiator');
  const encryptionKey = sentByInitiator ? child.keys.encI : child.keys.encR;
  const authenticationKey = sentByInitiator ? child.keys.intI : child.keys.intR;
  if (!encryptionKey) return;
  const family = isIP(dst);
  if (family === 0) return;
  const spi = (parseInt(spiHex, 16) >>> 0) as Spi;
  const id = `${spi}:${src}:${dst}`;
  if (esp.has(id)) return;
  esp.set(id, {
    protocol: family === 6 ? 'IPv6' : 'IPv4',
    src,
    dst,
    spi,
    encryption,
    encryptionKey: new SecretBytes(encryptionKey),
    authentication: strongswanEspAuthentication(child.integrity),
    authenticationKey: new SecretBytes(authenticationKey ?? new Uint8Array(0)),
    source: { path, line: child.line, format: 'strongswan-log' },
  });
}
