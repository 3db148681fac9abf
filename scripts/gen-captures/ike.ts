// Crafted IKE captures for cases the corpus lacks: both encodings of an
// INVALID_SPI notify, Deletes listing several ESP and AH SPIs, IKEv1
// fragments out of order, IKE_INTERMEDIATE, and one frame per IKE parser
// guard. Messages come from test/ike/build-ike.ts; payloads that real peers
// would encrypt are sent in the clear so that tshark and our parser see them.
// Addresses are documentation ranges.

import { buildPcap } from '../../src/capture/writer.js';
import type { Timestamp } from '../../src/types.js';
import { MAX_PAYLOADS } from '../../src/ike/payloads.js';
import { at, concat, esp, ethernet, filler, hex, ipv4, nonEspMarker, udp, type Bytes } from '../../test/helpers/build.js';
import * as B from '../../test/ike/build-ike.js';
import type { CaptureCase } from './case.js';

const ETHERNET = 1;
const INITIATOR = '192.0.2.10';
const RESPONDER = '198.51.100.20';
const ISPI = '1a2b3c4d5e6f7081';
const RSPI = '9192a3b4c5d6e7f8';
const ZERO = '0000000000000000';

interface Frame {
  time: Timestamp;
  data: Uint8Array;
  origLength?: number;
}

/** Wraps an IKE message in Ethernet, IPv4 and UDP from the initiator or the responder, on 4500 after the non-ESP marker (RFC 3948 §2.2) when asked. */
function ike(message: Bytes, from: 'I' | 'R', port: 500 | 4500 = 500): Bytes {
  const payload = port === 4500 ? nonEspMarker(message) : message;
  const [src, dst] = from === 'I' ? [INITIATOR, RESPONDER] : [RESPONDER, INITIATOR];
  return ethernet(ipv4(udp(payload, port, port), { protocol: 17, src, dst }));
}

/** Frames one tenth of a second apart. */
function frames(...data: (Bytes | Frame)[]): Frame[] {
  return data.map((d, i) => (d instanceof Uint8Array ? { time: at(i / 10), data: d } : { ...d, time: at(i / 10) }));
}

function v2(exchange: number, messageId: number, from: 'I' | 'R', response: boolean, payloads: B.PayloadSpec[], rspi = RSPI): Bytes {
  const flags = (from === 'I' ? 0x08 : 0) | (response ? 0x20 : 0);
  return B.message({ initiatorSpi: ISPI, responderSpi: rspi, exchange, messageId, flags }, payloads);
}

/** Builds an SK payload whose bytes stand in for IV, ciphertext and ICV (RFC 7296 §3.14). */
function sk(firstInner: number, length = 64, seed = 0): B.PayloadSpec {
  return { type: 46, next: firstInner, body: filler(length, seed) };
}

/** IKE_SA_INIT request and response with NAT detection notifies, in the clear as always. */
function ikeSaInit(): Bytes[] {
  const natd = (type: number) => ({ type: 41, body: B.notifyV2(type, 0, new Uint8Array(0), filler(20, type)) });
  return [
    ike(v2(34, 0, 'I', false, [{ type: 33, body: B.saV2(B.ikeProposalV2()) }, { type: 34, body: concat(B.u16(14), B.u16(0), filler(256)) }, { type: 40, body: filler(32) }, natd(16388), natd(16389)], ZERO), 'I'),
    ike(v2(34, 0, 'R', true, [{ type: 33, body: B.saV2(B.ikeProposalV2()) }, { type: 34, body: concat(B.u16(14), B.u16(0), filler(256, 7)) }, { type: 40, body: filler(32, 9) }, natd(16388), natd(16389)]), 'R'),
  ];
}

