// Writes the benchmark capture: a little-endian microsecond pcap of Ethernet
// frames between 100 host pairs with one ESP SA per direction (200 SPIs).
// Pairs 0-87 send plain ESP over IPv4, pair 88 the same behind an 802.1Q tag,
// pair 89 ESP over IPv6, and pairs 90-99 ESP in UDP 4500 (RFC 3948). So about
// 90 % of frames are ESP over IPv4 (1 % of them VLAN-tagged), 10 % ESP in
// UDP and 1 % ESP over IPv6. One frame in 1667 is an IKEv2 datagram on UDP 500, cycling through
// IKE_SA_INIT and IKE_AUTH requests and responses. ESP payloads after the
// sequence number are 60 to 1400 bytes. Frames are spaced 15-25 µs apart.
// The output is deterministic for a given frame count.

import { closeSync, openSync, renameSync, writeSync } from 'node:fs';

const CHUNK = 8 << 20;
const MAX_FRAME = 14 + 4 + 40 + 8 + 8 + 1400 + 64;
const PAIRS = 100;
const IKE_EVERY = 1667;

/** mulberry32: a small deterministic PRNG, good enough to spread sizes and pairs. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function ipv4Checksum(b, at) {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (b[at + i] << 8) | b[at + i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * Writes `frames` frames to `path` (through a temporary file renamed at the
 * end, so an interrupted run leaves no partial capture behind).
 * Returns { frames, bytes, esp, ike }.
 */
