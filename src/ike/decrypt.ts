// Decryption of IKE messages in capture order with the keys the user gave.
// IKEv2: SK payloads are checked and decrypted one message at a time (RFC
// 7296 §3.14); SKF fragments are decrypted one by one and reassembled (RFC
// 7383). IKEv1: the phase-1 parameters and public values come from the
// cleartext Main or Aggressive Mode messages, and each encrypted message
// continues its exchange's IV chain (RFC 2409 Appendix B). Decrypted bytes go
// through the same payload parser as cleartext, anomalies included. State is
// kept per IKE SA, never per message.

import { keyLineHint, keyLogHint } from '../keys/hints.js';
import type { KeySet, KeySource, SecretBytes } from '../keys/types.js';
import type { Anomaly, IkeSpi } from '../types.js';
import { bytesEqual } from '../util/bytes.js';
import { anomalyName, type IkeAnomalyName } from './anomalies.js';
import { IKE_HEADER_LENGTH, IKEV1_EXCHANGE, IKEV1_PAYLOAD, IKEV2_EXCHANGE } from './constants.js';
import { AUTH_NONE, ikev2Integrity, isAead, type Ikev2Cipher } from './crypto/algorithms.js';
import { Ikev1IvChain, ikev1Cipher, ikev1Decrypt, ikev1Hash, phase1Iv } from './crypto/ikev1.js';
import { decryptSkPayload, type SkError } from './crypto/sk.js';
import { ikev1ChosenTransform, ikev2ChosenTransforms, type Ikev1Chosen, type Ikev2Chosen } from './crypto/transforms.js';
import { parsePayloadChain } from './payloads.js';
import { DEFAULT_REASSEMBLY_LIMITS, SkfReassembler, type ReassemblyLimits } from './skf.js';
import type { IkeMessage, IkePayload, SkfPayload, SkPayload } from './types.js';

export { keyLineHint, keyLogHint, type KeyHintSa } from '../keys/hints.js';

/** Reason an encrypted message stayed encrypted (IkeMessage.decryptError). */
export type DecryptError =
  | SkError
  /** No key for this IKE SA, or none for this direction. */
  | 'no-key'
  /** The negotiated algorithm is one spitrace cannot decrypt (its transform ID is known). */
  | 'unsupported-algorithm'
  /** Neither the key source nor an IKE_SA_INIT in the capture names the algorithms. */
  | 'unknown-algorithm'
  /** IKEv1: the Main or Aggressive Mode exchange that sets the IV is not in the capture. */
  | 'no-phase1'
  /** IKEv2 SKF: Fragment Number 0 or above Total Fragments. */
  | 'bad-fragment'
  /** IKEv2 SKF: the fragment did not fit the reassembly memory limit. */
  | 'fragment-limit';

/** Per IKE SA: what was decrypted, and what would help when something was not. */
export interface IkeSaDecryption {
  version: 1 | 2;
  initiatorSpi: IkeSpi;
  responderSpi: IkeSpi;
  encryptedMessages: number;
  decryptedMessages: number;
  /** Undecrypted messages by reason. */
  failures: Partial<Record<DecryptError, number>>;
  /** IKEv2 SKF fragments seen, and messages reassembled from them. */
  fragments: number;
  reassembled: number;
  /** True when every encrypted message was decrypted, false when none was, "partial" otherwise; null when none was encrypted. */
  decrypted: boolean | 'partial' | null;
  /** The key table line that would let the SA be decrypted, when it was not fully decrypted. */
  keyHint: string | null;
  /** The log that would contain those keys. */
  logHint: string | null;
  /** Source of the key that decrypted the SA. */
  keySource: KeySource | null;
  /** The IKE SA this one replaced (IKEv2 rekey seen in a decrypted CREATE_CHILD_SA), "ispi/rspi". */
  rekeyOf: string | null;
}

export interface DecrypterOptions {
  reassembly?: ReassemblyLimits;
  /** IKE SAs tracked at once; the least recently seen is forgotten past it. */
  maxSas?: number;
}

interface SaState {
  version: 1 | 2;
  initiatorSpi: string;
  responderSpi: string;
  encrypted: number;
  decrypted: number;
  failures: Map<DecryptError, number>;
  fragments: number;
  reassembled: number;
  keySource: KeySource | null;
  rekeyOf: string | null;
  /** IKEv2: the chosen IKE proposal from IKE_SA_INIT or a rekey. */
  chosen: Ikev2Chosen | null;
  /** IKEv1 phase 1. */
  v1: Ikev1State | null;
}

