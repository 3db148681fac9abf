// A readable tree of one IKE message for `spitrace analyze --ike`: a line for
// the message and an indented line per payload with its important fields.
// Decrypted inner payloads sit under the SK/SKF line. Everything taken from
// the packet (IDs, vendor names, configuration values) is escaped.

import { IKEV1_FLAG_ENCRYPTION, IKEV2_PAYLOAD } from '../ike/constants.js';
import { dpdSequenceOf, invalidSpiOf, responderLifetimeOf } from '../ike/notify.js';
import {
  attributeName,
  attributeValueName,
  authMethodName,
  certificateEncodingName,
  cfgTypeName,
  doiName,
  exchangeName,
  idTypeName,
  keyExchangeMethodName,
  notifyName,
  payloadName,
  protocolName,
  situationName,
  transformName,
  type Ikev1AttributeFamily,
} from '../ike/registry.js';
import type { IkeMessage, IkePayload, NotifyPayload, OtherPayload, Proposal, Transform } from '../ike/types.js';
import { escapeForTerminal, formatEndpoint, formatTime } from '../util/format.js';

/** SPIs listed per Delete line before the rest are only counted. */
const MAX_LISTED_SPIS = 8;
/** IKEv2 transform attribute Key Length (RFC 7296 §3.3.5). */
const KEY_LENGTH = 14;

/** Characters of packet text (an ID, a vendor ID) shown before the rest is cut. */
const MAX_TEXT = 80;

/** Escapes packet text for the terminal and cuts it to MAX_TEXT characters. */
function clip(value: string): string {
  const cut = value.length > MAX_TEXT ? value.slice(0, MAX_TEXT) : value;
  return escapeForTerminal(cut) + (cut.length < value.length ? `… (${value.length} characters)` : '');
}

function field(p: OtherPayload, name: string): string | number | boolean | null | string[] | number[] | undefined {
  return p.fields[name];
}

function num(p: OtherPayload, name: string): number {
  const v = field(p, name);
  return typeof v === 'number' ? v : 0;
}

function text(p: OtherPayload, name: string): string {
  const v = field(p, name);
  return typeof v === 'string' ? clip(v) : '';
}

function list(p: OtherPayload, name: string): string[] {
  const v = field(p, name);
  return Array.isArray(v) ? v.map((x) => clip(String(x))) : [];
}

function transformV2(t: Transform): string {
  const keyLength = t.attributes.find((a) => a.type === KEY_LENGTH)?.value;
  const name = transformName(2, t.transformType ?? 0, t.id);
  return keyLength ? `${name}(${keyLength})` : name;
}

function transformV1(t: Transform, protocolId: number): string {
  const family: Ikev1AttributeFamily = protocolId === 1 ? 'ike' : 'ipsec';
  const attributes = t.attributes.map((a) => {
    const valueName = a.value === null ? null : attributeValueName(family, a.type, a.value);
    if (valueName) return valueName;
    return `${attributeName(1, a.type, family)}=${a.value ?? a.hex ?? ''}`;
  });
  const name = transformName(1, protocolId, t.id);
  return attributes.length > 0 ? `${name}(${attributes.join(', ')})` : name;
}

function proposalLine(version: 1 | 2, p: Proposal): string {
  const spi = p.spi ? ` SPI ${p.spi}` : '';
  const transforms = p.transforms.map((t) => (version === 2 ? transformV2(t) : transformV1(t, p.protocolId)));
  return `#${p.number} ${protocolName(version, p.protocolId)}${spi}: ${transforms.join(' ')}`;
}

function spiList(spis: string[]): string {
  const shown = spis.slice(0, MAX_LISTED_SPIS).join(', ');
  return spis.length > MAX_LISTED_SPIS ? `${shown} and ${spis.length - MAX_LISTED_SPIS} more` : shown;
}

