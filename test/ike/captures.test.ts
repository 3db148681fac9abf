// The crafted IKE captures (scripts/gen-captures/ike.ts), read through the
// capture reader and decoder as a user's file would be.

import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anomalyName } from '../../src/ike/anomalies.js';
import { ExchangeTracker } from '../../src/ike/exchanges.js';
import { parseIkeMessage } from '../../src/ike/message.js';
import { invalidSpiOf } from '../../src/ike/notify.js';
import { exchangeName } from '../../src/ike/registry.js';
import type { DeletePayload, IkeMessage, NotifyPayload } from '../../src/ike/types.js';
import { reassembledDatagram, V1FragmentReassembler } from '../../src/ike/v1-fragments.js';
import { readIkeDatagrams } from './read-datagrams.js';

const dir = resolve(import.meta.dirname, '../../captures/ike');

async function messages(file: string): Promise<IkeMessage[]> {
  const { datagrams } = await readIkeDatagrams(resolve(dir, file));
  return datagrams.map(parseIkeMessage);
}

describe('captures/ike', () => {
  it('invalid-spi-encodings: both INVALID_SPI encodings give the SPI', async () => {
    const notifies = (await messages('invalid-spi-encodings.pcap')).flatMap((m) => m.payloads.filter((p): p is NotifyPayload => p.kind === 'notify' && p.notifyType === 11));
    expect(notifies.map(invalidSpiOf)).toEqual([
      { spi: 'c1a9656b', encoding: 'spi-field' },
      { spi: 'c1a9656b', encoding: 'notification-data' },
    ]);
  });

  it('invalid-spi-encodings: requests from the responder are answered', async () => {
    const t = new ExchangeTracker();
    for (const m of await messages('invalid-spi-encodings.pcap')) t.observe(m);
    expect(t.finish().unanswered).toEqual([]);
  });

  it('delete-several-spis: lists every SPI of each Delete', async () => {
    const deletes = (await messages('delete-several-spis.pcap')).flatMap((m) => m.payloads.filter((p): p is DeletePayload => p.kind === 'delete'));
    expect(deletes.map((d) => [d.protocolId, d.spis.length])).toEqual([[3, 3], [2, 2], [3, 3], [2, 2], [1, 0]]);
  });

  it('delete-several-spis: the IKE SA ends deleted', async () => {
    const t = new ExchangeTracker();
    for (const m of await messages('delete-several-spis.pcap')) t.observe(m);
    expect(t.ikeSas[0]!.deleted?.frame).toBe(5);
  });

  it('ikev1-fragments-out-of-order: reassembles at frame 8 without the duplicate', async () => {
    const { datagrams } = await readIkeDatagrams(resolve(dir, 'ikev1-fragments-out-of-order.pcap'));
    const r = new V1FragmentReassembler();
    const outcomes = datagrams.map((d) => {
      const o = r.add(parseIkeMessage(d));
      return o ? o.kind : null;
    });
    expect(outcomes).toEqual([null, null, null, null, 'added', 'added', 'duplicate', 'complete']);
  });

  it('ikev1-fragments-out-of-order: the whole message parses', async () => {
    const { datagrams } = await readIkeDatagrams(resolve(dir, 'ikev1-fragments-out-of-order.pcap'));
    const r = new V1FragmentReassembler();
    let whole: IkeMessage | null = null;
    for (const d of datagrams) {
      const o = r.add(parseIkeMessage(d));
      if (o?.kind === 'complete') whole = parseIkeMessage(reassembledDatagram(d, o.data));
    }
    expect([whole?.payloads.map((p) => p.type), whole?.anomalies]).toEqual([[5, 6, 8], []]);
  });

  it('ike-intermediate: names exchange 43 and pairs it', async () => {
    const t = new ExchangeTracker();
    const msgs = await messages('ike-intermediate.pcap');
    const tracked = msgs.map((m) => t.observe(m)!);
    expect(msgs.map((m, i) => `${exchangeName(2, m.header.exchangeType)} ${tracked[i]!.role}`).slice(2, 6)).toEqual([
      'IKE_INTERMEDIATE request',
      'IKE_INTERMEDIATE response',
      'IKE_INTERMEDIATE request',
      'IKE_INTERMEDIATE response',
    ]);
  });

  it('malformed-guards: each frame ends with its named anomaly', async () => {
    const names = (await messages('malformed-guards.pcap')).map((m) => m.anomalies.map((a) => anomalyName(a)).join(','));
    expect(names).toEqual([
      'header-truncated',
      'unknown-major-version',
      'message-length-below-header',
      'message-length-past-datagram',
      'message-length-past-datagram,payload-past-message',
      'payload-length-below-header',
      'payload-past-message',
      'payload-chain-loop',
      'payload-count-limit',
      'count-past-payload',
      'unknown-critical-payload',
      'trailing-bytes',
    ]);
  });

  it('malformed-guards: the frame cut by the capture is truncated, not malformed', async () => {
    const cut = (await messages('malformed-guards.pcap'))[4]!;
    expect(cut.anomalies.map((a) => a.cause)).toEqual(['truncated', 'truncated']);
  });
});