interface Ikev1State {
  /** "address:port" of the initiator, from the first message (zero responder cookie). */
  initiator: string | null;
  chosen: Ikev1Chosen | null;
  gxi: Uint8Array | null;
  gxr: Uint8Array | null;
  /** The IV chain, built at the first encrypted message once phase 1 was seen; it needs no key. */
  chain: Ikev1IvChain | null;
}

const ZERO_SPI = /^0+$/;
/** Anomalies that mean an IKEv1 plaintext is not a payload chain: the wrong key or IV. */
const CHAIN_BREAKS: ReadonlySet<IkeAnomalyName> = new Set(['payload-past-message', 'payload-length-below-header', 'payload-chain-loop', 'payload-count-limit']);
/** Most IKEv1 padding accepted after the last payload: what a one-byte pad length can express. */
const MAX_V1_PADDING = 255;
/** Pending CREATE_CHILD_SA requests that rekey an IKE SA, remembered until their response. */
const MAX_PENDING_REKEYS = 256;

function endpoint(address: string, port: number): string {
  return `${address}:${port}`;
}

function seconds(message: IkeMessage): number {
  return message.ref.time.sec + message.ref.time.nsec / 1e9;
}

export class IkeDecrypter {
  private readonly sas = new Map<string, SaState>();
  private readonly reassembler: SkfReassembler;
  private readonly maxSas: number;
  private readonly pendingRekeys = new Map<string, string>();

  constructor(
    private readonly keys: KeySet | null,
    options: DecrypterOptions = {},
  ) {
    this.reassembler = new SkfReassembler(options.reassembly ?? DEFAULT_REASSEMBLY_LIMITS);
    this.maxSas = options.maxSas ?? 65536;
  }

  /**
   * Decrypts `message` (parsed from `bytes`, which start at the IKE header)
   * when it is encrypted and a key is known, filling `inner`, `decrypted`,
   * `decryptError` and appending anomalies. Call it for every message in
   * capture order: IKE_SA_INIT and phase-1 messages carry what later ones need.
   */
  process(message: IkeMessage, bytes: Uint8Array): void {
    if (message.headerError !== null) return;
    if (message.version === 2) this.processV2(message, bytes);
    else this.processV1(message, bytes);
  }

  /** Returns the IKE SAs seen so far, least recently seen first. */
  ikeSas(): IkeSaDecryption[] {
    return [...this.sas.values()].map((s) => this.summary(s));
  }

  /** Returns the decryption summary of one IKE SA, or null when it was not seen. */
  ikeSa(version: 1 | 2, initiatorSpi: string, responderSpi: string): IkeSaDecryption | null {
    const state = this.sas.get(version === 1 ? `1:${initiatorSpi}` : `2:${initiatorSpi}/${responderSpi}`);
    return state ? this.summary(state) : null;
  }

  private summary(s: SaState): IkeSaDecryption {
    let decrypted: boolean | 'partial' | null = 'partial';
    if (s.encrypted === 0) decrypted = null;
    else if (s.decrypted === 0) decrypted = false;
    else if (s.decrypted >= s.encrypted) decrypted = true;
    const hintable = decrypted === false || decrypted === 'partial';
    const chosen = s.chosen;
    return {
      version: s.version,
      initiatorSpi: s.initiatorSpi as IkeSpi,
      responderSpi: s.responderSpi as IkeSpi,
      encryptedMessages: s.encrypted,
      decryptedMessages: s.decrypted,
      failures: Object.fromEntries(s.failures),
      fragments: s.fragments,
      reassembled: s.reassembled,
      decrypted,
      keyHint: hintable
        ? keyLineHint({ version: s.version, initiatorSpi: s.initiatorSpi, responderSpi: s.responderSpi, encryption: chosen?.cipher ?? null, integrity: chosen?.integrity ?? null })
        : null,
      logHint: hintable ? keyLogHint(s.version) : null,
      keySource: s.keySource,
      rekeyOf: s.rekeyOf,
    };
  }