/** Details of an `other` payload, by type. */
function otherDetails(msg: IkeMessage, p: OtherPayload): string {
  const v = msg.version;
  const name = payloadName(v, p.type);
  if (name === 'KE') return v === 2 ? `group ${num(p, 'dhGroup')} (${keyExchangeMethodName(num(p, 'dhGroup'))}), ${num(p, 'dataLength')} bytes` : `${num(p, 'dataLength')} bytes`;
  if (name === 'IDi' || name === 'IDr' || name === 'ID') {
    const portInfo = v === 1 && (num(p, 'protocolId') || num(p, 'port')) ? ` proto ${num(p, 'protocolId')} port ${num(p, 'port')}` : '';
    return `${idTypeName(v, num(p, 'idType'))} ${text(p, 'id')}${portInfo}`;
  }
  if (name === 'CERT' || name === 'CERTREQ' || name === 'CR') {
    const encoding = v === 2 ? certificateEncodingName(num(p, 'encoding')) : `encoding ${num(p, 'encoding')}`;
    return `${encoding}, ${num(p, 'dataLength')} bytes`;
  }
  if (name === 'AUTH') return `${authMethodName(num(p, 'authMethod'))}, ${num(p, 'dataLength')} bytes`;
  if (field(p, 'nonceLength') !== undefined) return `${num(p, 'nonceLength')} bytes`;
  if (field(p, 'vendorId') !== undefined) return field(p, 'vendor') ? text(p, 'vendor') : `unknown ${text(p, 'vendorId')}`;
  if (field(p, 'selectors') !== undefined) return list(p, 'selectors').join('; ');
  if (field(p, 'cfgType') !== undefined) {
    const id = field(p, 'identifier') !== undefined ? ` id ${num(p, 'identifier')}` : '';
    return `${cfgTypeName(v, num(p, 'cfgType'))}${id} ${list(p, 'attributes').join(', ')}`.trimEnd();
  }
  if (field(p, 'eapCode') !== undefined) {
    const type = field(p, 'eapType') === null ? '' : ` type ${num(p, 'eapType')}`;
    return `code ${num(p, 'eapCode')} id ${num(p, 'eapIdentifier')}${type}`;
  }
  if (field(p, 'hashLength') !== undefined) return `${num(p, 'hashLength')} bytes`;
  if (field(p, 'hash') !== undefined) return text(p, 'hash');
  if (field(p, 'address') !== undefined) return text(p, 'address');
  return `${num(p, 'dataLength')} bytes`;
}

/** Text of a notify's data: the DPD sequence number, the responder lifetime, or its length. */
function notifyData(p: NotifyPayload, dataIsSpi: boolean): string {
  const sequence = dpdSequenceOf(p);
  if (sequence !== null) return ` sequence ${sequence}`;
  const lifetime = responderLifetimeOf(p);
  if (lifetime && lifetime.length > 0) {
    const family: Ikev1AttributeFamily = p.protocolId === 1 ? 'ike' : 'ipsec';
    const shown = lifetime.map((a) => (a.value === null ? `${attributeName(1, a.type, family)}=${a.hex}` : attributeValueName(family, a.type, a.value) ?? `${attributeName(1, a.type, family)}=${a.value}`));
    return ` ${shown.join(', ')}`;
  }
  return p.data.length > 0 && !dataIsSpi ? `, data ${p.data.length / 2} bytes` : '';
}

/** Returns the payload name to show: an IKEv2 nonce is Ni in a request and Nr in a response. */
function shownName(msg: IkeMessage, p: IkePayload): string {
  if (msg.version === 2 && p.type === IKEV2_PAYLOAD.NONCE) return msg.response ? 'Nr' : 'Ni';
  return payloadName(msg.version, p.type);
}

