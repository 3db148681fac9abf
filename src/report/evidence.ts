// The evidence capture: the flagged packets, the frames that back each
// finding and the IKE messages of the tunnels involved, in one pcapng file
// whose packet comments name the findings, so an engineer can open just the
// evidence in Wireshark.

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { AnalysisResult } from '../analyze/result.js';
import { openCaptures } from '../capture/index.js';
import { pcapngEnhancedPacket, pcapngInterface, pcapngSectionHeader } from '../capture/writer.js';

/** Comments per frame: "input:frame" → finding ids and kinds. */
function selectFrames(r: AnalysisResult): Map<string, string[]> {
  const notes = new Map<string, string[]>();
  const add = (input: number, frame: number, note: string): void => {
    const key = `${input}:${frame}`;
    const list = notes.get(key);
    if (list) {
      if (!list.includes(note)) list.push(note);
    } else {
      notes.set(key, [note]);
    }
  };
  const peers = new Set<string>();
  for (const f of r.findings) {
    if (f.kind === 'spi-unknown-origin' || f.kind === 'ff-prefixed-spi') continue;
    for (const [input, frame] of f.frames) add(input, frame, `${f.id} ${f.kind}`);
    for (const e of f.evidence) add(e.at.input, e.at.frame, `${f.id} evidence: ${e.kind}`);
    if (f.recovery?.at) add(f.recovery.at.input, f.recovery.at.frame, `${f.id} recovery: ${f.recovery.kind}`);
    if (f.src && f.dst) peers.add(`${f.src}|${f.dst}`).add(`${f.dst}|${f.src}`);
  }
  for (const m of r.ikeMessages) {
    if (peers.has(`${m.src.address}|${m.dst.address}`)) add(m.ref.input, m.ref.frame, 'IKE');
  }
  return notes;
}

/** Writes the evidence pcapng; returns the number of frames written. */
export async function writeEvidence(paths: string[], r: AnalysisResult, outPath: string): Promise<number> {
  const notes = selectFrames(r);
  const out = createWriteStream(outPath);
  const write = async (bytes: Uint8Array): Promise<void> => {
    if (!out.write(bytes)) await once(out, 'drain');
  };
  await write(pcapngSectionHeader(`spitrace evidence from ${paths.join(', ')}`));
  const interfaces = new Map<string, number>();
  let written = 0;
  const merged = await openCaptures(paths);
  try {
    for (;;) {
      const batch = await merged.next();
      if (batch === null) break;
      for (const frame of batch) {
        const note = notes.get(`${frame.input}:${frame.frame}`);
        if (!note) continue;
        const ifKey = `${frame.input}|${frame.linkType}`;
        let id = interfaces.get(ifKey);
        if (id === undefined) {
          id = interfaces.size;
          interfaces.set(ifKey, id);
          await write(pcapngInterface(frame.linkType, 9, `input ${frame.input}`));
        }
        const comment = `input ${frame.input} frame ${frame.frame}: ${note.join('; ')}`;
        await write(pcapngEnhancedPacket(id, frame.time, frame.data, frame.origLength, 9, comment));
        written += 1;
      }
    }
  } finally {
    await merged.close();
    out.end();
    await once(out, 'finish');
  }
  return written;
}
