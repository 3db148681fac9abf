import { describe, expect, it } from 'vitest';
import { parseIkeMessage } from '../../src/ike/message.js';
import type { IkeMessage, SaPayload } from '../../src/ike/types.js';
import { hex } from '../helpers/build.js';
import * as B from './build-ike.js';
import { datagram, FIXTURES } from './fixtures.js';

function parse(bytes: Uint8Array): IkeMessage {
  return parseIkeMessage(datagram(bytes));
}

function sa(msg: IkeMessage): SaPayload {
  const p = msg.payloads.find((x): x is SaPayload => x.kind === 'sa');
  if (!p) throw new Error('no SA payload');
  return p;
}

function reasons(msg: IkeMessage): string[] {
  return msg.anomalies.map((a) => a.reason.split(':')[0]!);
}

describe('IKEv2 SA payload', () => {
  const proposal = sa(parse(FIXTURES.v2Init)).proposals[0]!;

  it('reads the proposal header', () => {
    expect(proposal).toMatchObject({ number: 1, protocolId: 1, spiSize: 0, spi: '' });
  });

  it('reads transform types and IDs', () => {
    expect(proposal.transforms.map((t) => [t.transformType, t.id])).toEqual([[1, 12], [2, 5], [3, 12], [4, 14]]);
  });

  it('reads the key length attribute', () => {
    expect(proposal.transforms[0]!.attributes).toEqual([{ type: 14, value: 256, hex: null }]);
  });

  it('reads a 4-byte ESP SPI', () => {
    const msg = parse(B.message({ exchange: 36 }, [{ type: 33, body: B.saV2(B.espProposalV2(0xc1a9656b)) }]));
    expect(sa(msg).proposals[0]).toMatchObject({ protocolId: 3, spiSize: 4, spi: 'c1a9656b' });
  });

  it('reads several proposals', () => {
    const body = B.saV2(B.proposalV2(1, 3, hex('00000001'), [[1, 12]], false), B.proposalV2(2, 2, hex('00000002'), [[3, 12]]));
    const msg = parse(B.message({}, [{ type: 33, body }]));
    expect(sa(msg).proposals.map((p) => p.spi)).toEqual(['00000001', '00000002']);
  });

  it('flags a transform count past the proposal', () => {
    const msg = parse(B.message({}, [{ type: 33, body: B.proposalV2(1, 1, new Uint8Array(0), [[1, 12]], true, 3) }]));
    expect(reasons(msg)).toEqual(['count-past-payload']);
  });

  it('flags a proposal length below its header', () => {
    const bad = B.proposalV2(1, 1, new Uint8Array(0), [[1, 12]]);
    bad[3] = 4;
    const msg = parse(B.message({}, [{ type: 33, body: bad }]));
    expect(reasons(msg)).toEqual(['payload-length-below-header']);
  });

  it('flags a proposal running past the SA payload', () => {
    const bad = B.proposalV2(1, 1, new Uint8Array(0), [[1, 12]]);
    bad[3] = 200;
    const msg = parse(B.message({}, [{ type: 33, body: bad }]));
    expect(reasons(msg)).toEqual(['substructure-past-payload']);
  });

  it('flags an SPI size past the proposal', () => {
    const bad = B.proposalV2(1, 3, new Uint8Array(0), []);
    bad[6] = 4;
    const msg = parse(B.message({}, [{ type: 33, body: bad }]));
    expect(reasons(msg)).toContain('count-past-payload');
  });

  it('flags a TLV attribute past its transform', () => {
    const msg = parse(B.message({}, [{ type: 33, body: B.proposalV2(1, 1, new Uint8Array(0), [[1, 12, [hex('000e0010')]]]) }]));
    expect(reasons(msg)).toEqual(['substructure-past-payload']);
  });
});

describe('IKEv1 SA payload', () => {
  const payload = sa(parse(FIXTURES.v1Mm1));
  const transform = payload.proposals[0]!.transforms[0]!;

  it('reads the DOI and situation', () => {
    expect([payload.doi, payload.situation]).toEqual([1, 1]);
  });

  it('reads the phase 1 proposal', () => {
    expect(payload.proposals[0]).toMatchObject({ number: 1, protocolId: 1, spiSize: 0, spi: '' });
  });

  it('reads the transform number and ID', () => {
    expect([transform.number, transform.transformType, transform.id]).toEqual([1, null, 1]);
  });

  it('reads TV attributes', () => {
    expect(transform.attributes.slice(0, 6).map((a) => [a.type, a.value])).toEqual([[1, 7], [14, 128], [2, 2], [3, 1], [4, 2], [11, 1]]);
  });

  it('reads a 4-byte TLV life duration as a number', () => {
    expect(transform.attributes[6]).toEqual({ type: 12, value: 86400, hex: null });
  });

  it('reads the Quick Mode ESP SPI', () => {
    const p = sa(parse(FIXTURES.v1Quick)).proposals[0]!;
    expect(p).toMatchObject({ protocolId: 3, spiSize: 4, spi: 'c0ffee01' });
  });

  it('reads the Quick Mode transform attributes', () => {
    const t = sa(parse(FIXTURES.v1Quick)).proposals[0]!.transforms[0]!;
    expect(t.attributes.map((a) => [a.type, a.value])).toEqual([[1, 1], [2, 3600], [4, 1], [5, 2], [6, 128]]);
  });

  it('keeps a long TLV value as hex', () => {
    const body = B.saV1(B.proposalV1(1, 1, new Uint8Array(0), [B.transformV1Body(1, 1, [B.attributeTlv(12, hex('0000000000015180'))])]));
    const msg = parse(B.message({ version: 1 }, [{ type: 1, body }]));
    expect(sa(msg).proposals[0]!.transforms[0]!.attributes[0]).toEqual({ type: 12, value: null, hex: '0000000000015180' });
  });
});