  private state(version: 1 | 2, initiatorSpi: string, responderSpi: string): SaState {
    const key = version === 1 ? `1:${initiatorSpi}` : `2:${initiatorSpi}/${responderSpi}`;
    let s = this.sas.get(key);
    if (s) {
      // Map order is the eviction order: keep recently seen SAs at the end.
      this.sas.delete(key);
    } else {
      s = {
        version,
        initiatorSpi,
        responderSpi,
        encrypted: 0,
        decrypted: 0,
        failures: new Map(),
        fragments: 0,
        reassembled: 0,
        keySource: null,
        rekeyOf: null,
        chosen: null,
        v1: version === 1 ? { initiator: null, chosen: null, gxi: null, gxr: null, chain: null } : null,
      };
      if (this.sas.size >= this.maxSas) this.sas.delete(this.sas.keys().next().value!);
    }
    this.sas.set(key, s);
    return s;
  }

  private fail(message: IkeMessage, state: SaState | null, error: DecryptError): void {
    message.decrypted = false;
    message.inner = null;
    message.decryptError = error;
    if (state) state.failures.set(error, (state.failures.get(error) ?? 0) + 1);
  }

  /** Parses decrypted payloads into `message`, anomalies included. */
  private parseInner(message: IkeMessage, plaintext: Uint8Array, firstType: number, baseOffset: number): IkePayload[] {
    return parsePayloadChain(plaintext, firstType, message.version, {
      input: message.ref.input,
      frame: message.ref.frame,
      anomalies: message.anomalies,
      baseOffset,
    }).payloads;
  }

  // IKEv2

  private processV2(message: IkeMessage, bytes: Uint8Array): void {
    const h = message.header;
    const zeroResponder = ZERO_SPI.test(h.responderSpi);
    const state = zeroResponder ? null : this.state(2, h.initiatorSpi, h.responderSpi);
    if (state && h.exchangeType === IKEV2_EXCHANGE.IKE_SA_INIT && message.response) {
      const sa = message.payloads.find((p) => p.kind === 'sa');
      if (sa?.kind === 'sa') state.chosen = ikev2ChosenTransforms(sa) ?? state.chosen;
    }
    if (!message.encrypted) return;
    if (state) state.encrypted++;

    const sk = message.payloads.find((p): p is SkPayload | SkfPayload => p.kind === 'sk' || p.kind === 'skf');
    if (!sk) return this.fail(message, state, 'truncated');
    if (sk.kind === 'skf' && state) state.fragments++;

    const candidates = this.keys?.ikev2Keys(h.initiatorSpi, h.responderSpi) ?? [];
    if (candidates.length === 0) return this.fail(message, state, 'no-key');

    let firstError: DecryptError | null = null;
    for (const entry of candidates) {
      const cipher = entry.encryption ?? state?.chosen?.cipher ?? null;
      const integrity = entry.integrity ?? state?.chosen?.integrity ?? (cipher && isAead(cipher) ? ikev2Integrity(AUTH_NONE) : null);
      const encryptionKey = message.initiator ? entry.skEi : entry.skEr;
      const integrityKey = message.initiator ? entry.skAi : entry.skAr;
      let error: DecryptError;
      if (!cipher || !integrity) {
        error = state?.chosen ? 'unsupported-algorithm' : 'unknown-algorithm';
      } else if (!encryptionKey) {
        error = 'no-key';
      } else {
        const result = decryptSkPayload(bytes, sk.offset, sk.kind === 'skf' ? 8 : 4, {
          cipher,
          encryptionKey: encryptionKey.reveal(),
          integrity,
          integrityKey: (integrityKey ?? EMPTY).reveal(),
        });
        if (result.ok) {
          if (state) state.keySource = entry.source;
          this.acceptV2(message, state, sk, cipher, result.plaintext);
          return;
        }
        error = result.error;
      }
      firstError ??= error;
    }
    this.fail(message, state, firstError ?? 'no-key');
  }

