// A scripted IKEv2 conversation between two peers, for crafted captures:
// real message layouts (RFC 7296 §3), SK payloads encrypted with AES-CBC-128
// and protected with HMAC-SHA2-256-128 under keys we choose, so that the
// capture comes with a Wireshark ikev2_decryption_table that decrypts it.
// ESP packets carry random-looking bodies: only their SPI and sequence matter.

import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { concat, esp, ethernet, filler, hex, ikeMessage, ikePayload, ipv4, nonEspMarker, udp, icmp } from '../../test/helpers/build.js';
import type { Timestamp } from '../../src/types.js';

export const PEER_A = '192.0.2.1';
export const PEER_B = '192.0.2.2';

/** Payload type numbers (RFC 7296 §3.2). */
export const P = { SA: 33, KE: 34, IDi: 35, IDr: 36, AUTH: 39, Nonce: 40, N: 41, D: 42, TSi: 44, TSr: 45, SK: 46 } as const;
export const EXCHANGE = { IKE_SA_INIT: 34, IKE_AUTH: 35, CREATE_CHILD_SA: 36, INFORMATIONAL: 37 } as const;
export const NOTIFY = { INVALID_SYNTAX: 7, INVALID_SPI: 11, INITIAL_CONTACT: 16384, REKEY_SA: 16393 } as const;

export interface Payload {
  type: number;
  body: Uint8Array;
}

function u16(n: number): Uint8Array {
  return Uint8Array.of(n >> 8, n & 0xff);
}

function u32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function transform(last: boolean, type: number, id: number, attributes: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat(Uint8Array.of(last ? 0 : 3, 0), u16(8 + attributes.length), Uint8Array.of(type, 0), u16(id), attributes);
}

/** An SA payload body with one proposal: ESP (AES-CBC-128, HMAC-SHA2-256-128, no ESN) or IKE (adds PRF and DH 14). */
export function saPayload(protocol: 'esp' | 'ike', spi: Uint8Array): Payload {
  const keyLength = concat(u16(0x800e), u16(128));
  const transforms =
    protocol === 'esp'
      ? [transform(false, 1, 12, keyLength), transform(false, 3, 12), transform(true, 5, 0)]
      : [transform(false, 1, 12, keyLength), transform(false, 2, 5), transform(false, 3, 12), transform(true, 4, 14)];
  const body = concat(...transforms);
  const proposal = concat(Uint8Array.of(0, 0), u16(8 + spi.length + body.length), Uint8Array.of(1, protocol === 'esp' ? 3 : 1, spi.length, transforms.length), spi, body);
  return { type: P.SA, body: proposal };
}

export function notifyPayload(type: number, protocol = 0, spi: Uint8Array = new Uint8Array(0), data: Uint8Array = new Uint8Array(0)): Payload {
  return { type: P.N, body: concat(Uint8Array.of(protocol, spi.length), u16(type), spi, data) };
}

export function deletePayload(protocol: 'esp' | 'ike', spis: number[]): Payload {
  if (protocol === 'ike') return { type: P.D, body: concat(Uint8Array.of(1, 0), u16(0)) };
  return { type: P.D, body: concat(Uint8Array.of(3, 4), u16(spis.length), ...spis.map(u32)) };
}

function trafficSelector(address: string): Payload['body'] {
  const octets = address.split('.').map(Number);
  const ts = concat(Uint8Array.of(7, 0), u16(16), u16(0), u16(65535), Uint8Array.from(octets), Uint8Array.from(octets));
  return concat(Uint8Array.of(1, 0, 0, 0), ts);
}

export function tsPayloads(initiatorNet: string, responderNet: string): Payload[] {
  return [
    { type: P.TSi, body: trafficSelector(initiatorNet) },
    { type: P.TSr, body: trafficSelector(responderNet) },
  ];
}

export function idPayload(type: 35 | 36, fqdn: string): Payload {
  return { type, body: concat(Uint8Array.of(2, 0, 0, 0), Uint8Array.from(Buffer.from(fqdn, 'ascii'))) };
}

