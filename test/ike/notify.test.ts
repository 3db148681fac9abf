import { describe, expect, it } from 'vitest';
import { parseIkeMessage } from '../../src/ike/message.js';
import { dpdSequenceOf, invalidSpiOf, responderLifetimeOf } from '../../src/ike/notify.js';
import type { NotifyPayload } from '../../src/ike/types.js';
import { hex } from '../helpers/build.js';
import * as B from './build-ike.js';
import { datagram, FIXTURES } from './fixtures.js';

function notifies(bytes: Uint8Array): NotifyPayload[] {
  return parseIkeMessage(datagram(bytes)).payloads.filter((p): p is NotifyPayload => p.kind === 'notify');
}

describe('invalidSpiOf', () => {
  const [inField, inData] = notifies(FIXTURES.v2InvalidSpi);

  it('reads an IKEv2 SPI from the SPI field', () => {
    expect(invalidSpiOf(inField!)).toEqual({ spi: 'c1a9656b', encoding: 'spi-field' });
  });

  it('reads an IKEv2 SPI from the notification data (RFC 7296 §3.10)', () => {
    expect(invalidSpiOf(inData!)).toEqual({ spi: 'ac0faf03', encoding: 'notification-data' });
  });

  it('reads an IKEv1 SPI from the SPI field', () => {
    expect(invalidSpiOf(notifies(FIXTURES.v1Info)[0]!)).toEqual({ spi: 'c0ffee01', encoding: 'spi-field' });
  });

  it('takes the first 4 bytes of longer notification data', () => {
    const [n] = notifies(B.message({ exchange: 37 }, [{ type: 41, body: B.notifyV2(11, 3, new Uint8Array(0), hex('c1a9656b0000')) }]));
    expect(invalidSpiOf(n!)).toEqual({ spi: 'c1a9656b', encoding: 'notification-data' });
  });

  it('gives null for an INVALID_SPI without an SPI', () => {
    const [n] = notifies(B.message({ exchange: 37 }, [{ type: 41, body: B.notifyV2(11, 3) }]));
    expect(invalidSpiOf(n!)).toBeNull();
  });

  it('gives null for other notifies', () => {
    expect(invalidSpiOf(notifies(FIXTURES.v2Init)[0]!)).toBeNull();
  });
});

describe('dpdSequenceOf', () => {
  it('reads the R-U-THERE sequence number', () => {
    expect(dpdSequenceOf(notifies(FIXTURES.v1Info)[1]!)).toBe(42);
  });

  it('gives null for IKEv2 notifies', () => {
    expect(dpdSequenceOf(notifies(FIXTURES.v2Init)[0]!)).toBeNull();
  });
});

describe('responderLifetimeOf', () => {
  it('reads life type and duration', () => {
    const [n] = notifies(B.message({ version: 1, exchange: 32, messageId: 1 }, [{ type: 11, body: B.notifyV1(24576, 3, hex('c0ffee01'), hex('800100018002' + '0e10')) }]));
    expect(responderLifetimeOf(n!)).toEqual([
      { type: 1, value: 1, hex: null },
      { type: 2, value: 3600, hex: null },
    ]);
  });

  it('gives null for other notifies', () => {
    expect(responderLifetimeOf(notifies(FIXTURES.v1Info)[0]!)).toBeNull();
  });
});
