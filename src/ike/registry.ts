// Display names for IKE numbers, from the tables generated out of IANA's
// registries (scripts/gen-registries.ts). Every lookup keeps the registry
// open: a value missing from the table gives "unknown(n)".

import * as v1 from './registry/ikev1.generated.js';
import * as v2 from './registry/ikev2.generated.js';

export type IkeVersion = 1 | 2;

/** Attribute families of IKEv1: phase 1 (ISAKMP SA, RFC 2409 Appendix A) or phase 2 (IPsec DOI, RFC 2407 §4.5). */
export type Ikev1AttributeFamily = 'ike' | 'ipsec';

export function unknown(n: number): string {
  return `unknown(${n})`;
}

function lookup(table: ReadonlyMap<number, string>, n: number): string {
  return table.get(n) ?? unknown(n);
}

/** IKEv2 transform types that take their IDs from the Key Exchange Method table (KE and ADDKE1-7, RFC 9370). */
function isKeyExchangeTransform(transformType: number): boolean {
  return transformType === 4 || (transformType >= 6 && transformType <= 12);
}

export function exchangeName(version: IkeVersion, n: number): string {
  return lookup(version === 2 ? v2.exchangeTypes : v1.exchangeTypes, n);
}

/** Short payload name: SA, KE, IDi, Ni/Nr, N, D, V, SK, SKF... for IKEv2; SA, KE, ID, HASH, NONCE, N, D, VID, NAT-D... for IKEv1. */
export function payloadName(version: IkeVersion, n: number): string {
  return lookup(version === 2 ? v2.payloadTypes : v1.payloadTypes, n);
}

export function notifyName(version: IkeVersion, n: number): string {
  return lookup(version === 2 ? v2.notifyTypes : v1.notifyTypes, n);
}

/** Security protocol: IKE, AH, ESP for IKEv2; PROTO_ISAKMP, PROTO_IPSEC_AH, PROTO_IPSEC_ESP, PROTO_IPCOMP for IKEv1. */
export function protocolName(version: IkeVersion, id: number): string {
  return lookup(version === 2 ? v2.securityProtocols : v1.protocolIds, id);
}

/** IKEv2 transform type abbreviation: ENCR, PRF, INTEG, KE, SN, ADDKE1... */
export function transformTypeName(transformType: number): string {
  return lookup(v2.transformTypes, transformType);
}

/**
 * Transform ID name. For IKEv2 `transformType` is the transform type (1 ENCR,
 * 2 PRF, 3 INTEG, 4 KE, 5 SN, 6-12 ADDKE). For IKEv1 transform IDs depend on
 * the proposal's protocol, so `transformType` is the protocol ID (1 ISAKMP,
 * 2 AH, 3 ESP, 4 IPCOMP; RFC 2407 §4.4).
 */
export function transformName(version: IkeVersion, transformType: number, id: number): string {
  if (version === 2) {
    if (transformType === 1) return lookup(v2.encryptionAlgorithms, id);
    if (transformType === 2) return lookup(v2.pseudorandomFunctions, id);
    if (transformType === 3) return lookup(v2.integrityAlgorithms, id);
    if (isKeyExchangeTransform(transformType)) return lookup(v2.keyExchangeMethods, id);
    if (transformType === 5) return lookup(v2.sequenceNumbers, id);
    return unknown(id);
  }
  if (transformType === 1) return lookup(v1.isakmpTransformIds, id);
  if (transformType === 2) return lookup(v1.ahTransformIds, id);
  if (transformType === 3) return lookup(v1.espTransformIds, id);
  if (transformType === 4) return lookup(v1.ipcompTransformIds, id);
  return unknown(id);
}

/** Transform attribute type: IKEv2 (RFC 7296 §3.3.5), or IKEv1 phase 1 or phase 2 attribute classes. */
export function attributeName(version: IkeVersion, attributeType: number, family: Ikev1AttributeFamily = 'ike'): string {
  if (version === 2) return lookup(v2.transformAttributeTypes, attributeType);
  return lookup(family === 'ike' ? v1.ikeAttributeTypes : v1.ipsecAttributeTypes, attributeType);
}

const ikeAttributeValues: ReadonlyMap<number, ReadonlyMap<number, string>> = new Map([
  [1, v1.ikeEncryptionAlgorithms],
  [2, v1.ikeHashAlgorithms],
  [3, v1.ikeAuthenticationMethods],
  [4, v1.ikeGroupDescriptions],
  [5, v1.ikeGroupTypes],
  [11, v1.ikeLifeTypes],
]);

const ipsecAttributeValues: ReadonlyMap<number, ReadonlyMap<number, string>> = new Map([
  [1, v1.ipsecLifeTypes],
  [3, v1.ikeGroupDescriptions],
  [4, v1.ipsecEncapsulationModes],
  [5, v1.ipsecAuthenticationAlgorithms],
]);

/**
 * Returns the name of an IKEv1 attribute's value when the attribute takes
 * values from a registry (encryption algorithm, group, life type...). Returns
 * null for numeric attributes such as key length and life duration.
 */
export function attributeValueName(family: Ikev1AttributeFamily, attributeType: number, value: number): string | null {
  const table = (family === 'ike' ? ikeAttributeValues : ipsecAttributeValues).get(attributeType);
  return table ? lookup(table, value) : null;
}

export function idTypeName(version: IkeVersion, n: number): string {
  return lookup(version === 2 ? v2.idTypes : v1.idTypes, n);
}

export function authMethodName(n: number): string {
  return lookup(v2.authenticationMethods, n);
}

export function certificateEncodingName(n: number): string {
  return lookup(v2.certificateEncodings, n);
}

export function keyExchangeMethodName(n: number): string {
  return lookup(v2.keyExchangeMethods, n);
}

export function trafficSelectorTypeName(n: number): string {
  return lookup(v2.trafficSelectorTypes, n);
}

export function cfgTypeName(version: IkeVersion, n: number): string {
  return lookup(version === 2 ? v2.cfgTypes : v1.cfgTypes, n);
}

export function configurationAttributeName(version: IkeVersion, n: number): string {
  return lookup(version === 2 ? v2.configurationAttributes : v1.configurationAttributes, n);
}

export function doiName(n: number): string {
  return lookup(v1.domainsOfInterpretation, n);
}

/** Names of the IPsec DOI situation bits set in `situation` (RFC 2407 §4.2), or "0" when none is set. */
export function situationName(situation: number): string {
  const names: string[] = [];
  for (const [bit, name] of v1.situationBits) if ((situation & bit) !== 0) names.push(name);
  const known = [...v1.situationBits.keys()].reduce((all, bit) => all | bit, 0);
  if ((situation & ~known) !== 0) names.push(`0x${((situation & ~known) >>> 0).toString(16)}`);
  return names.length > 0 ? names.join('|') : '0';
}

export function hashAlgorithmName(n: number): string {
  return lookup(v2.hashAlgorithms, n);
}

export function gatewayIdentityTypeName(n: number): string {
  return lookup(v2.gatewayIdentityTypes, n);
}
