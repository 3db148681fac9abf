import { describe, expect, it } from 'vitest';
import { ExchangeTracker } from '../../src/ike/exchanges.js';
import { parseIkeMessage } from '../../src/ike/message.js';
import type { IkeMessage, IkePayload } from '../../src/ike/types.js';
import { hex } from '../helpers/build.js';
import * as B from './build-ike.js';
import { datagram, FIXTURES, type DatagramOptions } from './fixtures.js';

const I = '192.0.2.1';
const R = '198.51.100.2';
const ISPI = '0123456789abcdef';
const RSPI = 'fedcba9876543210';

let frame = 0;
function msg(bytes: Uint8Array, options: DatagramOptions = {}): IkeMessage {
  frame += 1;
  return parseIkeMessage(datagram(bytes, { frame, seconds: frame, ...options }));
}

/** Builds an IKEv2 message from the initiator (I flag) or the responder, as request or response. */
function v2(exchange: number, messageId: number, from: 'I' | 'R', response: boolean, payloads: B.PayloadSpec[] = [], rspi = RSPI): Uint8Array {
  const flags = (from === 'I' ? 0x08 : 0) | (response ? 0x20 : 0);
  return B.message({ initiatorSpi: ISPI, responderSpi: rspi, exchange, messageId, flags }, payloads);
}

function fromI(options: DatagramOptions = {}): DatagramOptions {
  return { src: I, dst: R, ...options };
}

function fromR(options: DatagramOptions = {}): DatagramOptions {
  return { src: R, dst: I, ...options };
}

const sk: B.PayloadSpec[] = [{ type: 46, next: 35, body: new Uint8Array(32) }];

