// Writes the key tables Wireshark reads (its UAT files `esp_sa`,
// `ikev1_decryption_table`, `ikev2_decryption_table`) from the keys charon
// logged at level 4. Algorithm names are the exact strings of Wireshark 4.0's
// UAT choices; charon's names come from its "selected proposal" lines.

import type { ChildSaTruth, IkeSaTruth, SideTruth } from './side.js';
import type { Side } from '../network.js';

export interface KeyTables {
  esp: string;
  ikev1: string;
  ikev2: string;
  /** ESP SAs in the table, for truth.json. */
  espSas: EspSaRow[];
  problems: string[];
}

export interface EspSaRow {
  src: string;
  dst: string;
  spi: string;
  sender: Side;
  receiver: Side;
  encryption: string;
  authentication: string;
  encryptionKey: string;
  authenticationKey: string;
}

/** IKEv2 encryption: charon's name (with key size) to Wireshark's choice. */
const IKEV2_ENCRYPTION: Record<string, string> = {
  AES_CBC_128: 'AES-CBC-128 [RFC3602]',
  AES_CBC_192: 'AES-CBC-192 [RFC3602]',
  AES_CBC_256: 'AES-CBC-256 [RFC3602]',
  AES_CTR_128: 'AES-CTR-128 [RFC5930]',
  AES_CTR_192: 'AES-CTR-192 [RFC5930]',
  AES_CTR_256: 'AES-CTR-256 [RFC5930]',
  AES_GCM_8_128: 'AES-GCM-128 with 8 octet ICV [RFC5282]',
  AES_GCM_8_192: 'AES-GCM-192 with 8 octet ICV [RFC5282]',
  AES_GCM_8_256: 'AES-GCM-256 with 8 octet ICV [RFC5282]',
  AES_GCM_12_128: 'AES-GCM-128 with 12 octet ICV [RFC5282]',
  AES_GCM_12_192: 'AES-GCM-192 with 12 octet ICV [RFC5282]',
  AES_GCM_12_256: 'AES-GCM-256 with 12 octet ICV [RFC5282]',
  AES_GCM_16_128: 'AES-GCM-128 with 16 octet ICV [RFC5282]',
  AES_GCM_16_192: 'AES-GCM-192 with 16 octet ICV [RFC5282]',
  AES_GCM_16_256: 'AES-GCM-256 with 16 octet ICV [RFC5282]',
  '3DES_CBC': '3DES [RFC2451]',
};

const IKEV2_INTEGRITY: Record<string, string> = {
  HMAC_SHA1_96: 'HMAC_SHA1_96 [RFC2404]',
  HMAC_SHA2_256_128: 'HMAC_SHA2_256_128 [RFC4868]',
  HMAC_SHA2_384_192: 'HMAC_SHA2_384_192 [RFC4868]',
  HMAC_SHA2_512_256: 'HMAC_SHA2_512_256 [RFC4868]',
  NONE: 'NONE [RFC4306]',
};

/** ESP encryption: charon's name without key size to Wireshark's choice. */
const ESP_ENCRYPTION: Record<string, string> = {
  AES_CBC: 'AES-CBC [RFC3602]',
  AES_CTR: 'AES-CTR [RFC3686]',
  AES_GCM_8: 'AES-GCM with 8 octet ICV [RFC4106]',
  AES_GCM_12: 'AES-GCM with 12 octet ICV [RFC4106]',
  AES_GCM_16: 'AES-GCM with 16 octet ICV [RFC4106]',
  '3DES_CBC': 'TripleDES-CBC [RFC2451]',
  NULL: 'NULL',
};

const ESP_AUTHENTICATION: Record<string, string> = {
  HMAC_SHA1_96: 'HMAC-SHA-1-96 [RFC2404]',
  HMAC_SHA2_256_128: 'HMAC-SHA-256-128 [RFC4868]',
  HMAC_SHA2_384_192: 'HMAC-SHA-384-192 [RFC4868]',
  HMAC_SHA2_512_256: 'HMAC-SHA-512-256 [RFC4868]',
  NONE: 'NULL',
};

/** Splits "IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519" into encryption and integrity. */
export function proposalAlgorithms(proposal: string | null): { encryption: string; integrity: string } | undefined {
  if (!proposal) return undefined;
  const parts = proposal.replace(/^(IKE|ESP):/, '').split('/');
  const encryption = parts[0];
  if (!encryption) return undefined;
  const integrity = parts.find((part) => /^(HMAC|AES_XCBC|AES_CMAC)/.test(part)) ?? 'NONE';
  return { encryption, integrity };
}

function ikev2Row(sa: IkeSaTruth, problems: string[]): string | undefined {
  const algorithms = proposalAlgorithms(sa.proposal);
  const encryption = algorithms ? IKEV2_ENCRYPTION[algorithms.encryption] : undefined;
  const integrity = algorithms ? IKEV2_INTEGRITY[algorithms.integrity] : undefined;
  if (!encryption || !integrity) {
    problems.push(`IKE_SA ${sa.spi_i}: no Wireshark name for proposal ${sa.proposal ?? '(not logged)'}`);
    return undefined;
  }
  const { sk_ei, sk_er, sk_ai = '', sk_ar = '' } = sa.keys;
  if (!sk_ei || !sk_er) {
    problems.push(`IKE_SA ${sa.spi_i}: SK_e keys not logged`);
    return undefined;
  }
  return `${sa.spi_i},${sa.spi_r},${sk_ei},${sk_er},"${encryption}",${sk_ai},${sk_ar},"${integrity}"`;
}

