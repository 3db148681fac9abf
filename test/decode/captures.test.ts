import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/index.js';
import { Decoder } from '../../src/decode/decoder.js';
import { RecordingSink } from './sink.js';

// The crafted captures under captures/decode/, read from disk with the real
// capture reader. tshark 4.0 shows the same ESP and ISAKMP frames for them,
// with three exceptions. The decoder leaves ESP inside GTP-U and GRE alone
// (tunnels.pcap). It stops at a bad AH length or after 32 IPv6 extension
// headers, where tshark goes on (bad-lengths.pcap). And tshark has no RFC 8229
// dissector, so it shows plain TCP in tcp-rfc8229*.pcap.

const folder = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'captures', 'decode');

interface Summary {
  esp: number;
  ah: number;
  ike: number;
  keepalive: number;
  icmpError: number;
  /** "frame layer cause" of each anomaly. */
  anomalies: string[];
}

const expected: [string, Summary][] = [
  ['ah.pcap', { esp: 5, ah: 5, ike: 1, keepalive: 0, icmpError: 0, anomalies: [] }],
  [
    'bad-lengths.pcap',
    {
      esp: 3, ah: 3, ike: 1, keepalive: 0, icmpError: 0,
      anomalies: [
        '1 ipv4 malformed',
        '2 ipv4 malformed',
        '3 ipv4 malformed',
        '4 ipv4 malformed',
        '5 udp malformed',
        '6 udp malformed',
        '7 esp malformed',
        '8 ah malformed',
        '9 ah malformed',
        '10 ah malformed',
        '11 ipv6 malformed',
        '12 ipv4 malformed',
        '13 tcp malformed',
        '14 tcp malformed',
      ],
    },
  ],
  ['icmp-errors.pcap', { esp: 1, ah: 0, ike: 0, keepalive: 0, icmpError: 7, anomalies: [] }],
  ['ipv4-fragments-cut.pcap', { esp: 0, ah: 0, ike: 1, keepalive: 0, icmpError: 0, anomalies: ['1 ipv4 truncated'] }],
  ['ipv4-fragments-in-order.pcap', { esp: 1, ah: 0, ike: 1, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['ipv4-fragments-incomplete.pcap', { esp: 0, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: ['1 ipv4 truncated'] }],
  ['ipv4-fragments-out-of-order.pcap', { esp: 1, ah: 0, ike: 1, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['ipv4-fragments-overlap.pcap', { esp: 1, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: ['3 ipv4 malformed'] }],
  ['ipv4-options.pcap', { esp: 1, ah: 0, ike: 1, keepalive: 1, icmpError: 0, anomalies: [] }],
  ['ipv6-extension-headers.pcap', { esp: 4, ah: 1, ike: 1, keepalive: 0, icmpError: 0, anomalies: [] }],
  [
    'ipv6-fragments-overlap-incomplete.pcap',
    {
      esp: 1, ah: 0, ike: 0, keepalive: 0, icmpError: 0,
      anomalies: [
        '2 ipv6 malformed',
        '3 ipv6 truncated',
      ],
    },
  ],
  ['ipv6-fragments.pcap', { esp: 0, ah: 0, ike: 2, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['link-ethernet.pcap', { esp: 4, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['link-ipv4.pcap', { esp: 2, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['link-ipv6.pcap', { esp: 2, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['link-loop.pcap', { esp: 2, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['link-null-be.pcap', { esp: 2, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['link-null-le.pcap', { esp: 2, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['link-raw-12.pcap', { esp: 2, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['link-raw-14.pcap', { esp: 2, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['link-raw.pcap', { esp: 2, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['link-sll.pcap', { esp: 3, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['link-sll2.pcapng', { esp: 2, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['link-unsupported.pcap', { esp: 0, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['link-vlan.pcap', { esp: 4, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: [] }],
  ['nat-t.pcap', { esp: 5, ah: 0, ike: 5, keepalive: 1, icmpError: 0, anomalies: [] }],
  ['tcp-rfc8229-gap.pcap', { esp: 2, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: ['2 tcp truncated', '3 tcp truncated'] }],
  ['tcp-rfc8229.pcap', { esp: 3, ah: 0, ike: 3, keepalive: 0, icmpError: 0, anomalies: [] }],
  [
    'truncated-layers.pcap',
    {
      esp: 0, ah: 1, ike: 0, keepalive: 0, icmpError: 0,
      anomalies: [
        '1 ethernet truncated',
        '2 vlan truncated',
        '3 ipv4 truncated',
        '4 ipv6 truncated',
        '5 ipv6 truncated',
        '6 udp truncated',
        '7 esp truncated',
        '8 esp truncated',
        '9 ah truncated',
        '10 ah truncated',
        '11 tcp truncated',
        '12 icmp truncated',
      ],
    },
  ],
  ['tunnels.pcap', { esp: 0, ah: 0, ike: 0, keepalive: 0, icmpError: 0, anomalies: [] }],
];

async function summarise(file: string): Promise<Summary> {
  const source = await openCapture(join(folder, file), 0);
  const sink = new RecordingSink();
  const decoder = new Decoder(sink);
  try {
    for (let batch = await source.next(); batch !== null; batch = await source.next()) for (const f of batch) decoder.decode(f);
  } finally {
    await source.close();
  }
  decoder.flush();
  return {
    esp: sink.esps.length,
    ah: sink.ahs.length,
    ike: sink.ikes.length,
    keepalive: sink.keepalives.length,
    icmpError: sink.icmpErrors.length,
    anomalies: sink.anomalies.map((a) => `${a.frame} ${a.layer} ${a.cause}`),
  };
}

describe('crafted decode captures', () => {
  it('every file in the folder has an expectation', () => {
    expect(readdirSync(folder).sort()).toEqual(expected.map(([file]) => file).sort());
  });

  for (const [file, summary] of expected) {
    it(`${file} decodes as expected`, async () => {
      expect(await summarise(file)).toEqual(summary);
    });
  }
});