describe('IKEv2 exchange pairing', () => {
  it('pairs IKE_SA_INIT request and response', () => {
    const t = new ExchangeTracker();
    const req = msg(v2(34, 0, 'I', false, [{ type: 40, body: new Uint8Array(16) }], '0000000000000000'), fromI());
    t.observe(req);
    const res = t.observe(msg(v2(34, 0, 'R', true, [{ type: 40, body: new Uint8Array(16) }]), fromR()))!;
    expect([res.role, res.completes, res.request]).toEqual(['response', true, req]);
  });

  it('takes the responder SPI from the response', () => {
    const t = new ExchangeTracker();
    t.observe(msg(v2(34, 0, 'I', false, [], '0000000000000000'), fromI()));
    t.observe(msg(v2(34, 0, 'R', true), fromR()));
    expect(t.ikeSas.map((sa) => sa.responderSpi)).toEqual([RSPI]);
  });

  it('marks a request sent again with the same bytes as a retransmission', () => {
    const t = new ExchangeTracker();
    const bytes = v2(35, 1, 'I', false, sk);
    t.observe(msg(bytes, fromI()));
    const again = t.observe(msg(bytes, fromI()))!;
    expect([again.retransmission, again.exchange.retransmissions, again.ikeSa.retransmissions]).toEqual([true, 1, 1]);
  });

  it('marks a response sent again as a retransmission', () => {
    const t = new ExchangeTracker();
    t.observe(msg(v2(35, 1, 'I', false, sk), fromI()));
    const bytes = v2(35, 1, 'R', true, sk);
    t.observe(msg(bytes, fromR()));
    expect(t.observe(msg(bytes, fromR()))!.retransmission).toBe(true);
  });

  it('treats the same bytes in another input as one message', () => {
    const t = new ExchangeTracker();
    const bytes = v2(35, 1, 'I', false, sk);
    t.observe(msg(bytes, fromI({ input: 0 })));
    const other = t.observe(msg(bytes, fromI({ input: 1 })))!;
    expect([other.retransmission, other.duplicate, other.ikeSa.messages]).toEqual([false, true, 1]);
  });

  it('treats an IKE_SA_INIT retried with a cookie as a new request', () => {
    const t = new ExchangeTracker();
    t.observe(msg(v2(34, 0, 'I', false, [{ type: 40, body: new Uint8Array(16) }], '0000000000000000'), fromI()));
    t.observe(msg(v2(34, 0, 'R', true, [{ type: 41, body: B.notifyV2(16390, 0, new Uint8Array(0), new Uint8Array(8)) }], '0000000000000000'), fromR()));
    const retry = t.observe(msg(v2(34, 0, 'I', false, [{ type: 41, body: B.notifyV2(16390, 0, new Uint8Array(0), new Uint8Array(8)) }, { type: 40, body: new Uint8Array(16) }], '0000000000000000'), fromI()))!;
    expect([retry.role, retry.retransmission, retry.exchange.response]).toEqual(['request', false, null]);
  });

  it('keys exchanges by which side asked', () => {
    const t = new ExchangeTracker();
    t.observe(msg(v2(37, 0, 'R', false, sk), fromR()));
    const own = t.observe(msg(v2(37, 0, 'I', false, sk), fromI()))!;
    expect([own.role, own.retransmission, own.exchange.requestFromInitiator]).toEqual(['request', false, true]);
  });

  it('pairs a request from the responder with its response', () => {
    const t = new ExchangeTracker();
    t.observe(msg(v2(37, 3, 'R', false, sk), fromR()));
    const res = t.observe(msg(v2(37, 3, 'I', true, sk), fromI()))!;
    expect([res.role, res.completes, res.exchange.requestFromInitiator]).toEqual(['response', true, false]);
  });

  it('keeps one SA across port changes', () => {
    const t = new ExchangeTracker();
    t.observe(msg(v2(34, 0, 'I', false, [], '0000000000000000'), fromI({ srcPort: 500, dstPort: 500 })));
    t.observe(msg(v2(34, 0, 'R', true), fromR({ srcPort: 500, dstPort: 500 })));
    t.observe(msg(v2(35, 1, 'I', false, sk), fromI({ srcPort: 4500, dstPort: 4500 })));
    t.observe(msg(v2(37, 2, 'I', false, sk), fromI({ src: '203.0.113.7', srcPort: 61000, dstPort: 4500 })));
    expect([t.ikeSas.length, t.ikeSas[0]!.initiator, t.ikeSas[0]!.responder]).toEqual([1, { address: '203.0.113.7', port: 61000 }, { address: R, port: 4500 }]);
  });

  it('treats SKF fragments of one message as one message', () => {
    const t = new ExchangeTracker();
    const f1 = t.observe(msg(v2(35, 1, 'I', false, [{ type: 53, next: 35, body: B.skfBody(1, 2, new Uint8Array(16).fill(1)) }]), fromI()))!;
    const f2 = t.observe(msg(v2(35, 1, 'I', false, [{ type: 53, next: 0, body: B.skfBody(2, 2, new Uint8Array(16).fill(2)) }]), fromI()))!;
    expect([f1.fragment, f2.fragment, f2.retransmission, f2.ikeSa.messages]).toEqual([false, true, false, 1]);
  });

  it('marks a fragment number sent again as a retransmission', () => {
    const t = new ExchangeTracker();
    t.observe(msg(v2(35, 1, 'I', false, [{ type: 53, next: 35, body: B.skfBody(1, 2, new Uint8Array(16).fill(1)) }]), fromI()));
    const again = t.observe(msg(v2(35, 1, 'I', false, [{ type: 53, next: 35, body: B.skfBody(1, 2, new Uint8Array(16).fill(9)) }]), fromI()))!;
    expect(again.retransmission).toBe(true);
  });

  it('lists requests never answered when the capture ends', () => {
    const t = new ExchangeTracker();
    t.observe(msg(v2(37, 4, 'I', false, sk), fromI()));
    const result = t.finish();
    expect([result.unanswered.map((u) => u.exchange.messageId), result.ikeSas[0]!.unanswered]).toEqual([[4], 1]);
  });

  it('gives up on the oldest open request past the limit', () => {
    const t = new ExchangeTracker({ maxOpenRequests: 4 });
    for (let id = 1; id <= 10; id++) t.observe(msg(v2(37, id, 'I', false, sk), fromI()));
    expect(t.ikeSas[0]!.unanswered).toBe(6);
  });

  it('counts an IKE_AUTH response as establishing the SA', () => {
    const t = new ExchangeTracker();
    t.observe(msg(v2(35, 1, 'I', false, sk), fromI()));
    const res = msg(v2(35, 1, 'R', true, sk), fromR());
    t.observe(res);
    expect(t.ikeSas[0]!.established).toEqual(res.ref);
  });

  it('does not count a decrypted AUTHENTICATION_FAILED as established', () => {
    const t = new ExchangeTracker();
    t.observe(msg(v2(35, 1, 'I', false, sk), fromI()));
    const res = msg(v2(35, 1, 'R', true, sk), fromR());
    res.decrypted = true;
    res.inner = [{ kind: 'notify', type: 41, critical: false, offset: 32, length: 8, doi: null, protocolId: 0, spiSize: 0, spi: '', notifyType: 24, data: '' }];
    t.observe(res);
    expect(t.ikeSas[0]!.established).toBeNull();
  });

  it('marks the SA deleted by a Delete of protocol IKE', () => {
    const t = new ExchangeTracker();
    const del = msg(v2(37, 5, 'I', false, sk), fromI());
    del.inner = [{ kind: 'delete', type: 42, critical: false, offset: 32, length: 8, doi: null, protocolId: 1, spiSize: 0, count: 0, spis: [] }];
    t.observe(del);
    expect(t.ikeSas[0]!.deleted).toEqual(del.ref);
  });

  it('creates the new IKE SA of a rekey from the proposal SPIs', () => {
    const t = new ExchangeTracker();
    const proposal = (spi: string): IkePayload => ({ kind: 'sa', type: 33, critical: false, offset: 32, length: 48, doi: null, situation: null, proposals: [{ number: 1, protocolId: 1, spiSize: 8, spi, transforms: [] }] });
    const req = msg(v2(36, 6, 'R', false, sk), fromR());
    req.inner = [proposal('1111111111111111')];
    const res = msg(v2(36, 6, 'I', true, sk), fromI());
    res.inner = [proposal('2222222222222222')];
    t.observe(req);
    t.observe(res);
    const fresh = t.ikeSas[1]!;
    expect([fresh.initiatorSpi, fresh.responderSpi, fresh.rekeyOf, fresh.initiator?.address, fresh.established]).toEqual([
      '1111111111111111',
      '2222222222222222',
      { initiatorSpi: ISPI, responderSpi: RSPI },
      R,
      res.ref,
    ]);
  });

  it('ignores a message with a zero initiator SPI', () => {
    const t = new ExchangeTracker();
    expect(t.observe(msg(B.message({ initiatorSpi: '0000000000000000' }, [])))).toBeNull();
  });

  it('ignores a message without a header', () => {
    const t = new ExchangeTracker();
    expect(t.observe(msg(new Uint8Array(10)))).toBeNull();
  });
});