export function authPayload(seed: number): Payload {
  return { type: P.AUTH, body: concat(Uint8Array.of(2, 0, 0, 0), filler(32, seed)) };
}

export function noncePayload(seed: number): Payload {
  return { type: P.Nonce, body: filler(32, seed) };
}

export function kePayload(seed: number): Payload {
  return { type: P.KE, body: concat(u16(14), u16(0), filler(256, seed)) };
}

/** Chains payloads: each generic header names the type of the next one (RFC 7296 §3.2). */
function chain(payloads: Payload[]): Uint8Array {
  return concat(...payloads.map((p, i) => ikePayload(payloads[i + 1]?.type ?? 0, p.body)));
}

/** Deterministic key bytes derived from a label, so regenerating gives the same capture. */
function key(label: string, length: number): Buffer {
  return createHash('sha256').update(label).digest().subarray(0, length);
}

export interface Frame {
  time: Timestamp;
  data: Uint8Array;
}

/** One IKE SA between PEER_A (initiator) and PEER_B, and the frames of everything said over it. */
export class Conversation {
  readonly ispi: string;
  readonly rspi: string;
  private readonly skEi: Buffer;
  private readonly skEr: Buffer;
  private readonly skAi: Buffer;
  private readonly skAr: Buffer;
  private nextId = { a: 0, b: 0 };
  private ipId = 1;

  constructor(
    readonly name: string,
    readonly frames: Frame[],
    readonly initiator = PEER_A,
    readonly responder = PEER_B,
  ) {
    this.ispi = createHash('sha256').update(`${name}/ispi`).digest('hex').slice(0, 16);
    this.rspi = createHash('sha256').update(`${name}/rspi`).digest('hex').slice(0, 16);
    this.skEi = key(`${name}/ei`, 16);
    this.skEr = key(`${name}/er`, 16);
    this.skAi = key(`${name}/ai`, 32);
    this.skAr = key(`${name}/ar`, 32);
  }

  /** The ikev2_decryption_table line for this IKE SA (Wireshark's field order and algorithm names). */
  keyLine(): string {
    return [this.ispi, this.rspi, this.skEi.toString('hex'), this.skEr.toString('hex'), '"AES-CBC-128 [RFC3602]"', this.skAi.toString('hex'), this.skAr.toString('hex'), '"HMAC_SHA2_256_128 [RFC4868]"'].join(',');
  }

  private udpFrame(seconds: number, src: string, dst: string, payload: Uint8Array, port: number): void {
    const packet = ipv4(udp(payload, port, port), { src, dst, protocol: 17, id: this.ipId++ });
    this.frames.push({ time: at(seconds), data: ethernet(packet) });
  }

  /** IKE_SA_INIT request and response, in the clear on port 500. */
  init(seconds: number): void {
    const req = ikeMessage({ initiatorSpi: this.ispi, exchange: EXCHANGE.IKE_SA_INIT, flags: 0x08, messageId: 0, nextPayload: P.SA, body: chain([saPayload('ike', new Uint8Array(0)), kePayload(1), noncePayload(2)]) });
    this.udpFrame(seconds, this.initiator, this.responder, req, 500);
    const resp = ikeMessage({ initiatorSpi: this.ispi, responderSpi: this.rspi, exchange: EXCHANGE.IKE_SA_INIT, flags: 0x20, messageId: 0, nextPayload: P.SA, body: chain([saPayload('ike', new Uint8Array(0)), kePayload(3), noncePayload(4)]) });
    this.udpFrame(seconds + 0.005, this.responder, this.initiator, resp, 500);
    this.nextId = { a: 1, b: 0 };
  }