  private acceptV2(message: IkeMessage, state: SaState | null, sk: SkPayload | SkfPayload, cipher: Ikev2Cipher, plaintext: Uint8Array): void {
    const headerLength = sk.kind === 'skf' ? 8 : 4;
    if (sk.kind === 'sk') {
      message.inner = this.parseInner(message, plaintext, sk.firstInner, sk.offset + headerLength + cipher.ivLength);
      this.decrypted(message, state);
      return;
    }

    const h = message.header;
    const key = `${h.initiatorSpi}/${h.responderSpi}/${message.initiator ? 'I' : 'R'}/${message.response ? 'r' : 'q'}/${h.messageId}`;
    const outcome = this.reassembler.add(
      key,
      { number: sk.fragmentNumber, total: sk.totalFragments, firstInner: sk.firstInner, plaintext: plaintext.slice() },
      seconds(message),
    );
    switch (outcome.kind) {
      case 'invalid':
        return this.fail(message, state, 'bad-fragment');
      case 'over-limit':
        return this.fail(message, state, 'fragment-limit');
      case 'complete':
        // Offsets of the reassembled payloads count from the start of the joined plaintext.
        message.inner = this.parseInner(message, outcome.plaintext, outcome.firstInner, 0);
        if (state) state.reassembled++;
        this.decrypted(message, state);
        return;
      case 'added':
      case 'duplicate':
      case 'superseded':
        // The fragment itself checked and decrypted; its payloads belong to the message that completes the set.
        message.decrypted = true;
        message.decryptError = null;
        message.inner = null;
        if (state) state.decrypted++;
        return;
    }
  }

  private decrypted(message: IkeMessage, state: SaState | null): void {
    message.decrypted = true;
    message.decryptError = null;
    if (state) state.decrypted++;
    if (state && message.header.exchangeType === IKEV2_EXCHANGE.CREATE_CHILD_SA) this.trackIkeRekey(message, state);
  }

  /**
   * Records the IKE SA that a CREATE_CHILD_SA exchange with an IKE proposal
   * creates as a rekey (RFC 7296 §1.3.2). The new initiator SPI is in the
   * request's proposal, and the new responder SPI and the chosen transforms
   * are in the response's.
   */
  private trackIkeRekey(message: IkeMessage, state: SaState): void {
    const sa = message.inner?.find((p) => p.kind === 'sa');
    if (sa?.kind !== 'sa') return;
    const chosen = ikev2ChosenTransforms(sa);
    if (!chosen || chosen.spi.length !== 16) return;
    const pendingKey = `${state.initiatorSpi}/${state.responderSpi}/${message.header.messageId}`;
    if (!message.response) {
      this.pendingRekeys.set(pendingKey, chosen.spi);
      if (this.pendingRekeys.size > MAX_PENDING_REKEYS) this.pendingRekeys.delete(this.pendingRekeys.keys().next().value!);
      return;
    }
    const initiatorSpi = this.pendingRekeys.get(pendingKey);
    if (initiatorSpi === undefined) return;
    this.pendingRekeys.delete(pendingKey);
    const next = this.state(2, initiatorSpi, chosen.spi);
    next.chosen = chosen;
    next.rekeyOf = `${state.initiatorSpi}/${state.responderSpi}`;
  }

  // IKEv1

  private processV1(message: IkeMessage, bytes: Uint8Array): void {
    const h = message.header;
    const state = this.state(1, h.initiatorSpi, h.responderSpi);
    if (!ZERO_SPI.test(h.responderSpi)) state.responderSpi = h.responderSpi;
    const v1 = state.v1!;
    const phase1 = h.exchangeType === IKEV1_EXCHANGE.IDENTITY_PROTECTION || h.exchangeType === IKEV1_EXCHANGE.AGGRESSIVE;
    if (phase1 && !message.encrypted) this.readPhase1(message, bytes, v1);
    if (!message.encrypted) return;
    state.encrypted++;

    const chain = this.chainFor(v1);
    if (typeof chain === 'string') return this.fail(message, state, chain);
    if (h.length > bytes.length) return this.fail(message, state, 'truncated');
    const ciphertext = bytes.subarray(IKE_HEADER_LENGTH, h.length);
    if (ciphertext.length === 0 || ciphertext.length % chain.blockSize !== 0) return this.fail(message, state, 'bad-length');
    // The chain moves on with every encrypted message, whether or not a key is known yet.
    const iv = chain.nextIv(h.messageId, ciphertext);

    const candidates = this.keys?.ikev1Keys(h.initiatorSpi) ?? [];
    if (candidates.length === 0) return this.fail(message, state, 'no-key');
    let error: DecryptError = 'unsupported-algorithm';
    for (const entry of candidates) {
      const key: SecretBytes = entry.encryptionKey;
      const cipher = ikev1Cipher(v1.chosen!.encryptionAlgorithm ?? 0, v1.chosen!.keyLength, key.length);
      if (cipher === null) continue;
      if (key.length < cipher.keyLength) {
        error = 'bad-key';
        continue;
      }
      const inner = this.validV1Plaintext(message, ikev1Decrypt(cipher, key.reveal(), iv, ciphertext));
      if (inner === null) {
        error = 'integrity-failed';
        continue;
      }
      message.inner = inner.payloads;
      message.anomalies.push(...inner.anomalies);
      message.decrypted = true;
      message.decryptError = null;
      state.decrypted++;
      state.keySource = entry.source;
      return;
    }
    this.fail(message, state, error);
  }

