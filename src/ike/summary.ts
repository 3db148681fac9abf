// A compact record of one IKE message for reports: what ikeMessages[] lists,
// without the parsed payload tree or the message bytes, so that a long
// capture's IKE messages cost little memory.

import type { FrameRef } from '../types.js';
import { snapshot } from '../util/ref.js';
import { payloadName } from './registry.js';
import type { Endpoint, IkeMessage } from './types.js';

export interface IkeMessageSummary {
  ref: FrameRef;
  src: Endpoint;
  dst: Endpoint;
  transport: 'udp' | 'tcp';
  version: 1 | 2;
  exchangeType: number;
  initiatorSpi: string;
  responderSpi: string;
  messageId: number;
  initiator: boolean;
  response: boolean;
  encrypted: boolean;
  decrypted: boolean;
  decryptError: string | null;
  /** Payload type names as a reader sees them: the outer ones, with SK/SKF replaced by the inner ones once decrypted. */
  payloads: string[];
  /** Payload type names outside encryption, as on the wire. */
  outerPayloads: string[];
  fragment: { number: number; total: number } | null;
}

/** Builds the summary of a message once its decryption and exchange pairing are done. */
export function summarizeIkeMessage(msg: IkeMessage): IkeMessageSummary {
  const outerPayloads = msg.payloads.map((p) => payloadName(msg.version, p.type));
  let payloads = outerPayloads;
  if (msg.inner) {
    const kept = msg.payloads.filter((p) => p.kind !== 'sk' && p.kind !== 'skf').map((p) => payloadName(msg.version, p.type));
    payloads = [...kept, ...msg.inner.map((p) => payloadName(msg.version, p.type))];
  }
  return {
    ref: snapshot(msg.ref),
    src: { address: msg.src.address, port: msg.src.port },
    dst: { address: msg.dst.address, port: msg.dst.port },
    transport: msg.transport,
    version: msg.version,
    exchangeType: msg.header.exchangeType,
    initiatorSpi: msg.header.initiatorSpi,
    responderSpi: msg.header.responderSpi,
    messageId: msg.header.messageId,
    initiator: msg.initiator,
    response: msg.response,
    encrypted: msg.encrypted,
    decrypted: msg.decrypted,
    decryptError: msg.decryptError,
    payloads,
    outerPayloads,
    fragment: msg.fragment ? { number: msg.fragment.number, total: msg.fragment.total } : null,
  };
}
