// Checks the extracted key tables against tshark 4.0: every IKE message in the
// capture must decrypt (IKEv2: integrity checksum correct) and show the same
// payloads charon logged for it, and every ESP packet must decrypt with a good
// ICV. The result is verify.json.

import type { Side } from '../network.js';
import type { IkeMessageLog, SideTruth } from './side.js';
import { tshark, tsharkVersion } from './tshark.js';

const IKEV2_EXCHANGES: Record<number, string> = { 34: 'IKE_SA_INIT', 35: 'IKE_AUTH', 36: 'CREATE_CHILD_SA', 37: 'INFORMATIONAL' };
const IKEV1_EXCHANGES: Record<number, string> = { 2: 'ID_PROT', 4: 'AGGRESSIVE', 5: 'INFORMATIONAL_V1', 6: 'TRANSACTION', 32: 'QUICK_MODE' };

/** charon's short payload names (strongSwan payload.c) to payload type numbers (RFC 7296 section 3.2, RFC 2408 section 3.1). */
const IKEV2_PAYLOADS: Record<string, number> = {
  SA: 33, KE: 34, IDi: 35, IDr: 36, CERT: 37, CERTREQ: 38, AUTH: 39, No: 40, N: 41, D: 42, V: 43, TSi: 44, TSr: 45,
  E: 46, CPRQ: 47, CPRP: 47, CPS: 47, CPA: 47, EAP: 48, EF: 53,
};
const IKEV1_PAYLOADS: Record<string, number> = {
  SA: 1, KE: 4, ID: 5, CERT: 6, CRTREQ: 7, CERTREQ: 7, HASH: 8, SIG: 9, No: 10, N: 11, D: 12, V: 13, 'NAT-D': 20, 'NAT-OA': 21,
  FRAG: 132,
};
/** Substructures tshark lists as payloads too: proposal, transform, and the SK container. */
const NOT_TOP_LEVEL = new Set([2, 3, 46]);

export interface IkeCheck {
  frame: number;
  time: number;
  src: string;
  dst: string;
  ispi: string;
  rspi: string;
  version: 1 | 2;
  exchange: string;
  mid: number;
  response: boolean | null;
  encrypted: boolean;
  decrypted: boolean;
  integrity: 'correct' | 'incorrect' | null;
  payloads_in_capture: number[];
  /** The side that sent it, and the index of its log line in that side's ike_messages. */
  sent_by: Side | null;
  charon_message: number | null;
  payloads_logged_by_charon: string | null;
  payloads_match_log: boolean | null;
  ok: boolean;
}

export interface CaptureVerification {
  file: string;
  ike: {
    messages: number;
    encrypted: number;
    decrypted_ok: number;
    failed_frames: number[];
    matched_to_charon_log: number;
    payload_mismatch_frames: number[];
    detail: IkeCheck[];
  };
  esp: {
    packets: number;
    icv_good: number;
    icv_bad_frames: number[];
    not_decrypted_frames: number[];
    inner_decoded: number;
  };
  pass: boolean;
}

export interface Verification {
  scenario: string;
  tshark: string;
  method: string;
  captures: CaptureVerification[];
  pass: boolean;
  summary: string;
}

const PREFERENCES = ['-o', 'esp.enable_encryption_decode:TRUE', '-o', 'esp.enable_authentication_check:TRUE'];

interface PdmlField {
  name: string;
  show: string;
  showname: string;
}

function pdmlPackets(pdml: string): PdmlField[][] {
  const packets: PdmlField[][] = [];
  for (const block of pdml.split('<packet>').slice(1)) {
    const fields: PdmlField[] = [];
    const fieldPattern = /<field name="([^"]*)"(?: showname="([^"]*)")?[^>]*? show="([^"]*)"/g;
    let match: RegExpExecArray | null;
    while ((match = fieldPattern.exec(block))) {
      fields.push({ name: match[1] ?? '', showname: match[2] ?? '', show: match[3] ?? '' });
    }
    packets.push(fields);
  }
  return packets;
}

function firstField(fields: PdmlField[], name: string): PdmlField | undefined {
  return fields.find((field) => field.name === name);
}

function hexId(show: string | undefined): string {
  return (show ?? '').replace(/:/g, '').toLowerCase();
}

/** Payload type numbers of a charon payload list such as "IDi N(INIT_CONTACT) CPRQ(ADDR DNS)". */
export function charonPayloadTypes(list: string, version: 1 | 2): number[] | undefined {
  const names = version === 2 ? IKEV2_PAYLOADS : IKEV1_PAYLOADS;
  const tokens = list.match(/\S+?\([^)]*\)|\S+/g) ?? [];
  const types: number[] = [];
  for (const token of tokens) {
    const type = names[token.replace(/\(.*$/, '')];
    if (type === undefined) return undefined;
    types.push(type);
  }
  return types;
}

