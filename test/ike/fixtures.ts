// Hex fixtures of crafted IKE messages (made with build-ike.ts) and helpers
// that wrap bytes as the decoder's IkeDatagram. Each fixture notes what
// tshark 4.0 shows for it when sent over UDP 500.

import { hex } from '../helpers/build.js';
import type { FrameNumber, IkeDatagram, Timestamp } from '../../src/types.js';

function h(text: string): Uint8Array {
  return hex(text);
}

export const FIXTURES = {
  /** tshark: IKE_SA_INIT, payloads 33(2,3,3,3,3),34,40,41,43; notify 16388; KE group 14. */
  v2Init: h(`
    0123456789abcdef00000000000000002120220800000000000000a0220000300000002c010100040300000c0100000c
    800e01000300000802000005030000080300000c000000080400000e28000010000e0000001122334455667729000014
    000102030405060708090a0b0c0d0e0f2b00001c0000400400112233445566778899aabbccddeeff0011223300000014
    882fe56d6fd20dbc2251613b2ebe5beb`),
  /** tshark: INFORMATIONAL msgid 5, payloads 42,42; delete ESP c1a9656b ac0faf03 ff000001, AH 00001000 00002000. */
  v2Delete: h(`
    0123456789abcdeffedcba98765432102a20250800000005000000402a00001403040003c1a9656bac0faf03ff000001
    00000010020400020000100000002000`),
  /** tshark: INFORMATIONAL response msgid 7, two notifies 11 (INVALID_SPI); isakmp.spi c1a9656b on the first only. */
  v2InvalidSpi: h(`
    0123456789abcdeffedcba98765432102920252000000007000000342900000c0304000bc1a9656b0000000c0300000b
    ac0faf03`),
  /** tshark: IKE_AUTH msgid 1, payload 46 (SK, next payload 35). */
  v2AuthSk: h(`
    0123456789abcdeffedcba98765432102e202308000000010000006023000044abababababababababababababababab
    abababababababababababababababababababababababababababababababababababababababababababababababab`),
  /** tshark: IKE_AUTH msgid 1, payload 53 (SKF fragment 1 of 2, next payload 35). */
  v2Skf1: h(`
    0123456789abcdeffedcba987654321035202308000000010000004c2300003000010002cdcdcdcdcdcdcdcdcdcdcdcd
    cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd`),
  /**
   * tshark: IKE_AUTH without SK, payloads 35,37,38,39,47,44,45,48 (ID_FQDN west.example); tshark
   * adds BER errors because the certificate bytes are not real DER.
   */
  v2Clear: h(`
    0123456789abcdeffedcba98765432102320230800000001000000c12500001402000000776573742e6578616d706c65
    26000007043082270000190400000000000000000000000000000000000000002f000028020000000000000000000000
    0000000000000000000000000000000000000000000000002c0000100100000000010000000300002d00001801000000
    070000100000ffff0a0001000a0001ff3000001801000000070000100000ffff0a0002000a0002ff0000000902010005
    01`),
  /** tshark: Identity Protection (Main Mode), payloads 1,2,3,13,13,13,13; VIDs RFC 3947, DPD, XAUTH, CISCO-UNITY. */
  v1Mm1: h(`
    0123456789abcdef00000000000000000110020000000000000000a00d00003c00000001000000010000003001010001
    000000280101000080010007800e0080800200028003000180040002800b0001000c0004000151800d0000144a131c81
    070358455c5728f20e95452f0d000014afcad71368a1f1c96b8696fc775701000d00000c09002689dfd6b71200000014
    12f5f28c457168a9702d9fe274cc0100`),
  /** tshark: Identity Protection, payloads 4,10,20,130 (NAT-D under RFC 3947 and draft numbers). */
  v1Mm3: h(`
    0123456789abcdeffedcba98765432100410020000000000000000740a00001401010101010101010101010101010101
    140000140202020202020202020202020202020282000018030303030303030303030303030303030303030300000018
    0404040404040404040404040404040404040404`),
  /** tshark: Quick Mode msgid 0x11223344, payloads 8,1,2,3,10,5,5,21,131; isakmp.spi c0ffee01. */
  v1Quick: h(`
    0123456789abcdeffedcba98765432100810200011223344000000b40100001805050505050505050505050505050505
    050505050a00003800000001000000010000002c01030401c0ffee0100000020010c0000800100010002000400000e10
    800400018005000280060080050000140606060606060606060606060606060605000010040000000a000100ffffff00
    1500000c011101f40a0002018300000c01000000c000020a0000000c01000000c000020b`),
  /**
   * tshark: Informational msgid 0x55667788, payloads 8,11,11,12,12; notifies 11 (SPI c0ffee01) and
   * 36136 (R-U-THERE); deletes ESP c0ffee01 c0ffee02 and ISAKMP 0123456789abcdeffedcba9876543210.
   */
  v1Info: h(`
    0123456789abcdeffedcba98765432100810050055667788000000940b00001807070707070707070707070707070707
    070707070b000010000000010304000bc0ffee010c0000200000000101108d280123456789abcdeffedcba9876543210
    0000002a0c0000140000000103040002c0ffee01c0ffee020000001c00000001011000010123456789abcdeffedcba98
    76543210`),
  /** tshark: Transaction (Config Mode), payloads 8,14; ISAKMP_CFG_REPLY with XAUTH TYPE, USER NAME alice, USER PASSWORD, INTERNAL_IP4_ADDRESS 10.9.8.7. */
  v1Attr: h(`
    0123456789abcdeffedcba98765432100810060099aabbcc0000005c0e00001808080808080808080808080808080808
    080808080000002802000007c088000040890005616c696365408a000773656372657421000100040a090807`),
  /** tshark: Identity Protection, payload 132 (Cisco-Fragmentation), Frag ID 1, seq 2, last. */
  v1Frag: h('0123456789abcdeffedcba98765432108410020000000000000000280000000c00010201deadbeef'),
  /** tshark: exchange type "Unknown 43" (IKE_INTERMEDIATE), payload 46 with next payload 41. */
  v2Intermediate: h(`
    0123456789abcdeffedcba98765432102e202b08000000010000005029000034eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee
    eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee`),
};

export const T: Timestamp = { sec: 1_700_000_000, nsec: 0, digits: 6 };

export interface DatagramOptions {
  frame?: number;
  input?: number;
  seconds?: number;
  src?: string;
  dst?: string;
  srcPort?: number;
  dstPort?: number;
  /** Bytes of the datagram the capture cut off. */
  missing?: number;
}

/** Wraps IKE message bytes as the decoder would hand them over from UDP 500. */
export function datagram(data: Uint8Array, options: DatagramOptions = {}): IkeDatagram {
  return {
    kind: 'ike',
    ref: { input: options.input ?? 0, frame: (options.frame ?? 1) as FrameNumber, time: { ...T, sec: T.sec + (options.seconds ?? 0) } },
    ip: { version: 4, src: options.src ?? '192.0.2.1', dst: options.dst ?? '198.51.100.2', reassembled: false },
    transport: 'udp',
    srcPort: options.srcPort ?? 500,
    dstPort: options.dstPort ?? 500,
    nonEspMarker: false,
    data,
    missing: options.missing ?? 0,
  };
}
