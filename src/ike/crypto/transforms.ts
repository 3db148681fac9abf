// The algorithms an exchange settled on, read from the SA payload of a
// response: IKEv2 transforms of type ENCR and INTEG with the Key Length
// attribute (RFC 7296 §3.3.2, §3.3.5), and the IKEv1 phase-1 transform
// attributes Encryption Algorithm, Hash Algorithm and Key Length (RFC 2409
// Appendix A).

import type { SaPayload } from '../types.js';
import { ikev2Cipher, ikev2Integrity, isAead, AUTH_NONE, type Ikev2Cipher, type Ikev2Integrity } from './algorithms.js';

/** Transform Type 1 (encryption) and 3 (integrity), RFC 7296 §3.3.2. */
const TRANSFORM_ENCR = 1;
const TRANSFORM_INTEG = 3;
/** The Key Length attribute type, in IKEv2 transforms and IKEv1 phase-1 transforms alike. */
const ATTRIBUTE_KEY_LENGTH = 14;
const IKEV1_ATTRIBUTE_ENCRYPTION = 1;
const IKEV1_ATTRIBUTE_HASH = 2;
/** IKEv2 protocol ID of an IKE SA proposal. */
const PROTOCOL_IKE = 1;

/** The IKEv2 algorithms of a chosen IKE proposal, as numbers and, when spitrace supports them, as ciphers. */
export interface Ikev2Chosen {
  encryptionId: number;
  keyBits: number | null;
  /** Null when the proposal has no INTEG transform (an AEAD cipher). */
  integrityId: number | null;
  cipher: Ikev2Cipher | null;
  integrity: Ikev2Integrity | null;
  /** The proposal's SPI as hex: the sender's new IKE SPI in a CREATE_CHILD_SA rekey, empty in IKE_SA_INIT. */
  spi: string;
}

/** Reads the first IKE proposal of an SA payload; a response carries only the chosen one. */
export function ikev2ChosenTransforms(sa: SaPayload): Ikev2Chosen | null {
  const proposal = sa.proposals.find((p) => p.protocolId === PROTOCOL_IKE);
  if (!proposal) return null;
  const encr = proposal.transforms.find((t) => t.transformType === TRANSFORM_ENCR);
  if (!encr) return null;
  const keyBits = encr.attributes.find((a) => a.type === ATTRIBUTE_KEY_LENGTH)?.value ?? null;
  const integ = proposal.transforms.find((t) => t.transformType === TRANSFORM_INTEG);
  const cipher = ikev2Cipher(encr.id, keyBits);
  // An AEAD cipher protects integrity itself and comes without an INTEG transform (RFC 5282).
  let integrity = integ ? ikev2Integrity(integ.id) : null;
  if (cipher && isAead(cipher)) integrity = ikev2Integrity(AUTH_NONE);
  return { encryptionId: encr.id, keyBits, integrityId: integ?.id ?? null, cipher, integrity, spi: proposal.spi };
}

/** The IKEv1 phase-1 attributes decryption needs. */
export interface Ikev1Chosen {
  encryptionAlgorithm: number | null;
  hashAlgorithm: number | null;
  keyLength: number | null;
}

/** Reads the first transform of the first proposal: in a responder's SA payload, the one it accepted. */
export function ikev1ChosenTransform(sa: SaPayload): Ikev1Chosen | null {
  const transform = sa.proposals[0]?.transforms[0];
  if (!transform) return null;
  const attribute = (type: number) => transform.attributes.find((a) => a.type === type)?.value ?? null;
  return {
    encryptionAlgorithm: attribute(IKEV1_ATTRIBUTE_ENCRYPTION),
    hashAlgorithm: attribute(IKEV1_ATTRIBUTE_HASH),
    keyLength: attribute(ATTRIBUTE_KEY_LENGTH),
  };
}