const invalidSpi: CaptureCase = {
  file: 'ike/invalid-spi-encodings.pcap',
  purpose:
    'IKEv2: ESP on SPI 0xc1a9656b, then INFORMATIONAL requests (in the clear) reporting it with INVALID_SPI in both encodings: SPI size 4 with the SPI in the SPI field (frame 4), and SPI size 0 with the SPI in the notification data as RFC 7296 §3.10 asks (frame 6); frames 5 and 7 answer them.',
  build: () =>
    buildPcap(
      ETHERNET,
      frames(
        ...ikeSaInit(),
        ethernet(ipv4(esp(0xc1a9656b, 1), { protocol: 50, src: INITIATOR, dst: RESPONDER })),
        ike(v2(37, 0, 'R', false, [{ type: 41, body: B.notifyV2(11, 3, hex('c1a9656b')) }]), 'R'),
        ike(v2(37, 0, 'I', true, []), 'I'),
        ike(v2(37, 1, 'R', false, [{ type: 41, body: B.notifyV2(11, 3, new Uint8Array(0), hex('c1a9656b')) }]), 'R'),
        ike(v2(37, 1, 'I', true, []), 'I'),
      ),
    ),
};

const deletes: CaptureCase = {
  file: 'ike/delete-several-spis.pcap',
  purpose:
    'IKEv2 INFORMATIONAL (in the clear) whose request deletes three ESP SPIs and two AH SPIs of the initiator in two Delete payloads, and whose response deletes the paired SPIs of the responder; then a Delete of the IKE SA.',
  build: () =>
    buildPcap(
      ETHERNET,
      frames(
        ...ikeSaInit(),
        ike(v2(37, 2, 'I', false, [
          { type: 42, body: B.deleteV2(3, 4, [hex('c0000001'), hex('c0000002'), hex('c0000003')]) },
          { type: 42, body: B.deleteV2(2, 4, [hex('a0000001'), hex('a0000002')]) },
        ]), 'I'),
        ike(v2(37, 2, 'R', true, [
          { type: 42, body: B.deleteV2(3, 4, [hex('d0000001'), hex('d0000002'), hex('d0000003')]) },
          { type: 42, body: B.deleteV2(2, 4, [hex('b0000001'), hex('b0000002')]) },
        ]), 'R'),
        ike(v2(37, 3, 'I', false, [{ type: 42, body: B.deleteV2(1, 0, []) }]), 'I'),
        ike(v2(37, 3, 'R', true, []), 'R'),
      ),
    ),
};

/** Builds an IKEv1 Main Mode message 5 (ID, CERT and HASH, in the clear here) to be cut into fragments. */
function mainModeFive(): Bytes {
  return B.message({ version: 1, initiatorSpi: ISPI, responderSpi: RSPI }, [
    { type: 5, body: concat(B.u8(2), B.u8(17), B.u16(500), B.ascii('initiator.example')) },
    { type: 6, body: concat(B.u8(4), filler(600, 3)) },
    { type: 8, body: filler(20, 5) },
  ]);
}

function v1Fragment(id: number, number: number, last: boolean, data: Bytes): Bytes {
  return B.message({ version: 1, initiatorSpi: ISPI, responderSpi: RSPI }, [{ type: 132, body: B.fragmentV1(id, number, last, data) }]);
}

const v1Fragments: CaptureCase = {
  file: 'ike/ikev1-fragments-out-of-order.pcap',
  purpose:
    'IKEv1 Main Mode whose 5th message (ID, CERT, HASH) is sent on UDP 4500 in three fragments (payload 132, fragment ID 1) in the order 3 (last), 1, 1 again, 2: reassembly completes at frame 8 and ignores the duplicate; tshark 4.0 does not reassemble out-of-order fragments.',
  build: () => {
    const whole = mainModeFive();
    const size = Math.ceil(whole.length / 3);
    const piece = (n: number) => whole.subarray((n - 1) * size, n * size);
    const mm = (from: 'I' | 'R', payloads: B.PayloadSpec[], rspi = RSPI) => ike(B.message({ version: 1, initiatorSpi: ISPI, responderSpi: rspi }, payloads), from);
    return buildPcap(
      ETHERNET,
      frames(
        mm('I', [{ type: 1, body: B.saV1(B.ikeProposalV1()) }, { type: 13, body: hex('4048b7d56ebce88525e7de7f00d6c2d3') }], ZERO),
        mm('R', [{ type: 1, body: B.saV1(B.ikeProposalV1()) }, { type: 13, body: hex('4048b7d56ebce88525e7de7f00d6c2d3') }]),
        mm('I', [{ type: 4, body: filler(128, 1) }, { type: 10, body: filler(20, 2) }]),
        mm('R', [{ type: 4, body: filler(128, 3) }, { type: 10, body: filler(20, 4) }]),
        ike(v1Fragment(1, 3, true, piece(3)), 'I', 4500),
        ike(v1Fragment(1, 1, false, piece(1)), 'I', 4500),
        ike(v1Fragment(1, 1, false, piece(1)), 'I', 4500),
        ike(v1Fragment(1, 2, false, piece(2)), 'I', 4500),
      ),
    );
  },
};