  /** Records the chosen transform and the public values g^xi and g^xr from a cleartext phase-1 message. */
  private readPhase1(message: IkeMessage, bytes: Uint8Array, v1: Ikev1State): void {
    const from = endpoint(message.src.address, message.src.port);
    if (ZERO_SPI.test(message.header.responderSpi) && v1.initiator === null) v1.initiator = from;
    for (const p of message.payloads) {
      if (p.kind === 'sa') {
        // The responder's SA payload comes second and contains the accepted transform.
        v1.chosen = ikev1ChosenTransform(p) ?? v1.chosen;
      } else if (p.type === IKEV1_PAYLOAD.KE && p.offset + p.length <= bytes.length) {
        const value = bytes.slice(p.offset + 4, p.offset + p.length);
        const fromInitiator = v1.initiator !== null ? v1.initiator === from : v1.gxi === null || bytesEqual(v1.gxi, value);
        const previous = fromInitiator ? v1.gxi : v1.gxr;
        // A retransmitted KE payload changes nothing; a new one starts a new phase 1 and its IV chain.
        if (previous !== null && bytesEqual(previous, value)) continue;
        if (fromInitiator) v1.gxi = value;
        else v1.gxr = value;
        v1.chain = null;
      }
    }
  }

  /**
   * Returns the IV chain of an ISAKMP SA, or why there is none: the capture
   * has not shown the chosen transform and both public values, or the
   * transform is one spitrace cannot decrypt. The hash and block size come
   * from the transform the responder accepted.
   */
  private chainFor(v1: Ikev1State): Ikev1IvChain | DecryptError {
    if (v1.chain) return v1.chain;
    if (!v1.chosen || !v1.gxi || !v1.gxr) return 'no-phase1';
    const hash = v1.chosen.hashAlgorithm === null ? null : ikev1Hash(v1.chosen.hashAlgorithm);
    // The block size does not depend on the key length, so any key size names the cipher here.
    const cipher = v1.chosen.encryptionAlgorithm === null ? null : ikev1Cipher(v1.chosen.encryptionAlgorithm, v1.chosen.keyLength, 32);
    if (!hash || !cipher) return 'unsupported-algorithm';
    v1.chain = new Ikev1IvChain(cipher.blockSize, hash, phase1Iv(hash, v1.gxi, v1.gxr, cipher.blockSize));
    return v1.chain;
  }

  /**
   * Returns the payloads of an IKEv1 plaintext when it is a clean payload
   * chain, because IKEv1 keys carry no integrity key. Clean means that every
   * length fits, the chain ends with Next Payload NONE and each RESERVED byte
   * is zero (RFC 2408 §3.2). At most 255 bytes of padding may follow.
   */
  private validV1Plaintext(message: IkeMessage, plaintext: Uint8Array): { payloads: IkePayload[]; anomalies: Anomaly[] } | null {
    const anomalies: Anomaly[] = [];
    const chain = parsePayloadChain(plaintext, message.header.nextPayload, 1, {
      input: message.ref.input,
      frame: message.ref.frame,
      anomalies,
      baseOffset: IKE_HEADER_LENGTH,
      allowTrailing: true,
    });
    if (chain.payloads.length === 0) return null;
    if (anomalies.some((a) => CHAIN_BREAKS.has(anomalyName(a) as IkeAnomalyName))) return null;
    // RFC 2409 leaves the padding content open; peers pad with zeros up to a block, or name the pad length in the last byte.
    if (plaintext.length - chain.end > MAX_V1_PADDING) return null;
    for (const p of chain.payloads) if (plaintext[p.offset - IKE_HEADER_LENGTH + 1] !== 0) return null;
    return { payloads: chain.payloads, anomalies };
  }
}

const EMPTY = { reveal: () => new Uint8Array(0) };
