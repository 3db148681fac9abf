import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { knownVendorIds, vendorName } from '../../src/ike/vendor-ids.js';
import { concat, hex } from '../helpers/build.js';

function md5(text: string): Uint8Array {
  return createHash('md5').update(text).digest();
}

describe('vendorName', () => {
  // tshark 4.0 shows the same names for these bytes (isakmp.vid_string).
  it.each([
    ['4a131c81070358455c5728f20e95452f', 'RFC 3947 NAT-T'],
    ['90cb80913ebb696e086381b5ec427b1f', 'draft-ietf-ipsec-nat-t-ike-02 (with newline)'],
    ['cd60464335df21f87cfdb2fc68b6a448', 'draft-ietf-ipsec-nat-t-ike-02'],
    ['7d9419a65310ca6f2c179d9215529d56', 'draft-ietf-ipsec-nat-t-ike-03'],
    ['afcad71368a1f1c96b8696fc77570100', 'RFC 3706 DPD'],
    ['09002689dfd6b712', 'XAUTH'],
    ['12f5f28c457168a9702d9fe274cc0100', 'Cisco Unity'],
    ['4048b7d56ebce88525e7de7f00d6c2d3c0000000', 'Cisco Fragmentation'],
    ['882fe56d6fd20dbc2251613b2ebe5beb', 'strongSwan'],
    ['1e2b516905991c7d7c96fcbfb587e46100000009', 'MS NT5 ISAKMPOAKLEY'],
    ['fb1de3cdf341b7ea16b7e5be0855f120', 'MS-Negotiation Discovery Capable'],
    ['26244d38eddb61b3172a36e3d0cfb819', 'Microsoft Vid-Initial-Contact'],
  ])('%s is %s', (vid, name) => {
    expect(vendorName(hex(vid))).toBe(name);
  });

  it('computes the table from MD5 hashes', () => {
    expect(knownVendorIds().find((k) => k.name === 'strongSwan')!.hex).toBe(Buffer.from(md5('strongSwan')).toString('hex'));
  });

  it('needs the whole hash for exact vendor IDs', () => {
    expect(vendorName(concat(md5('strongSwan'), hex('00')))).toBeNull();
  });

  it('shows a printable ASCII vendor ID as its text', () => {
    expect(vendorName(Buffer.from('CISCO-DELETE-REASON'))).toBe('CISCO-DELETE-REASON');
  });

  it('gives null for unknown binary bytes', () => {
    expect(vendorName(hex('c61baca1f1a60cc10800000000000000'))).toBeNull();
  });
});
