// Records of the key readers: IKEv2 and IKEv1 keys and ESP SAs, each with the
// file and line it came from. Key bytes sit inside SecretBytes, so that no log
// line, JSON dump or error message shows them by accident.

import { inspect } from 'node:util';
import type { Ikev2Cipher, Ikev2Integrity } from '../ike/crypto/algorithms.js';
import type { IkeSpi, Spi } from '../types.js';

/** Key material that prints as its length only. */
export class SecretBytes {
  readonly #bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get length(): number {
    return this.#bytes.length;
  }

  /** Returns the key bytes, for the crypto code and the Wireshark table writer only. */
  reveal(): Uint8Array {
    return this.#bytes;
  }

  equals(other: SecretBytes): boolean {
    const a = this.#bytes;
    const b = other.#bytes;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  toString(): string {
    return `<${this.#bytes.length}-byte key>`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** The formats spitrace reads, recognised by content. */
export type KeyFormat =
  | 'ikev2_decryption_table'
  | 'ikev1_decryption_table'
  | 'esp_sa'
  | 'strongswan-log'
  | 'tcpdump-secrets'
  | 'libreswan-log';

/** Origin of an entry: the path as given (or as found in a folder) and the 1-based line. */
export interface KeySource {
  path: string;
  line: number;
  format: KeyFormat;
}

/** Keys of one IKEv2 SA, as in a row of Wireshark's ikev2_decryption_table. */
export interface Ikev2KeyEntry {
  initiatorSpi: IkeSpi;
  responderSpi: IkeSpi;
  /** Null when the source does not name the algorithm; the IKE_SA_INIT exchange then supplies it. */
  encryption: Ikev2Cipher | null;
  integrity: Ikev2Integrity | null;
  /** A key is null when the source gives only one direction (tcpdump "ikev2 I" without "ikev2 R"). */
  skEi: SecretBytes | null;
  skEr: SecretBytes | null;
  skAi: SecretBytes | null;
  skAr: SecretBytes | null;
  source: KeySource;
}

/** The phase-1 encryption key of one ISAKMP SA, as in a row of Wireshark's ikev1_decryption_table. */
export interface Ikev1KeyEntry {
  initiatorCookie: IkeSpi;
  encryptionKey: SecretBytes;
  source: KeySource;
}

/** ESP encryption algorithms of Wireshark's esp_sa table. */
export type EspEncryption =
  | 'NULL'
  | 'TripleDES-CBC'
  | 'AES-CBC'
  | 'AES-CTR'
  | 'DES-CBC'
  | 'CAST5-CBC'
  | 'BLOWFISH-CBC'
  | 'TWOFISH-CBC'
  | 'AES-GCM'
  | 'AES-GCM-8'
  | 'AES-GCM-12'
  | 'AES-GCM-16'
  | 'CHACHA20-POLY1305';

/** ESP authentication algorithms of Wireshark's esp_sa table ("ANY-n" is "ANY n bit authentication [no checking]"). */
export type EspAuthentication =
  | 'NULL'
  | 'HMAC-SHA-1-96'
  | 'HMAC-SHA-256-96'
  | 'HMAC-SHA-256-128'
  | 'HMAC-SHA-384-192'
  | 'HMAC-SHA-512-256'
  | 'HMAC-MD5-96'
  | 'MAC-RIPEMD-160-96'
  | 'ANY-64'
  | 'ANY-96'
  | 'ANY-128'
  | 'ANY-192'
  | 'ANY-256';

/** One row of Wireshark's esp_sa table. */
export interface EspSaEntry {
  protocol: 'IPv4' | 'IPv6';
  /** Address, "*" or an address with "*" wildcards, as Wireshark matches them. */
  src: string;
  dst: string;
  /** Null for the "*" wildcard. */
  spi: Spi | null;
  encryption: EspEncryption;
  encryptionKey: SecretBytes;
  authentication: EspAuthentication;
  authenticationKey: SecretBytes;
  source: KeySource;
}

/** A file in a folder that was not loaded, and why. */
export interface SkippedFile {
  path: string;
  reason: string;
}

/** A file that was loaded, with what it contributed. */
export interface LoadedFile {
  path: string;
  format: KeyFormat;
  compressed: boolean;
  ikev2: number;
  ikev1: number;
  esp: number;
}

/** File and line of one entry, for listings that must not show keys. */
export interface EntrySource {
  kind: 'ikev2' | 'ikev1' | 'esp';
  /** "ispi/rspi" for IKEv2, the initiator cookie for IKEv1, "0xSPI src>dst" for ESP. */
  id: string;
  source: KeySource;
}

/** Everything loaded from the --keys paths. */
export interface KeySet {
  readonly ikev2: readonly Ikev2KeyEntry[];
  readonly ikev1: readonly Ikev1KeyEntry[];
  readonly esp: readonly EspSaEntry[];
  readonly loaded: readonly LoadedFile[];
  readonly skipped: readonly SkippedFile[];
  readonly sources: readonly EntrySource[];
  /** IKEv2 keys for an SPI pair; several when more than one file names the pair with different keys. */
  ikev2Keys(initiatorSpi: string, responderSpi: string): Ikev2KeyEntry[];
  /** IKEv1 keys for an initiator cookie. */
  ikev1Keys(initiatorCookie: string): Ikev1KeyEntry[];
  /** ESP SAs that match a packet's SPI and addresses, wildcards included. */
  espSas(spi: number, src: string, dst: string): EspSaEntry[];
  /** Re-reads files that grew since they were last read (and new files in loaded folders); true when entries changed. */
  refresh(): Promise<boolean>;
}

/**
 * A key file that cannot be used. The message names the file, the 1-based
 * line, the field and what was expected, and never quotes the field's value.
 */
export class KeyFileError extends Error {
  constructor(
    readonly path: string,
    readonly line: number,
    readonly field: string,
    readonly expected: string,
  ) {
    super(line > 0 ? `${path}:${line}: ${field}: ${expected}` : `${path}: ${field}: ${expected}`);
    this.name = 'KeyFileError';
  }
}
