// `spitrace live` and `spitrace interfaces` as a user runs them: the errors
// that stop a capture before it starts (exit status 2), the text output with
// a ring of files, and the end of a capture by --duration or SIGTERM. Parts
// that open an interface run inside network namespaces the test creates and
// need root; the rest runs anywhere.

import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipIn } from '../../lab/network.js';
import { DaemonRegistry, delay, waitFor } from '../../lab/process.js';
import { openCapture } from '../../src/capture/index.js';
import { linkTypeFromCap } from '../../src/capture/libpcap.js';
import { Decoder } from '../../src/decode/decoder.js';
import type { PacketSink } from '../../src/decode/types.js';
import type { EspPacket } from '../../src/types.js';
import { createPair, isRoot, LiveProcess, replay, repoRoot, spitraceBin, teardown, type NamespacePair } from './netns.js';

const root = isRoot();

/**
 * Runs spitrace to completion. It runs asynchronously because a blocked test
 * worker misses vitest's progress calls.
 */
function spitrace(args: string[], options: { bin?: string; netns?: string; asNobody?: boolean } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let command = [process.execPath, options.bin ?? spitraceBin, ...args];
  if (options.asNobody) command = ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...command];
  if (options.netns) command = ['/usr/sbin/ip', 'netns', 'exec', options.netns, ...command];
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { env: { ...process.env, LANG: 'C' }, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('link types the cap binding reports', () => {
  for (const [name, linkType] of [
    ['ETHERNET', 1],
    ['LINKTYPE_LINUX_SLL', 113],
    ['RAW', 101],
    ['NULL', 0],
    ['IEEE802_11_RADIO', 127],
    ['Unknown linktype 276', 276],
    ['Unknown linktype 12', 101],
    ['Unknown linktype 228', 228],
  ] as const) {
    it(`maps "${name}" to LINKTYPE ${linkType}`, () => {
      expect(linkTypeFromCap(name)).toBe(linkType);
    });
  }

  it('maps an unexpected string to null', () => {
    expect(linkTypeFromCap('something else')).toBeNull();
  });
});

describe('spitrace live before capturing', () => {
  it('rejects a ring size of zero', async () => {
    const result = await spitrace(['live', '-i', 'lo', '--write', join(tmpdir(), 'never-written'), '--ring-size', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--ring-size must be a size in MiB greater than 0');
  });

  it('lists the interfaces when the one given does not exist', async () => {
    const result = await spitrace(['live', '-i', 'no-such-if0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no capture interface named "no-such-if0"; interfaces: .*\blo\b/);
  });
});

describe('spitrace interfaces', () => {
  it('lists the loopback interface', async () => {
    const result = await spitrace(['interfaces']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^lo\s+\(loopback\)/m);
  });
});

/**
 * Copies the built command line into a folder whose node_modules contains
 * commander and, as `cap`, what `capFiles` describes: nothing, the package
 * without its native addon, or a stand-in that fails as a missing libpcap
 * makes it fail. Returns the copy's bin/spitrace.js.
 */
function installWithout(base: string, capFiles: Record<string, string> | null): string {
  const dir = mkdtempSync(join(base, 'install-'));
  cpSync(join(repoRoot, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(repoRoot, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(repoRoot, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(repoRoot, 'node_modules', 'commander'), join(dir, 'node_modules', 'commander'));
  if (capFiles) {
    mkdirSync(join(dir, 'node_modules', 'cap', 'lib'), { recursive: true });
    for (const [name, text] of Object.entries(capFiles)) writeFileSync(join(dir, 'node_modules', 'cap', name), text);
  }
  return join(dir, 'bin', 'spitrace.js');
}

describe('spitrace live without a working libpcap binding', () => {
  let base = '';

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'spitrace-live-install-'));
  });

  afterAll(() => {
    rmSync(base, { recursive: true, force: true });
  });

  it('says how to install the cap package', async () => {
    const result = await spitrace(['live', '-i', 'lo'], { bin: installWithout(base, null) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('install it with `npm install cap`');
  });

  it('says how to build the native addon', async () => {
    const bin = installWithout(base, {
      'package.json': JSON.stringify({ name: 'cap', main: './lib/Cap' }),
      'lib/Cap.js': "module.exports = require('../build/Release/cap.node');\n",
    });
    const result = await spitrace(['live', '-i', 'lo'], { bin });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('rebuild it with `npm rebuild cap`');
  });

  it('says that libpcap is missing', async () => {
    // What node reports when cap.node cannot load libpcap.so.0.8.
    const bin = installWithout(base, {
      'package.json': JSON.stringify({ name: 'cap', main: './lib/Cap' }),
      'lib/Cap.js': "throw Object.assign(new Error('libpcap.so.0.8: cannot open shared object file: No such file or directory'), { code: 'ERR_DLOPEN_FAILED' });\n",
    });
    const result = await spitrace(['live', '-i', 'lo'], { bin });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('live capture needs libpcap');
  });

  it('lists no interfaces and says why', async () => {
    const result = await spitrace(['interfaces'], { bin: installWithout(base, null) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('npm install cap');
  });
});

/** ESP packets of one capture file, by frame number. */
async function espByFrame(path: string): Promise<Map<number, EspPacket>> {
  const found = new Map<number, EspPacket>();
  const sink: PacketSink = {
    esp: (p) => found.set(p.ref.frame, p),
    ah: () => undefined,
    ike: () => undefined,
    keepalive: () => undefined,
    icmpError: () => undefined,
    anomaly: () => undefined,
    notDecoded: () => undefined,
  };
  const decoder = new Decoder(sink);
  const source = await openCapture(path, 0);
  try {
    for (;;) {
      const batch = await source.next();
      if (batch === null) break;
      for (const f of batch) decoder.decode(f);
    }
  } finally {
    await source.close();
  }
  return found;
}

const reason = root ? '' : ' (skipped: needs root to create network namespaces)';

describe.skipIf(!root)(`spitrace live on an interface${reason}`, () => {
  const registry = new DaemonRegistry();
  const namespaces: string[] = [];
  let pair: NamespacePair;
  let ringDir = '';

  beforeAll(async () => {
    pair = await createPair('cli', (name) => namespaces.push(name));
    ringDir = mkdtempSync(join(tmpdir(), 'spitrace-live-cli-'));
  });

  afterAll(async () => {
    const problems = await teardown(registry, namespaces);
    if (ringDir) rmSync(ringDir, { recursive: true, force: true });
    expect(problems).toEqual([]);
  });

  it('shows the filter compiler\'s message for a bad filter', async () => {
    const result = await spitrace(['live', '-i', pair.captureIface, '--filter', 'udp port bogus-port'], { netns: pair.capture });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/the capture filter does not compile: .*bogus-port/);
  });

  it('says that capturing needs root or CAP_NET_RAW', async () => {
    const result = await spitrace(['live', '-i', pair.captureIface], { netns: pair.capture, asNobody: true });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('needs root or the CAP_NET_RAW capability');
  });

  it('lists the namespace\'s interfaces with spitrace interfaces', async () => {
    const result = await spitrace(['interfaces'], { netns: pair.capture });
    expect(result.stdout).toMatch(/^veth-cap\b/m);
  });

  it('stops after --duration and prints the verdict', async () => {
    const result = await spitrace(['live', '-i', pair.captureIface, '--duration', '1'], { netns: pair.capture });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('No ESP, AH or IKE traffic found in 0 frame(s).');
  });

  describe('an interface that goes down and comes back', () => {
    let live: LiveProcess;
    let code: number | null = null;
    const capture = join(repoRoot, 'captures', 'decode', 'link-ethernet.pcap');

    beforeAll(async () => {
      live = await LiveProcess.start(registry, pair.capture, ['-i', pair.captureIface, '--ndjson']);
      await replay(registry, pair, capture);
      await ipIn(pair.capture, ['link', 'set', pair.captureIface, 'down']);
      await delay(2500);
      await ipIn(pair.capture, ['link', 'set', pair.captureIface, 'up']);
      await waitFor('the capture to resume', () => live.stderr.includes('resumed'), 15_000);
      await replay(registry, pair, capture);
      await delay(500);
      code = await live.stop('SIGINT');
    });

    it('reports the interruption', () => {
      expect(live.stderr).toContain(`capture on ${pair.captureIface} interrupted: libpcap reported an error: the interface went down or disappeared`);
    });

    it('resumes the capture', () => {
      expect(live.stderr).toContain(`capture on ${pair.captureIface} resumed`);
    });

    it('analyses the frames from before and after', () => {
      const summary = live.records.find((r) => r.record.record === 'summary')?.record;
      // link-ethernet.pcap has four ESP frames, replayed once on each side of the interruption.
      expect(summary?.frames).toBe(8);
    });

    it('ends with exit status 0', () => {
      expect(code).toBe(0);
    });
  });

  describe('a replayed desync in text with a ring of files', () => {
    let live: LiveProcess;
    let code: number | null = null;
    const capture = join(repoRoot, 'captures', 'scenarios', 'after-delete.pcap');

    beforeAll(async () => {
      live = await LiveProcess.start(registry, pair.capture, [
        '-i', pair.captureIface, '--keys', join(repoRoot, 'captures', 'scenarios', 'after-delete.keys'), '--write', ringDir, '--ring-size', '0.002', '--ring-files', '50',
      ]);
      await replay(registry, pair, capture);
      await new Promise((resolve) => setTimeout(resolve, 500));
      code = await live.stop('SIGTERM');
    });

    it('exits with status 1 for the error finding', () => {
      expect(code).toBe(1);
    });

    it('says why it stopped', () => {
      expect(live.stderr).toContain('capture stopped: SIGTERM');
    });

    it('prints the opening of the packet-level finding', () => {
      expect(live.stdout).toMatch(/ open {4}\[error\] spi-after-delete f\d+: /);
    });

    it('ends with the verdict and summary lines', () => {
      const lines = live.stdout.trim().split('\n');
      expect(lines.slice(-2)).toEqual([
        'persistent desync: 192.0.2.1 → 192.0.2.2 SPI 0xc2000001, 13 packet(s) dropped over 6.0 s, still failing when the capture ends',
        '35 frames, 29 ESP, 0 AH, 6 IKE (2 unencrypted, 4 decrypted, 0 not), 0 anomalies, 1 desync(s)',
      ]);
    });

    it('names ring frames that hold the flagged ESP packets', async () => {
      const flagged = live.stdout.split('\n').filter((l) => l.includes('spi-after-delete'));
      const places: [string, number][] = [];
      for (const line of flagged) {
        const ring = /\[ring (.*)\]$/.exec(line)?.[1] ?? '';
        for (const part of ring.split('; ').filter(Boolean)) {
          const [file, numbers] = part.split(' #') as [string, string];
          for (const range of numbers.split(', ')) {
            const [from, to] = range.split('-').map(Number) as [number, number | undefined];
            for (let n = from; n <= (to ?? from); n++) places.push([file, n]);
          }
        }
      }
      const spis = new Set<string>();
      for (const [file, n] of places) {
        const esp = (await espByFrame(join(ringDir, file))).get(n);
        spis.add(esp ? `0x${esp.spi.toString(16)}` : `frame ${n} of ${file} is not ESP`);
      }
      expect(places).toHaveLength(13);
      expect([...spis]).toEqual(['0xc2000001']);
    });
  });
});