  /**
   * An encrypted message on port 4500. `fromInitiator` picks the keys (SK_ei/SK_ai for the original
   * initiator, RFC 7296 §2.14) and the I flag; `response` sets the R flag.
   */
  encrypted(seconds: number, fromInitiator: boolean, exchange: number, messageId: number, response: boolean, payloads: Payload[]): void {
    const inner = chain(payloads);
    const block = 16;
    const padLength = (block - ((inner.length + 1) % block)) % block;
    const plaintext = concat(inner, new Uint8Array(padLength), Uint8Array.of(padLength));
    // The IV depends on the message, not the time, so that a retransmission is byte-identical as on the wire.
    const iv = createHash('sha256').update(`${this.name}/${exchange}/${messageId}/${fromInitiator}/${response}`).digest().subarray(0, 16);
    const cipher = createCipheriv('aes-128-cbc', fromInitiator ? this.skEi : this.skEr, iv);
    cipher.setAutoPadding(false);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const icvLength = 16;
    const skBody = concat(iv, ciphertext, new Uint8Array(icvLength));
    const flags = (fromInitiator ? 0x08 : 0) | (response ? 0x20 : 0);
    const message = ikeMessage({ initiatorSpi: this.ispi, responderSpi: this.rspi, exchange, flags, messageId, nextPayload: P.SK, body: ikePayload(payloads[0]?.type ?? 0, skBody) });
    const icv = createHmac('sha256', fromInitiator ? this.skAi : this.skAr).update(message.subarray(0, message.length - icvLength)).digest().subarray(0, icvLength);
    message.set(icv, message.length - icvLength);
    const src = fromInitiator ? this.initiator : this.responder;
    const dst = fromInitiator ? this.responder : this.initiator;
    this.udpFrame(seconds, src, dst, nonEspMarker(message), 4500);
  }

  /** A request from one side and its response 10 ms later. */
  exchange(seconds: number, fromInitiator: boolean, exchange: number, request: Payload[], response: Payload[] | null): number {
    const side = fromInitiator ? 'a' : 'b';
    const id = this.nextId[side]++;
    this.encrypted(seconds, fromInitiator, exchange, id, false, request);
    if (response) this.encrypted(seconds + 0.01, !fromInitiator, exchange, id, true, response);
    return id;
  }

  /** IKE_AUTH creating the first CHILD_SA with inbound SPIs `aSpi` (initiator) and `bSpi` (responder). */
  auth(seconds: number, aSpi: number, bSpi: number): void {
    this.exchange(
      seconds,
      true,
      EXCHANGE.IKE_AUTH,
      [idPayload(35, 'a.example'), notifyPayload(NOTIFY.INITIAL_CONTACT), authPayload(5), saPayload('esp', u32(aSpi)), ...tsPayloads('198.51.100.1', '203.0.113.1')],
      [idPayload(36, 'b.example'), authPayload(6), saPayload('esp', u32(bSpi)), ...tsPayloads('198.51.100.1', '203.0.113.1')],
    );
  }

  /** ESP in UDP 4500 from `src` to `dst`. */
  esp(seconds: number, src: string, dst: string, spi: number, seq: number): void {
    const packet = ipv4(udp(esp(spi, seq, 96), 4500, 4500), { src, dst, protocol: 17, id: this.ipId++ });
    this.frames.push({ time: at(seconds), data: ethernet(packet) });
  }

  /** An ICMP port unreachable from `from` quoting the first bytes of an ESP-in-UDP packet sent to it. */
  portUnreachable(seconds: number, from: string, to: string, spi: number, seq: number): void {
    const quoted = ipv4(udp(esp(spi, seq, 96), 4500, 4500), { src: to, dst: from, protocol: 17, id: this.ipId++ }).subarray(0, 36);
    const packet = ipv4(icmp(3, 3, quoted), { src: from, dst: to, protocol: 1, id: this.ipId++ });
    this.frames.push({ time: at(seconds), data: ethernet(packet) });
  }
}

/** Seconds from a fixed start (2026-01-01T00:00:00Z) as a capture timestamp with microsecond precision. */
export function at(seconds: number): Timestamp {
  const whole = Math.floor(seconds);
  return { sec: 1_767_225_600 + whole, nsec: Math.round((seconds - whole) * 1e6) * 1000, digits: 6 };
}

export function spiBytes(spi: number): Uint8Array {
  return u32(spi);
}

export { hex };
