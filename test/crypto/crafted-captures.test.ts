// The crafted encrypted captures of scripts/gen-captures/keys.ts, read back
// through the capture reader, decoder, parser and decrypter with the key
// table written beside each, and compared with tshark 4.0 where it can
// decrypt them.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cases } from '../../scripts/gen-captures/keys.js';
import { openCapture } from '../../src/capture/index.js';
import { Decoder } from '../../src/decode/decoder.js';
import type { PacketSink } from '../../src/decode/types.js';
import { IkeDecrypter } from '../../src/ike/decrypt.js';
import { parseIkeMessage } from '../../src/ike/message.js';
import { loadKeys } from '../../src/keys/index.js';
import type { IkeDatagram } from '../../src/types.js';
import { tempDir } from '../helpers/temp.js';

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const dir = tempDir('spitrace-crafted-');

async function written(name: string): Promise<{ capture: string; keys: string }> {
  const c = cases.find((k) => k.file === `keys/${name}.pcap`)!;
  const capture = join(dir, c.file);
  mkdirSync(dirname(capture), { recursive: true });
  writeFileSync(capture, await c.build());
  for (const [file, content] of Object.entries(c.extras?.() ?? {})) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  return { capture, keys: join(dir, `keys/${name}.keys`) };
}

/** Frame number → "payload types" or the decrypt error, for every IKE message. */
async function decrypt(name: string): Promise<Map<number, string>> {
  const { capture, keys } = await written(name);
  const decrypter = new IkeDecrypter(await loadKeys([keys]));
  const datagrams: IkeDatagram[] = [];
  const ignore = () => undefined;
  const sink: PacketSink = { esp: ignore, ah: ignore, ike: (d) => datagrams.push(d), keepalive: ignore, icmpError: ignore, anomaly: ignore, notDecoded: ignore };
  const source = await openCapture(capture, 0);
  const decoder = new Decoder(sink);
  for (let batch = await source.next(); batch !== null; batch = await source.next()) for (const f of batch) decoder.decode(f);
  await source.close();
  const out = new Map<number, string>();
  for (const d of datagrams) {
    const m = parseIkeMessage(d);
    decrypter.process(m, d.data);
    out.set(m.ref.frame, m.decryptError ?? [...m.payloads, ...(m.inner ?? [])].map((p) => p.type).join(','));
  }
  return out;
}

function tshark(capture: string, keys: string): Map<number, string> {
  const home = tempDir('spitrace-tshark-');
  mkdirSync(join(home, 'wireshark'));
  for (const table of ['ikev2_decryption_table', 'ikev1_decryption_table']) {
    if (existsSync(join(keys, table))) writeFileSync(join(home, 'wireshark', table), readFileSync(join(keys, table)));
  }
  const run = spawnSync('tshark', ['-r', capture, '-Y', 'isakmp', '-T', 'fields', '-e', 'frame.number', '-e', 'isakmp.typepayload'], {
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: home },
    encoding: 'utf8',
  });
  const out = new Map<number, string>();
  for (const line of run.stdout.split('\n').filter(Boolean)) {
    const [frame, types] = line.split('\t');
    out.set(Number(frame), (types ?? '').split(',').filter((t) => t !== '2' && t !== '3').join(','));
  }
  return out;
}

describe('crafted encrypted captures', () => {
  it('SKF fragments reassemble on the frame that completes the set', async () => {
    const rows = await decrypt('ikev2-skf-gcm');
    expect([rows.get(3), rows.get(4), rows.get(5), rows.get(6)]).toEqual(['53', '53', '53', '53,35,39,41']);
  });

  it.skipIf(!hasTshark)('SKF capture payload types equal tshark 4.0', async () => {
    const { capture, keys } = await written('ikev2-skf-gcm');
    expect(await decrypt('ikev2-skf-gcm')).toEqual(tshark(capture, keys));
  });

  it('ChaCha20-Poly1305 decrypts with the IANA name in the table', async () => {
    const rows = await decrypt('ikev2-chacha20');
    expect([rows.get(3), rows.get(4)]).toEqual(['46,35,39,41', '46,36,39']);
  });

  it('a wrong integrity key leaves both IKE_AUTH messages encrypted', async () => {
    const rows = await decrypt('ikev2-wrong-integrity-key');
    expect([rows.get(3), rows.get(4)]).toEqual(['integrity-failed', 'integrity-failed']);
  });

  it('IKEv1 Aggressive Mode, Quick Mode retransmission and Delete decrypt', async () => {
    const rows = await decrypt('ikev1-aggressive-aes');
    expect([...rows.values()].slice(2)).toEqual(['8', '8,1,10', '8,1,10', '8,1,10', '8', '8,12']);
  });

  it.skipIf(!hasTshark)('IKEv1 Aggressive Mode equals tshark 4.0 except the retransmission it shows as malformed', async () => {
    const { capture, keys } = await written('ikev1-aggressive-aes');
    const ours = await decrypt('ikev1-aggressive-aes');
    const theirs = tshark(capture, keys);
    // tshark 4.0 chains the IV through the repeated frame 5, which repeats frame 4 byte for byte.
    expect(ours.get(5)).toBe(ours.get(4));
    ours.delete(5);
    theirs.delete(5);
    expect(ours).toEqual(theirs);
  });
});
