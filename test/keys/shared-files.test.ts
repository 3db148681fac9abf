// Every key file in the shared corpus and lab captures loads, and the keys
// read from both charon logs of each lab run equal the tables extracted from
// the same logs (which tshark 4.0 decrypts the captures with).

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadKeys, type EspSaEntry, type Ikev2KeyEntry, type KeySet } from '../../src/keys/index.js';
import { toHex } from '../../src/util/bytes.js';

const shared = resolve(fileURLToPath(new URL('../../', import.meta.url)), '../shared');
const corpus = join(shared, 'corpus');
const lab = join(shared, 'lab-captures');

function ikeRows(keys: KeySet): string[] {
  const hex = (s: { reveal(): Uint8Array } | null) => (s ? toHex(s.reveal()) : '-');
  return keys.ikev2
    .map((e: Ikev2KeyEntry) => [e.initiatorSpi, e.responderSpi, hex(e.skEi), hex(e.skEr), e.encryption?.name, hex(e.skAi), hex(e.skAr), e.integrity?.name].join(','))
    .sort();
}

function espRows(entries: readonly EspSaEntry[]): string[] {
  return entries
    .map((e) => [e.protocol, e.src, e.dst, e.spi, e.encryption, toHex(e.encryptionKey.reveal()), e.authentication, toHex(e.authenticationKey.reveal())].join(','))
    .sort();
}

describe.skipIf(!existsSync(shared))('shared key files', () => {
  const tables: [string, 'ikev2' | 'ikev1' | 'esp', number][] = [
    ['wireshark/ikev2_decryption_table.tmpl', 'ikev2', 9],
    ['wireshark/ikev1_decryption_table.tmpl', 'ikev1', 3],
    ['wireshark/esp_sa.tmpl', 'esp', 2],
    ['wireshark-wiki/ipsec_ikev2+esp_aes-gcm,aes-ctr,aes-cbc/ikev2_decryption_table', 'ikev2', 3],
    ['wireshark-wiki/ipsec_ikev2+esp_aes-gcm,aes-ctr,aes-cbc/esp_sa', 'esp', 6],
    ['wireshark-wiki/ipsec_ikev2+esp_aes-gcm,aes-ctr,aes-cbc/esp_sa.no_icv', 'esp', 6],
    ['wireshark-wiki/ipsec_esp_capture_1/esp_sa', 'esp', 24],
    ['wireshark-wiki/ipsec_esp_capture_2/esp_sa', 'esp', 2],
    ['wireshark-wiki/ipsec_esp_capture_3/esp_sa', 'esp', 3],
    ['wireshark-wiki/ipsec_esp_capture_5/esp_sa', 'esp', 2],
    ['keys-derived/tcpdump/02-sunrise-sunset-esp.pcap.esp_sa', 'esp', 1],
    ['keys-derived/tcpdump/08-sunrise-sunset-aes.pcap.esp_sa', 'esp', 1],
    ['keys-derived/tcpdump/08-sunrise-sunset-esp2.pcap.esp_sa', 'esp', 2],
    ['keys-derived/tcpdump/espudp1.pcap.esp_sa', 'esp', 1],
    ['keys-derived/tcpdump/ikev2pI2.pcap.ikev2_decryption_table', 'ikev2', 1],
    ['tcpdump/esp-secrets.txt', 'esp', 3],
    ['tcpdump/ikev2pI2-secrets.txt', 'ikev2', 1],
  ];
  for (const [file, kind, count] of tables) {
    it(`loads ${file}`, async () => {
      const keys = await loadKeys([join(corpus, file)]);
      expect(keys[kind].length).toBe(count);
    });
  }

  it('tcpdump ikev2 secrets equal the derived Wireshark table', async () => {
    const fromSecrets = await loadKeys([join(corpus, 'tcpdump/ikev2pI2-secrets.txt')]);
    const fromTable = await loadKeys([join(corpus, 'keys-derived/tcpdump/ikev2pI2.pcap.ikev2_decryption_table')]);
    expect(ikeRows(fromSecrets)).toEqual(ikeRows(fromTable));
  });

  const scenarios = ['ikev2-baseline', 'ikev2-rekey', 'ikev2-desync-restart', 'ikev1-mainmode-quickmode'];
  for (const scenario of scenarios) {
    describe(scenario, () => {
      for (const side of ['a', 'b']) {
        it(`charon-${side} IKE keys equal the tables`, async () => {
          const fromLog = await loadKeys([join(lab, scenario, 'logs', `charon-${side}.log.gz`)]);
          const fromTables = await loadKeys([join(lab, scenario, 'keys')]);
          expect([ikeRows(fromLog), fromLog.ikev1.map((e) => `${e.initiatorCookie},${toHex(e.encryptionKey.reveal())}`)]).toEqual([
            ikeRows(fromTables),
            fromTables.ikev1.map((e) => `${e.initiatorCookie},${toHex(e.encryptionKey.reveal())}`),
          ]);
        });

        it(`charon-${side} ESP SAs equal esp_sa`, async () => {
          const fromLog = await loadKeys([join(lab, scenario, 'logs', `charon-${side}.log.gz`)]);
          const fromTables = await loadKeys([join(lab, scenario, 'keys')]);
          expect(espRows(fromLog.esp)).toEqual(espRows(fromTables.esp));
        });
      }

      it('a scenario folder loads tables and logs and skips the rest', async () => {
        const keys = await loadKeys([join(lab, scenario)]);
        expect(keys.loaded.map((f) => f.format).sort()).toEqual(
          [...(scenario.startsWith('ikev1') ? ['ikev1_decryption_table'] : ['ikev2_decryption_table']), 'esp_sa', 'strongswan-log', 'strongswan-log'].sort(),
        );
      });
    });
  }
});