function payloadLine(msg: IkeMessage, p: IkePayload): string {
  const v = msg.version;
  switch (p.kind) {
    case 'sa':
      return p.doi !== null ? `DOI ${doiName(p.doi)} situation ${situationName(p.situation ?? 0)}` : `${p.proposals.length} proposal${p.proposals.length === 1 ? '' : 's'}`;
    case 'notify': {
      const invalid = invalidSpiOf(p);
      let spi = '';
      if (invalid) spi = ` SPI ${invalid.spi} (${invalid.encoding})`;
      else if (p.spiSize > 0) spi = ` ${protocolName(v, p.protocolId)} SPI ${p.spi}`;
      return `${notifyName(v, p.notifyType)}${spi}${notifyData(p, invalid !== null && invalid.encoding === 'notification-data')}`;
    }
    case 'delete':
      return p.spis.length > 0 ? `${protocolName(v, p.protocolId)} ${p.count} SPI${p.count === 1 ? '' : 's'}: ${spiList(p.spis)}` : protocolName(v, p.protocolId);
    case 'sk':
      return `encrypted, first inner ${payloadName(v, p.firstInner)}`;
    case 'skf':
      return `fragment ${p.fragmentNumber}/${p.totalFragments}${p.fragmentNumber === 1 ? `, first inner ${payloadName(v, p.firstInner)}` : ''}`;
    case 'v1-fragment':
      return `fragment ID ${p.fragmentId} #${p.fragmentNumber}${p.last ? ' last' : ''}, ${p.data.length / 2} bytes`;
    case 'other':
      return otherDetails(msg, p);
  }
}

function payloadLines(msg: IkeMessage, payloads: IkePayload[], indent: string, out: string[]): void {
  for (const p of payloads) {
    const critical = p.critical ? ' [critical]' : '';
    out.push(`${indent}${shownName(msg, p).padEnd(6)} ${payloadLine(msg, p)}${critical}`);
    if (p.kind === 'sa') for (const proposal of p.proposals) out.push(`${indent}       ${proposalLine(msg.version, proposal)}`);
    if ((p.kind === 'sk' || p.kind === 'skf') && msg.inner) payloadLines(msg, msg.inner, indent + '  ', out);
  }
}

function headerLine(msg: IkeMessage): string {
  const h = msg.header;
  const frame = msg.ref.input > 0 ? `${msg.ref.input}:${msg.ref.frame}` : `${msg.ref.frame}`;
  const route = `${formatEndpoint(msg.src.address, msg.src.port)} → ${formatEndpoint(msg.dst.address, msg.dst.port)}`;
  const role = `${msg.response ? 'response' : 'request'} [${msg.initiator ? 'I' : 'R'}]`;
  const fragment = msg.fragment ? ` fragment ${msg.fragment.number}/${msg.fragment.total || '?'}` : '';
  let state = '';
  if (msg.encrypted) state = msg.decrypted ? ' decrypted' : msg.decryptError ? ` encrypted (${escapeForTerminal(msg.decryptError)})` : ' encrypted';
  return `${frame} ${formatTime(msg.ref.time)} ${route} IKEv${msg.version} ${exchangeName(msg.version, h.exchangeType)} ${role} msgid ${h.messageId} SPIs ${h.initiatorSpi}/${h.responderSpi}${fragment}${state}`;
}

/** Lines of the tree for one message: the message line, its payloads and its anomalies. */
export function renderIkeMessage(msg: IkeMessage): string[] {
  if (msg.headerError !== null) {
    const frame = msg.ref.input > 0 ? `${msg.ref.input}:${msg.ref.frame}` : `${msg.ref.frame}`;
    return [`${frame} ${formatTime(msg.ref.time)} not an IKE message: ${escapeForTerminal(msg.headerError)}`];
  }
  const out = [headerLine(msg)];
  payloadLines(msg, msg.payloads, '  ', out);
  if (msg.version === 1 && (msg.header.flags & IKEV1_FLAG_ENCRYPTION) !== 0) {
    out.push(`  ${msg.decrypted ? 'decrypted body:' : 'encrypted body'}`);
    if (msg.inner) payloadLines(msg, msg.inner, '    ', out);
  }
  for (const a of msg.anomalies) out.push(`  ! ${escapeForTerminal(a.reason)}`);
  return out;
}
