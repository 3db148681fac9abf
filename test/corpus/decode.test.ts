// The decoder on every real capture of the shared corpus and the lab runs,
// checked against tshark 4.0 run here without keys: per-SPI ESP packet counts
// over frames that are not ICMP errors, and the IKE message count. Every
// capture the corpus manifest marks as malformed must yield an anomaly at
// the layer that is malformed. Differences from tshark are listed per file
// with the reason, after checking which side is wrong.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CaptureFormatError, openCapture } from '../../src/capture/index.js';
import { Decoder } from '../../src/decode/decoder.js';
import { parseIkeMessage } from '../../src/ike/message.js';
import { formatSpi } from '../../src/util/format.js';
import { RecordingSink } from '../decode/sink.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = resolve(repoRoot, '../shared');
const roots = [join(shared, 'corpus'), join(shared, 'lab-captures')];

const CAPTURE_NAME = /\.(pcap|pcapng|cap)(\.gz)?$/;
const SKIPPED_FOLDERS = new Set(['tshark-4.0-summaries', 'keys-derived', 'logs', 'keys', 'config']);

function listCaptures(folder: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) {
      if (!SKIPPED_FOLDERS.has(name)) out.push(...listCaptures(path));
    } else if (CAPTURE_NAME.test(name)) {
      out.push(path);
    }
  }
  return out;
}

/** Files the capture reader rejects on purpose, with the reason. */
const REJECTED: Record<string, string> = {
  'corpus/wireshark-wiki/fw1_mon2018.cap': 'a Solaris snoop file: only pcap and pcapng are read, and tshark reads snoop',
};

/**
 * Where our counts differ from tshark's: `esp` adds to tshark's count per SPI,
 * `ike` to its IKE message count.
 */
const TSHARK_DIFFERENCES: Record<string, { esp?: Record<string, number>; ike?: number; reason: string }> = {
  'corpus/nDPI/pcap/ipv6_in_gtp.pcap': {
    esp: { '0xff3b6603': -1 },
    reason: 'the ESP packet rides inside GTP-U (UDP 2152), which is reported as tunnel-gtpu and not opened; tshark decodes through GTP-U',
  },
  'corpus/tcpdump/esp_truncated.pcap': {
    esp: { '0xc0f7d4c3': -1 },
    reason: 'the capture keeps 4 bytes of the ESP header, so the sequence number is missing: we report an esp truncated anomaly instead of a packet, tshark shows the SPI alone',
  },
  'corpus/tcpdump/isakmp-pointer-loop.pcap': {
    ike: 1,
    reason: 'the ISAKMP Length field is 0: tshark 4.0 (dissect_isakmp) rejects a Length below the 28-byte header and shows Data, we pass the datagram to the IKE parser, which reports the bad length',
  },
  'corpus/zeek-spicy-ipsec/traces/ipsec-ikev1-zero-length.pcap': {
    ike: 1,
    reason: 'the ISAKMP Length field is 0: tshark 4.0 shows Data, we pass the datagram to the IKE parser, which reports the bad length',
  },
};

/**
 * Captures the manifest marks as malformed and the layers where they must be
 * reported. "ike" means the malformed part is the IKE message: the decoder
 * hands the datagram on, and the IKE parser (parseIkeMessage) reports it at
 * layer ike, ikev1 or ikev2.
 */
const MALFORMED: Record<string, { layers: string[]; note?: string }> = {
  'corpus/tcpdump/ikev2pI2-segfault.pcapng': { layers: ['ike'] },
  'corpus/tcpdump/ikev2-id-short.pcap': { layers: ['ike'] },
  'corpus/tcpdump/isakmp-delete-segfault.pcap': { layers: ['udp', 'ike'] },
  'corpus/tcpdump/isakmp-pointer-loop.pcap': { layers: ['ike'] },
  'corpus/tcpdump/isakmp-identification-segfault.pcap': { layers: ['ike'] },
  'corpus/tcpdump/isakmp-3948-oobr-2.pcap': { layers: ['udp'] },
  'corpus/tcpdump/isakmp-rfc3948-oobr.pcap': { layers: ['udp'] },
  'corpus/tcpdump/isakmp-various-oobr.pcap': { layers: ['ipv4', 'ike'] },
  'corpus/tcpdump/isakmpv1-attr-oobr.pcap': { layers: ['ipv4', 'ike'] },
  'corpus/tcpdump/isakmp-ikev1_n_print-oobr.pcap': { layers: ['ipv4', 'ike'] },
  'corpus/tcpdump/ikev1_id_ipv6_addr_subnet-oobr.pcap': { layers: ['ipv4', 'ike'] },
  'corpus/tcpdump/isakmp-no-none-np.pcapng': { layers: ['ike'] },
  'corpus/tcpdump/esp_truncated.pcap': { layers: ['esp'] },
  'corpus/tcpdump/heapoverflow-ip_demux_print.pcap': { layers: ['ah'] },
  'corpus/tcpdump/ospf-signed-integer-ubsan.pcap': {
    layers: [],
    note: 'only the OSPFv3 payload behind AH is malformed, and OSPF is not decoded here',
  },
  'corpus/zeek-spicy-ipsec/traces/ipsec-ikev1-payload-bad-length.pcap': { layers: ['ike'] },
  'corpus/zeek-spicy-ipsec/traces/ipsec-ikev1-zero-length.pcap': { layers: ['ike'] },
};