type IkeCheckBase = Omit<IkeCheck, 'sent_by' | 'charon_message' | 'payloads_logged_by_charon' | 'payloads_match_log' | 'ok'>;

function sameMessage(base: IkeCheckBase, message: IkeMessageLog | undefined): message is IkeMessageLog {
  return (
    message !== undefined &&
    message.exchange === base.exchange &&
    message.mid === base.mid &&
    (base.response === null || message.request === !base.response)
  );
}

/**
 * Pairs the IKE packets one side sent, in capture order, with the "sending
 * packet" lines of its log, in log order: both list the same transmissions,
 * retransmissions included. Where the pairing does not hold (a packet the
 * log does not show), the nearest logged message of the same exchange, message
 * ID and direction within five seconds is used instead.
 */
function pairWithSends(sent: IkeCheckBase[], side: SideTruth, logged: Map<IkeCheckBase, IkeMessageLog>): void {
  const firstTime = sent[0]?.time ?? 0;
  const sends = side.ike_sends.filter((send) => send.t >= firstTime - 0.05);
  const inOrder = sends.length === sent.length && sent.every((base, i) => {
    const send = sends[i];
    return send !== undefined && Math.abs(send.t - base.time) < 5 && sameMessage(base, side.ike_messages[send.message ?? -1]);
  });
  for (const [i, base] of sent.entries()) {
    const send = inOrder ? sends[i] : undefined;
    const paired = send ? side.ike_messages[send.message ?? -1] : undefined;
    const message =
      paired ??
      side.ike_messages
        .filter((candidate) => candidate.dir === 'out' && sameMessage(base, candidate) && Math.abs(candidate.t - base.time) < 5)
        .sort((x, y) => Math.abs(x.t - base.time) - Math.abs(y.t - base.time))[0];
    if (message) logged.set(base, message);
  }
}

async function verifyIke(
  capture: string,
  keyFiles: string[],
  sides: Record<Side, SideTruth>,
  addresses: Record<Side, string>,
): Promise<CaptureVerification['ike']> {
  const pdml = await tshark(['-r', capture, '-n', ...PREFERENCES, '-Y', 'isakmp && !icmp && !icmpv6', '-T', 'pdml'], keyFiles);
  const bases: IkeCheckBase[] = [];
  for (const fields of pdmlPackets(pdml)) {
    const versionShow = firstField(fields, 'isakmp.version')?.show ?? '';
    const version: 1 | 2 = versionShow === '0x20' ? 2 : 1;
    const exchangeNumber = Number(firstField(fields, 'isakmp.exchangetype')?.show ?? -1);
    const exchange = (version === 2 ? IKEV2_EXCHANGES : IKEV1_EXCHANGES)[exchangeNumber] ?? String(exchangeNumber);
    const encrypted =
      version === 2 ? fields.some((field) => field.name === 'isakmp.enc.data') : firstField(fields, 'isakmp.flag_e')?.show === '1';
    const icd = firstField(fields, 'isakmp.enc.icd')?.showname ?? '';
    let integrity: IkeCheck['integrity'] = null;
    if (version === 2 && encrypted) integrity = /\[correct\]/.test(icd) ? 'correct' : 'incorrect';
    const payloads = fields
      .filter((field) => field.name === 'isakmp.typepayload')
      .map((field) => Number(field.show))
      .filter((type) => !NOT_TOP_LEVEL.has(type));
    bases.push({
      frame: Number(firstField(fields, 'frame.number')?.show ?? 0),
      time: Number(firstField(fields, 'frame.time_epoch')?.show ?? 0),
      src: firstField(fields, 'ip.src')?.show ?? firstField(fields, 'ipv6.src')?.show ?? '',
      dst: firstField(fields, 'ip.dst')?.show ?? firstField(fields, 'ipv6.dst')?.show ?? '',
      ispi: hexId(firstField(fields, 'isakmp.ispi')?.show),
      rspi: hexId(firstField(fields, 'isakmp.rspi')?.show),
      version,
      exchange,
      mid: Number.parseInt(firstField(fields, 'isakmp.messageid')?.show ?? '0', 16),
      response: version === 2 ? firstField(fields, 'isakmp.flag_r')?.show === '1' : null,
      encrypted,
      decrypted: encrypted && (version === 2 ? fields.some((field) => field.name === 'isakmp.enc.decrypted') : payloads.length > 0),
      integrity,
      payloads_in_capture: payloads,
    });
  }

  const logged = new Map<IkeCheckBase, IkeMessageLog>();
  for (const side of ['a', 'b'] as const) {
    const sent = bases.filter((base) => base.src === addresses[side]);
    pairWithSends(sent, sides[side], logged);
  }

  const detail: IkeCheck[] = bases.map((base) => {
    const message = logged.get(base);
    const sentBy = (['a', 'b'] as const).find((side) => addresses[side] === base.src) ?? null;
    const index = message && sentBy ? sides[sentBy].ike_messages.indexOf(message) : -1;
    const loggedTypes = message ? charonPayloadTypes(message.payloads, base.version) : undefined;
    const payloadsMatch = loggedTypes ? loggedTypes.join(',') === base.payloads_in_capture.join(',') : null;
    const ok = (!base.encrypted || (base.decrypted && base.integrity !== 'incorrect')) && payloadsMatch !== false;
    return {
      ...base,
      sent_by: sentBy,
      charon_message: index >= 0 ? index : null,
      payloads_logged_by_charon: message?.payloads ?? null,
      payloads_match_log: payloadsMatch,
      ok,
    };
  });
  return {
    messages: detail.length,
    encrypted: detail.filter((check) => check.encrypted).length,
    decrypted_ok: detail.filter((check) => check.encrypted && check.decrypted && check.integrity !== 'incorrect').length,
    failed_frames: detail.filter((check) => !check.ok).map((check) => check.frame),
    matched_to_charon_log: detail.filter((check) => check.payloads_logged_by_charon !== null).length,
    payload_mismatch_frames: detail.filter((check) => check.payloads_match_log === false).map((check) => check.frame),
    detail,
  };
}

