// The per-frame work both benchmark loops do: find the ESP SPI in an
// Ethernet frame (optionally 802.1Q-tagged) over IPv4 or IPv6, plain ESP or
// ESP in UDP 4500 (RFC 3948). Returns the SPI, or -1 when the frame carries
// no ESP (IKE, a non-ESP marker, a keepalive, anything else).

/** @param {Uint8Array} b @param {number} start @param {number} end */
export function espSpi(b, start, end) {
  let p = start + 12;
  if (end - p < 2) return -1;
  let type = (b[p] << 8) | b[p + 1];
  p += 2;
  if (type === 0x8100) {
    if (end - p < 4) return -1;
    type = (b[p + 2] << 8) | b[p + 3];
    p += 4;
  }
  let protocol;
  if (type === 0x0800) {
    if (end - p < 20) return -1;
    protocol = b[p + 9];
    p += (b[p] & 0x0f) * 4;
  } else if (type === 0x86dd) {
    if (end - p < 40) return -1;
    protocol = b[p + 6];
    p += 40;
  } else {
    return -1;
  }
  if (protocol === 17) {
    if (end - p < 12) return -1;
    const dstPort = (b[p + 2] << 8) | b[p + 3];
    p += 8;
    if (dstPort !== 4500) return -1;
    const spi = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
    return spi === 0 ? -1 : spi;
  }
  if (protocol !== 50 || end - p < 4) return -1;
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}