/**
 * Picks the ESP key pair of a CHILD_SA for one direction. RFC 7296 section 2.17:
 * KEYMAT is taken as encr_i | integ_i | encr_r | integ_r, and the "i" keys
 * protect traffic sent by the initiator of the exchange that created the
 * CHILD_SA (RFC 2409 section 5.5 derives Quick Mode keys per SPI to the same
 * effect, and charon logs them under the same names).
 */
function directionKeys(child: ChildSaTruth, outbound: boolean): { encryption?: string; integrity?: string } {
  const sentByExchangeInitiator = outbound === (child.exchange_initiator === true);
  return sentByExchangeInitiator
    ? { encryption: child.keys.encr_i, integrity: child.keys.integ_i }
    : { encryption: child.keys.encr_r, integrity: child.keys.integ_r };
}

export function buildKeyTables(
  sides: Record<Side, SideTruth>,
  addresses: Record<Side, string>,
  family: 4 | 6,
): KeyTables {
  const problems: string[] = [];
  const ikev2Rows = new Map<string, string>();
  const ikev1Rows = new Map<string, string>();
  const espRows = new Map<string, EspSaRow>();

  for (const side of ['a', 'b'] as const) {
    for (const sa of sides[side].ike_sas) {
      if (!sa.spi_i) continue;
      if (sa.version === 2) {
        const row = ikev2Row(sa, problems);
        if (row) addOnce(ikev2Rows, sa.spi_i + sa.spi_r, row, problems);
      } else if (sa.keys.ka) {
        addOnce(ikev1Rows, sa.spi_i, `${sa.spi_i},${sa.keys.ka}`, problems);
      } else {
        problems.push(`ISAKMP SA ${sa.spi_i}: encryption key Ka not logged`);
      }
    }

    const peer: Side = side === 'a' ? 'b' : 'a';
    for (const child of sides[side].child_sas) {
      const algorithms = proposalAlgorithms(child.proposal);
      const encryptionName = algorithms ? ESP_ENCRYPTION[algorithms.encryption.replace(/_\d+$/, '')] : undefined;
      const authenticationName = algorithms ? ESP_AUTHENTICATION[algorithms.integrity] : undefined;
      if (!encryptionName || !authenticationName || child.exchange_initiator === null) {
        problems.push(`CHILD_SA ${child.spi_in}/${child.spi_out} (side ${side}): proposal ${child.proposal ?? '(not logged)'} or exchange role unknown`);
        continue;
      }
      for (const outbound of [false, true]) {
        const keys = directionKeys(child, outbound);
        const spi = outbound ? child.spi_out : child.spi_in;
        if (!keys.encryption) {
          problems.push(`CHILD_SA SPI ${spi} (side ${side}): encryption key not logged`);
          continue;
        }
        const row: EspSaRow = {
          src: outbound ? addresses[side] : addresses[peer],
          dst: outbound ? addresses[peer] : addresses[side],
          spi,
          sender: outbound ? side : peer,
          receiver: outbound ? peer : side,
          encryption: encryptionName,
          authentication: authenticationName,
          encryptionKey: keys.encryption,
          authenticationKey: keys.integrity ?? '',
        };
        const key = `${row.dst}:${spi}`;
        const existing = espRows.get(key);
        if (existing && (existing.encryptionKey !== row.encryptionKey || existing.authenticationKey !== row.authenticationKey)) {
          problems.push(`ESP SPI ${spi}: the two sides logged different keys`);
        }
        if (!existing) espRows.set(key, row);
      }
    }
  }

  const protocol = family === 6 ? 'IPv6' : 'IPv4';
  const espSas = [...espRows.values()].sort((x, y) => x.spi.localeCompare(y.spi));
  const esp = [
    '# Wireshark ESP SA table (UAT): Protocol, Src IP, Dest IP, SPI, Encryption, Encryption Key, Authentication, Authentication Key',
    ...espSas.map((row) =>
      [protocol, row.src, row.dst, `0x${row.spi}`, row.encryption, `0x${row.encryptionKey}`, row.authentication, row.authenticationKey ? `0x${row.authenticationKey}` : '']
        .map((field) => `"${field}"`)
        .join(','),
    ),
  ].join('\n');
  const ikev2 = [
    "# Wireshark IKEv2 decryption table (UAT): Initiator's SPI, Responder's SPI, SK_ei, SK_er, Encryption algorithm, SK_ai, SK_ar, Integrity algorithm",
    ...ikev2Rows.values(),
  ].join('\n');
  const ikev1 = ["# Wireshark IKEv1 decryption table (UAT): Initiator's COOKIE, Encryption Key", ...ikev1Rows.values()].join('\n');
  return { esp: `${esp}\n`, ikev1: `${ikev1}\n`, ikev2: `${ikev2}\n`, espSas, problems };
}

function addOnce(rows: Map<string, string>, key: string, row: string, problems: string[]): void {
  const existing = rows.get(key);
  if (existing && existing !== row) problems.push(`IKE SPI ${key}: the two sides logged different keys`);
  if (!existing) rows.set(key, row);
}