const intermediate: CaptureCase = {
  file: 'ike/ike-intermediate.pcap',
  purpose:
    'IKEv2 IKE_SA_INIT, then two IKE_INTERMEDIATE exchanges (type 43, RFC 9242; tshark 4.0 shows "Unknown 43") and IKE_AUTH, all on UDP 4500 with SK payloads standing in for ciphertext.',
  build: () =>
    buildPcap(
      ETHERNET,
      frames(
        ...ikeSaInit(),
        ike(v2(43, 1, 'I', false, [sk(34, 96, 1)]), 'I', 4500),
        ike(v2(43, 1, 'R', true, [sk(34, 96, 2)]), 'R', 4500),
        ike(v2(43, 2, 'I', false, [sk(34, 96, 3)]), 'I', 4500),
        ike(v2(43, 2, 'R', true, [sk(34, 96, 4)]), 'R', 4500),
        ike(v2(35, 3, 'I', false, [sk(35, 256, 5)]), 'I', 4500),
        ike(v2(35, 3, 'R', true, [sk(36, 224, 6)]), 'R', 4500),
      ),
    ),
};

/** Returns one malformed message per IKE guard, in the order the purpose sentence lists them. */
function guardFrames(): Frame[] {
  const notify = { type: 41, body: B.notifyV2(16384) };
  const base = { initiatorSpi: ISPI, responderSpi: RSPI, exchange: 37, messageId: 9 };
  const badVersion = B.message(base, [notify]);
  badVersion[17] = 0x30;
  const longNotify = B.message(base, [{ type: 41, body: B.notifyV2(16388, 0, new Uint8Array(0), filler(20)) }]);
  const criticalUnknown = B.message(base, [{ type: 200, body: filler(4), critical: true }]);
  const manyPayloads = B.message(base, Array.from({ length: MAX_PAYLOADS + 1 }, () => ({ type: 43, body: hex('01') })));
  const all: (Bytes | Frame)[] = [
    ike(filler(12), 'I'),
    ike(badVersion, 'I'),
    ike(B.message({ ...base, length: 0 }, [notify]), 'I'),
    ike(B.message({ ...base, length: 400 }, [notify]), 'I'),
    { time: at(0), data: ike(longNotify, 'I').subarray(0, 14 + 20 + 8 + 40), origLength: ike(longNotify, 'I').length },
    ike(B.message(base, [{ ...notify, length: 3 }]), 'I'),
    ike(B.message(base, [{ ...notify, length: 200 }]), 'I'),
    ike(B.message({ ...base, version: 1, exchange: 5 }, [{ type: 11, body: B.notifyV1(24578), length: 0 }]), 'I'),
    ike(manyPayloads, 'I'),
    ike(B.message(base, [{ type: 42, body: B.deleteV2(3, 4, [hex('c0000001')], 4) }]), 'I'),
    ike(criticalUnknown, 'I'),
    ike(B.message(base, [notify], filler(6)), 'I'),
  ];
  return frames(...all);
}

const guards: CaptureCase = {
  file: 'ike/malformed-guards.pcap',
  purpose:
    'One malformed IKE message per parser guard, frames 1-12: header-truncated, unknown-major-version, message-length-below-header, message-length-past-datagram, a message cut by the capture (truncated), payload-length-below-header, payload-past-message, payload-chain-loop (IKEv1 payload of length 0), payload-count-limit, count-past-payload (Delete count), unknown-critical-payload, trailing-bytes.',
  build: () => buildPcap(ETHERNET, guardFrames()),
};

export const cases: CaptureCase[] = [invalidSpi, deletes, v1Fragments, intermediate, guards];
