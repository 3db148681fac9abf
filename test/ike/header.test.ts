import { describe, expect, it } from 'vitest';
import { parseIkeHeader } from '../../src/ike/header.js';
import { FIXTURES } from './fixtures.js';

describe('parseIkeHeader', () => {
  it('reads the IKEv2 header fields', () => {
    const r = parseIkeHeader(FIXTURES.v2Delete);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.version).toBe(2);
    expect(r.header.initiatorSpi).toBe('0123456789abcdef');
    expect(r.header.responderSpi).toBe('fedcba9876543210');
    expect(r.header.nextPayload).toBe(42);
    expect(r.header.exchangeType).toBe(37);
    expect(r.header.flags).toBe(0x08);
    expect(r.header.messageId).toBe(5);
    expect(r.header.length).toBe(64);
  });

  it('takes version 1 from the major version nibble', () => {
    const r = parseIkeHeader(FIXTURES.v1Mm1);
    expect(r.ok && r.version).toBe(1);
  });

  it('reports fewer than 28 bytes as truncated', () => {
    const r = parseIkeHeader(FIXTURES.v1Mm1.subarray(0, 27));
    expect(r).toMatchObject({ ok: false, cause: 'truncated', offset: 27 });
  });

  it('rejects major version 3 as malformed', () => {
    const bytes = FIXTURES.v2Init.slice();
    bytes[17] = 0x30;
    const r = parseIkeHeader(bytes);
    expect(r).toMatchObject({ ok: false, cause: 'malformed', offset: 17 });
  });

  it('names the anomaly in the reason', () => {
    const r = parseIkeHeader(new Uint8Array(3));
    expect(!r.ok && r.reason).toMatch(/^header-truncated: /);
  });
});
