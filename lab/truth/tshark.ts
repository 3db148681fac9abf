// tshark 4.0 as the reference reader of a lab capture: the ESP packets on the
// wire, and (with key tables) what it can decrypt. Every run uses an empty
// personal configuration folder, so tshark reads neither the preferences nor
// the key tables of the user running the lab.

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../process.js';

export const TSHARK = '/usr/bin/tshark';

/** One ESP packet on the wire (outer header), as tshark decodes it. */
export interface WireEsp {
  frame: number;
  /** Capture timestamp, UNIX epoch seconds. */
  time: number;
  /** The same timestamp as tshark prints it, cut to microseconds. */
  timeText: string;
  src: string;
  dst: string;
  spi: string;
  seq: number;
}

/**
 * Runs tshark with a private configuration folder, into which the given key
 * table files are copied (Wireshark reads `esp_sa`, `ikev1_decryption_table`
 * and `ikev2_decryption_table` from there).
 */
export async function tshark(args: readonly string[], keyFiles: readonly string[] = []): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'spitrace-lab-tshark-'));
  try {
    const configDir = join(home, 'wireshark');
    mkdirSync(configDir, { recursive: true });
    for (const file of keyFiles) {
      if (existsSync(file)) copyFileSync(file, join(configDir, file.split('/').pop() ?? ''));
    }
    const result = await runCommand(TSHARK, args, {
      timeoutMs: 120_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: home, TZ: 'UTC' },
    });
    return result.stdout;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

export async function tsharkVersion(): Promise<string> {
  const result = await runCommand(TSHARK, ['-v'], { allowFailure: true });
  return (result.stdout.split('\n')[0] ?? '').trim();
}

function splitFields(line: string): string[] {
  return line.split('\t');
}

/** Returns the first of tshark's comma-separated occurrences (an outer header comes before an inner one). */
function first(value: string | undefined): string {
  return (value ?? '').split(',')[0] ?? '';
}

function epochText(value: string): string {
  const [whole, fraction = ''] = value.split('.');
  return `${whole}.${fraction.padEnd(6, '0').slice(0, 6)}`;
}

/**
 * ESP packets on the wire, without those quoted inside ICMP errors (which
 * tshark also decodes as ESP).
 */
export async function readWireEsp(capture: string): Promise<{ packets: WireEsp[]; icmpErrorsQuotingEsp: number }> {
  const output = await tshark([
    '-r', capture, '-n', '-Y', 'esp', '-T', 'fields', '-E', 'separator=/t',
    '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ipv6.src', '-e', 'ipv6.dst',
    '-e', 'esp.spi', '-e', 'esp.sequence', '-e', 'icmp.type', '-e', 'icmpv6.type',
  ]);
  const packets: WireEsp[] = [];
  let icmpErrorsQuotingEsp = 0;
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    const [frame, time, ipSrc, ipDst, ip6Src, ip6Dst, spi, seq, icmpType, icmp6Type] = splitFields(line);
    if (icmpType || icmp6Type) {
      icmpErrorsQuotingEsp += 1;
      continue;
    }
    const timeText = epochText(time ?? '0');
    packets.push({
      frame: Number(frame),
      time: Number(timeText),
      timeText,
      src: first(ipSrc) || first(ip6Src),
      dst: first(ipDst) || first(ip6Dst),
      spi: first(spi).replace(/^0x/, '').padStart(8, '0'),
      seq: Number(first(seq)),
    });
  }
  return { packets, icmpErrorsQuotingEsp };
}