describe('IKEv1 exchange pairing', () => {
  function v1(exchange: number, messageId: number, payloads: B.PayloadSpec[], rspi = RSPI, flags = 0): Uint8Array {
    return B.message({ version: 1, initiatorSpi: ISPI, responderSpi: rspi, exchange, messageId, flags }, payloads);
  }

  function mainMode(): IkeMessage[] {
    return [
      msg(v1(2, 0, [{ type: 1, body: B.saV1(B.ikeProposalV1()) }], '0000000000000000'), fromI()),
      msg(v1(2, 0, [{ type: 1, body: B.saV1(B.ikeProposalV1()) }]), fromR()),
      msg(v1(2, 0, [{ type: 4, body: new Uint8Array(8).fill(1) }]), fromI()),
      msg(v1(2, 0, [{ type: 4, body: new Uint8Array(8).fill(2) }]), fromR()),
      msg(v1(2, 0, [{ type: 5, body: new Uint8Array(8).fill(3) }], RSPI, 1), fromI({ srcPort: 4500, dstPort: 4500 })),
      msg(v1(2, 0, [{ type: 5, body: new Uint8Array(8).fill(4) }], RSPI, 1), fromR({ srcPort: 4500, dstPort: 4500 })),
    ];
  }

  it('alternates request and response through Main Mode', () => {
    const t = new ExchangeTracker();
    expect(mainMode().map((m) => t.observe(m)!.role)).toEqual(['request', 'response', 'request', 'response', 'request', 'response']);
  });

  it('sets the initiator and response fields', () => {
    const t = new ExchangeTracker();
    const messages = mainMode();
    messages.forEach((m) => t.observe(m));
    expect(messages.map((m) => [m.initiator, m.response])).toEqual([[true, false], [false, true], [true, false], [false, true], [true, false], [false, true]]);
  });

  it('counts the 6th Main Mode message as establishing the SA', () => {
    const t = new ExchangeTracker();
    const messages = mainMode();
    messages.forEach((m) => t.observe(m));
    expect(t.ikeSas[0]!.established).toEqual(messages[5]!.ref);
  });

  it('does not count a retransmitted Main Mode message', () => {
    const t = new ExchangeTracker();
    const messages = mainMode();
    t.observe(messages[0]!);
    const again = t.observe(msg(v1(2, 0, [{ type: 1, body: B.saV1(B.ikeProposalV1()) }], '0000000000000000'), fromI()))!;
    expect([again.retransmission, again.exchange.messages]).toEqual([true, 1]);
  });

  it('takes the first message of a new message ID as the request', () => {
    const t = new ExchangeTracker();
    mainMode().forEach((m) => t.observe(m));
    const qm = [fromR(), fromI(), fromR()].map((o, i) => t.observe(msg(v1(32, 77, [{ type: 8, body: new Uint8Array(4).fill(i) }], RSPI, 1), o))!);
    expect(qm.map((q) => [q.role, q.exchange.requestFromInitiator])).toEqual([['request', false], ['response', false], ['request', false]]);
  });

  it('does not wait for an answer to an Informational exchange', () => {
    const t = new ExchangeTracker();
    t.observe(msg(FIXTURES.v1Info, fromI()));
    expect(t.finish().unanswered).toEqual([]);
  });

  it('marks the ISAKMP SA deleted by an ISAKMP delete of its cookies', () => {
    const t = new ExchangeTracker();
    mainMode().forEach((m) => t.observe(m));
    const info = msg(FIXTURES.v1Info, fromI());
    t.observe(info);
    expect(t.ikeSas[0]!.deleted).toEqual(info.ref);
  });

  it('keeps one SA across a NAT-T port change', () => {
    const t = new ExchangeTracker();
    mainMode().forEach((m) => t.observe(m));
    expect([t.ikeSas.length, t.ikeSas[0]!.initiator]).toEqual([1, { address: I, port: 4500 }]);
  });

  it('counts fragments once, by their reassembled message', () => {
    const t = new ExchangeTracker();
    const frag = t.observe(msg(B.message({ version: 1, initiatorSpi: ISPI, responderSpi: RSPI }, [{ type: 132, body: B.fragmentV1(1, 1, false, hex('00')) }]), fromI()))!;
    expect([frag.fragment, frag.ikeSa.messages]).toEqual([true, 0]);
  });
});
