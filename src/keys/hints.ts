// The key table line, or the log, that would let an undecrypted IKE SA be
// decrypted: what the report prints next to an SA spitrace could not read.

import { AUTH_NONE, ikev2Integrity, isAead, type Ikev2Cipher, type Ikev2Integrity } from '../ike/crypto/algorithms.js';
import type { Lang } from '../report/i18n.js';
import { tableIkev2Encryption, tableIkev2Integrity } from './names.js';

/** The IKE SA facts keyLineHint uses. */
export interface KeyHintSa {
  version: 1 | 2;
  initiatorSpi: string;
  responderSpi: string;
  /** The negotiated algorithms when IKE_SA_INIT showed them. */
  encryption?: Ikev2Cipher | null;
  integrity?: Ikev2Integrity | null;
}

/**
 * Returns the key table line that would let an IKE SA be decrypted, with the
 * algorithms filled in when the capture showed them, e.g.
 * `ikev2_decryption_table: 0990108657b89f4b,2c252c22a743832d,<SK_ei>,<SK_er>,"AES-CBC-256 [RFC3602]",<SK_ai>,<SK_ar>,"HMAC_SHA2_256_128 [RFC4868]"`.
 */
export function keyLineHint(sa: KeyHintSa): string {
  if (sa.version === 1) return `ikev1_decryption_table: ${sa.initiatorSpi},<encryption key>`;
  const encryption = sa.encryption ? tableIkev2Encryption(sa.encryption) : '<encryption algorithm>';
  const aead = sa.encryption ? isAead(sa.encryption) : false;
  let integrity = '<integrity algorithm>';
  if (aead) integrity = tableIkev2Integrity(ikev2Integrity(AUTH_NONE)!);
  else if (sa.integrity) integrity = tableIkev2Integrity(sa.integrity);
  const integrityKeys = aead ? ',' : '<SK_ai>,<SK_ar>';
  return `ikev2_decryption_table: ${sa.initiatorSpi},${sa.responderSpi},<SK_ei>,<SK_er>,"${encryption}",${integrityKeys},"${integrity}"`;
}

/** Returns where a user without key tables finds the keys of an IKE SA, in `lang` (English by default). */
export function keyLogHint(version: 1 | 2, lang: Lang = 'en'): string {
  if (lang === 'ja') {
    const keysJa = version === 2 ? 'Sk_ei、Sk_er、Sk_ai、Sk_ar' : '"encryption key Ka"';
    return (
      `"ike" のログレベルを 4 にした、どちらかのピアの strongSwan charon ログ (strongswan.conf の filelog で "ike = 4"、または charondebug="ike 4")。` +
      `IKE SA の作成時を含むログには ${keysJa} が出力されます。--keys で渡してください`
    );
  }
  const keys = version === 2 ? 'Sk_ei, Sk_er, Sk_ai and Sk_ar' : '"encryption key Ka"';
  return (
    `a strongSwan charon log of either peer with "ike" at level 4 (strongswan.conf filelog "ike = 4", or charondebug="ike 4") ` +
    `that covers the creation of the IKE SA prints ${keys}; pass it with --keys`
  );
}