interface TsharkCounts {
  esp: Map<string, number>;
  ike: number;
}

/** Counts ESP per SPI and ISAKMP frames as tshark 4.0 dissects them, leaving out ICMP and ICMPv6 frames (their packets are quotes). */
function tsharkCounts(file: string): TsharkCounts {
  const output = execFileSync(
    'tshark',
    ['-n', '-r', file, '-Y', '(esp || isakmp) && !icmp && !icmpv6', '-T', 'fields', '-E', 'separator=/t', '-e', 'esp.spi', '-e', 'isakmp.ispi'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 },
  );
  const counts: TsharkCounts = { esp: new Map(), ike: 0 };
  for (const line of output.split('\n')) {
    if (line === '') continue;
    const [spis = '', ispi = ''] = line.split('\t');
    for (const spi of spis.split(',').filter((s) => s !== '')) counts.esp.set(spi, (counts.esp.get(spi) ?? 0) + 1);
    if (ispi !== '') counts.ike++;
  }
  return counts;
}

async function decodeFile(file: string): Promise<RecordingSink> {
  const source = await openCapture(file, 0);
  const sink = new RecordingSink();
  const decoder = new Decoder(sink);
  try {
    for (let batch = await source.next(); batch !== null; batch = await source.next()) for (const f of batch) decoder.decode(f);
  } finally {
    await source.close();
  }
  decoder.flush();
  return sink;
}

function ourEspCounts(sink: RecordingSink): Map<string, number> {
  const counts = new Map<string, number>();
  for (const packet of sink.esps) {
    const spi = formatSpi(packet.spi);
    counts.set(spi, (counts.get(spi) ?? 0) + 1);
  }
  return counts;
}

function sorted(map: Map<string, number>): [string, number][] {
  return [...map.entries()].filter(([, n]) => n !== 0).sort(([a], [b]) => a.localeCompare(b));
}

const available = existsSync(join(shared, 'corpus'));
const files = available ? roots.filter((r) => existsSync(r)).flatMap((r) => listCaptures(r)) : [];

describe.skipIf(!available)('decoder on the shared captures', () => {
  it('finds the captures', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('every malformed capture named here exists', () => {
    const names = new Set(files.map((f) => relative(shared, f)));
    expect(Object.keys(MALFORMED).filter((name) => !names.has(name))).toEqual([]);
  });

  for (const file of files) {
    const name = relative(shared, file);

    it(`${name} matches tshark`, async () => {
      if (REJECTED[name] !== undefined) {
        await expect(openCapture(file, 0)).rejects.toBeInstanceOf(CaptureFormatError);
        return;
      }
      const sink = await decodeFile(file);
      expect(sink.anomalies.filter((a) => a.cause === 'internal')).toEqual([]);

      const tshark = tsharkCounts(file);
      const difference = TSHARK_DIFFERENCES[name];
      const expectedEsp = new Map(tshark.esp);
      for (const [spi, delta] of Object.entries(difference?.esp ?? {})) expectedEsp.set(spi, (expectedEsp.get(spi) ?? 0) + delta);
      expect(sorted(ourEspCounts(sink))).toEqual(sorted(expectedEsp));
      expect(sink.ikes.length).toBe(tshark.ike + (difference?.ike ?? 0));
    });

    const malformed = MALFORMED[name];
    if (malformed !== undefined) {
      it(`${name} is reported at the malformed layer`, async () => {
        const sink = await decodeFile(file);
        const ikeAnomalies = sink.ikes.flatMap((d) => parseIkeMessage(d).anomalies);
        const layers = new Set([...sink.anomalies, ...ikeAnomalies].map((a) => (a.layer.startsWith('ike') ? 'ike' : a.layer)));
        for (const layer of malformed.layers) expect([...layers]).toContain(layer);
        if (malformed.layers.length === 0) expect([...layers]).toEqual([]);
      });
    }
  }

  it('ipv6_in_gtp.pcap reports its ESP frame as GTP-U', async () => {
    const sink = await decodeFile(join(shared, 'corpus/nDPI/pcap/ipv6_in_gtp.pcap'));
    expect(sink.notDecodedReasons.filter((r) => r.reason === 'tunnel-gtpu')).toHaveLength(2);
  });

  it('ipsec_client.pcap reassembles each IKE_AUTH from three fragments', async () => {
    const sink = await decodeFile(join(shared, 'corpus/zeek-spicy-ipsec/traces/ipsec_client.pcap'));
    expect(sink.ikes.filter((d) => d.ip.reassembled).map((d) => d.data.length)).toEqual([3468, 3468, 3468]);
  });

  it('ESP quoted in ICMP not counted', async () => {
    const sink = await decodeFile(join(shared, 'corpus/wireshark-wiki/ipsec_esp_capture_2/capture.pcap'));
    expect([sink.esps.length, sink.icmpErrors.filter((e) => e.quoted?.spi !== null).length]).toEqual([312, 312]);
  });
});
