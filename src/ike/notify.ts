// Readers for notify payloads whose data the SA tracker needs: the SPI of an
// INVALID_SPI notify, in either of its encodings, the sequence number of DPD
// notifies and the lifetime of an IKEv1 RESPONDER-LIFETIME.

import type { FrameNumber } from '../types.js';
import { ByteReader, fromHex } from '../util/bytes.js';
import { readDataAttributes } from './attributes.js';
import { IKEV1_NOTIFY, IKEV2_NOTIFY } from './constants.js';
import type { Attribute, NotifyPayload } from './types.js';

/** The SPI an INVALID_SPI notify reports, and where the sender put it. */
export interface InvalidSpi {
  /** The SPI as lowercase hex (8 digits for ESP and AH). */
  spi: string;
  /**
   * "notification-data": SPI size 0 with the SPI in the notification data, as
   * RFC 7296 §3.10 specifies for IKEv2. "spi-field": the SPI in the SPI field,
   * as RFC 2408 §3.14.1 specifies for IKEv1 and as some IKEv2 implementations send it.
   */
  encoding: 'spi-field' | 'notification-data';
}

/**
 * Returns the SPI an INVALID_SPI notify (type 11 in both versions) reports,
 * or null for other notifies and for an INVALID_SPI that carries no SPI.
 * When the notification data is longer than an SPI, its first 4 bytes are
 * taken as the ESP or AH SPI.
 */
export function invalidSpiOf(notify: NotifyPayload): InvalidSpi | null {
  const type = notify.doi === null ? IKEV2_NOTIFY.INVALID_SPI : IKEV1_NOTIFY.INVALID_SPI;
  if (notify.notifyType !== type) return null;
  if (notify.spiSize > 0 && notify.spi.length > 0) return { spi: notify.spi, encoding: 'spi-field' };
  const data = notify.data;
  if (data.length < 8) return null;
  const spi = data.length === 8 || data.length === 16 ? data : data.slice(0, 8);
  return { spi, encoding: 'notification-data' };
}

/** Returns the sequence number of an IKEv1 R-U-THERE or R-U-THERE-ACK notify (RFC 3706 §5), or null. */
export function dpdSequenceOf(notify: NotifyPayload): number | null {
  if (notify.doi === null) return null;
  if (notify.notifyType !== IKEV1_NOTIFY.R_U_THERE && notify.notifyType !== IKEV1_NOTIFY.R_U_THERE_ACK) return null;
  if (notify.data.length !== 8) return null;
  return parseInt(notify.data, 16) >>> 0;
}

/**
 * Reads the SA attributes of an IKEv1 RESPONDER-LIFETIME notify (RFC 2407
 * §4.6.3.1): life type and life duration pairs, numbered as IPsec SA
 * attributes for an AH or ESP SPI and as IKE attributes for the ISAKMP SA.
 * Returns null for other notifies. Attributes that do not parse are left out.
 */
export function responderLifetimeOf(notify: NotifyPayload): Attribute[] | null {
  if (notify.doi === null || notify.notifyType !== IKEV1_NOTIFY.RESPONDER_LIFETIME) return null;
  const data = fromHex(notify.data) ?? new Uint8Array(0);
  return readDataAttributes(new ByteReader(data), { input: 0, frame: 0 as FrameNumber, anomalies: [], baseOffset: 0 }, 1, 'responder lifetime');
}