async function verifyEsp(capture: string, keyFiles: string[], espFrames: ReadonlySet<number>): Promise<CaptureVerification['esp']> {
  const output = await tshark([
    '-r', capture, '-n', ...PREFERENCES, '-Y', 'esp', '-T', 'fields', '-E', 'separator=/t',
    '-e', 'frame.number', '-e', 'esp.icv_good', '-e', 'esp.pad_len', '-e', 'icmp.type',
  ], keyFiles);
  const result: CaptureVerification['esp'] = { packets: 0, icv_good: 0, icv_bad_frames: [], not_decrypted_frames: [], inner_decoded: 0 };
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    const [frameText, icvGood, padLength, icmpType] = line.split('\t');
    const frame = Number(frameText);
    if (!espFrames.has(frame)) continue;
    result.packets += 1;
    if (icvGood === 'True' || icvGood === '1') result.icv_good += 1;
    else result.icv_bad_frames.push(frame);
    if (!padLength) result.not_decrypted_frames.push(frame);
    if (icmpType) result.inner_decoded += 1;
  }
  return result;
}

export async function verifyCaptures(
  scenario: string,
  captures: { file: string; path: string }[],
  keyFiles: string[],
  sides: Record<Side, SideTruth>,
  addresses: Record<Side, string>,
  espFrames: ReadonlySet<number>,
): Promise<Verification> {
  const results: CaptureVerification[] = [];
  for (const capture of captures) {
    const ike = await verifyIke(capture.path, keyFiles, sides, addresses);
    const esp = await verifyEsp(capture.path, keyFiles, espFrames);
    const pass =
      ike.failed_frames.length === 0 &&
      ike.matched_to_charon_log === ike.messages &&
      esp.icv_bad_frames.length === 0 &&
      esp.not_decrypted_frames.length === 0 &&
      esp.packets === espFrames.size;
    results.push({ file: capture.file, ike, esp, pass });
  }
  const main = results[0];
  const summary = main
    ? `IKE ${main.ike.decrypted_ok}/${main.ike.encrypted} encrypted messages decrypted, ` +
      `${main.ike.matched_to_charon_log}/${main.ike.messages} IKE messages matched to charon's log with the same payloads` +
      `${main.ike.payload_mismatch_frames.length ? ` except frames ${main.ike.payload_mismatch_frames.join(' ')}` : ''}; ` +
      `ESP ${main.esp.icv_good}/${main.esp.packets} packets with a good ICV, ${main.esp.inner_decoded} inner ICMP decoded`
    : 'no capture';
  return {
    scenario,
    tshark: await tsharkVersion(),
    method:
      'tshark with an empty personal configuration folder (HOME and XDG_CONFIG_HOME point to a temporary folder) holding ' +
      'keys/esp_sa, keys/ikev1_decryption_table and keys/ikev2_decryption_table; preferences ' +
      'esp.enable_encryption_decode and esp.enable_authentication_check set to TRUE',
    captures: results,
    pass: results.every((result) => result.pass),
    summary,
  };
}