export function generateCapture(path, frames) {
  const random = prng(0x5eed);
  const filler = new Uint8Array(2048);
  for (let i = 0; i < filler.length; i++) filler[i] = (random() * 256) | 0;
  const seq = new Uint32Array(2 * PAIRS);
  const buf = Buffer.allocUnsafe(CHUNK);
  const tmp = `${path}.partial`;
  const fd = openSync(tmp, 'w');
  let p = 0;
  let bytes = 0;
  let esp = 0;
  let ike = 0;
  let micros = 0;
  let ikeStep = 0;

  buf.writeUInt32LE(0xa1b2c3d4, 0);
  buf.writeUInt16LE(2, 4);
  buf.writeUInt16LE(4, 6);
  buf.writeInt32LE(0, 8);
  buf.writeUInt32LE(0, 12);
  buf.writeUInt32LE(262144, 16);
  buf.writeUInt32LE(1, 20);
  p = 24;

  for (let i = 0; i < frames; i++) {
    if (CHUNK - p < MAX_FRAME + 16) {
      writeSync(fd, buf, 0, p);
      bytes += p;
      p = 0;
    }
    micros += 15 + ((random() * 11) | 0);
    const record = p;
    let q = record + 16;
    const isIke = i % IKE_EVERY === IKE_EVERY - 1;
    const ikeMessage = isIke ? ikeStep++ : 0;
    // The four messages of one IKE SA setup share a host pair.
    const pair = isIke ? Math.floor(ikeMessage / 4) % PAIRS : (random() * PAIRS) | 0;
    // IKE requests go from the 198.51.100.x side (the initiator), responses back.
    const reverse = isIke ? ikeMessage % 2 === 1 : random() < 0.5;

    // Ethernet: peer MACs 02:00:00:00:pp:0d with d = 1 or 2.
    buf.set([0x02, 0, 0, 0, pair, reverse ? 1 : 2, 0x02, 0, 0, 0, pair, reverse ? 2 : 1], q);
    q += 12;
    if (pair === 88 && !isIke) {
      buf.writeUInt16BE(0x8100, q);
      buf.writeUInt16BE(100 + (pair & 0xf), q + 2);
      q += 4;
    }
    const v6 = pair === 89 && !isIke;
    buf.writeUInt16BE(v6 ? 0x86dd : 0x0800, q);
    q += 2;

    const ipStart = q;
    q += v6 ? 40 : 20;
    const udp = isIke || pair >= 90;
    const udpStart = q;
    if (udp) q += 8;

    if (isIke) {
      // IKEv2 header (RFC 7296 §3.1) and one payload: Nonce for IKE_SA_INIT, SK for IKE_AUTH.
      const step = ikeMessage % 4;
      const cycle = Math.floor(ikeMessage / 4);
      const authExchange = step >= 2;
      const response = step % 2 === 1;
      const bodyLength = authExchange ? 4 + 16 + 200 + 16 : 4 + 32;
      buf.writeUInt32BE(0x1ce00000 | (cycle & 0xfffff), q);
      buf.writeUInt32BE(pair, q + 4);
      // The responder's SPI is zero in the first IKE_SA_INIT request only (RFC 7296 §3.1).
      if (step === 0) buf.fill(0, q + 8, q + 16);
      else {
        buf.writeUInt32BE(0x2ce00000 | (cycle & 0xfffff), q + 8);
        buf.writeUInt32BE(pair, q + 12);
      }
      buf[q + 16] = authExchange ? 46 : 40;
      buf[q + 17] = 0x20;
      buf[q + 18] = authExchange ? 35 : 34;
      buf[q + 19] = response ? 0x20 : 0x08;
      buf.writeUInt32BE(authExchange ? 1 : 0, q + 20);
      buf.writeUInt32BE(28 + bodyLength, q + 24);
      q += 28;
      buf[q] = authExchange ? 35 : 0;
      buf[q + 1] = 0;
      buf.writeUInt16BE(bodyLength, q + 2);
      buf.set(filler.subarray(0, bodyLength - 4), q + 4);
      q += bodyLength;
      ike++;
    } else {
      const direction = 2 * pair + (reverse ? 1 : 0);
      const payload = 60 + ((random() * 1341) | 0);
      buf.writeUInt32BE((0xc1000000 | (pair << 8) | (reverse ? 2 : 1)) >>> 0, q);
      buf.writeUInt32BE(++seq[direction], q + 4);
      buf.set(filler.subarray(0, payload), q + 8);
      q += 8 + payload;
      esp++;
    }

    if (udp) {
      const port = isIke ? 500 : 4500;
      buf.writeUInt16BE(port, udpStart);
      buf.writeUInt16BE(port, udpStart + 2);
      buf.writeUInt16BE(q - udpStart, udpStart + 4);
      buf.writeUInt16BE(0, udpStart + 6);
    }
    if (v6) {
      buf.writeUInt32BE(0x60000000, ipStart);
      buf.writeUInt16BE(q - ipStart - 40, ipStart + 4);
      buf[ipStart + 6] = 50;
      buf[ipStart + 7] = 64;
      const a = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, pair];
      const b = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b, pair];
      buf.set(reverse ? b : a, ipStart + 8);
      buf.set(reverse ? a : b, ipStart + 24);
    } else {
      buf[ipStart] = 0x45;
      buf[ipStart + 1] = 0;
      buf.writeUInt16BE(q - ipStart, ipStart + 2);
      buf.writeUInt16BE(i & 0xffff, ipStart + 4);
      buf.writeUInt16BE(0x4000, ipStart + 6);
      buf[ipStart + 8] = 64;
      buf[ipStart + 9] = udp ? 17 : 50;
      buf.writeUInt16BE(0, ipStart + 10);
      const a = [198, 51, 100, pair + 1];
      const b = [203, 0, 113, pair + 1];
      buf.set(reverse ? b : a, ipStart + 12);
      buf.set(reverse ? a : b, ipStart + 16);
      buf.writeUInt16BE(ipv4Checksum(buf, ipStart), ipStart + 10);
    }

    const length = q - record - 16;
    buf.writeUInt32LE(1_700_000_000 + Math.floor(micros / 1e6), record);
    buf.writeUInt32LE(micros % 1e6, record + 4);
    buf.writeUInt32LE(length, record + 8);
    buf.writeUInt32LE(length, record + 12);
    p = q;
  }
  writeSync(fd, buf, 0, p);
  bytes += p;
  closeSync(fd);
  renameSync(tmp, path);
  return { frames, bytes, esp, ike };
}
