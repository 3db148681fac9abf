// Reads the IKE datagrams (and the decoder's anomalies) of a capture file
// through the real capture reader and decoder, for the corpus tests.

import { openCapture } from '../../src/capture/index.js';
import { Decoder } from '../../src/decode/decoder.js';
import type { PacketSink } from '../../src/decode/types.js';
import type { Anomaly, IkeDatagram } from '../../src/types.js';

export interface CaptureIke {
  datagrams: IkeDatagram[];
  anomalies: Anomaly[];
  frames: number;
}

export async function readIkeDatagrams(path: string, input = 0): Promise<CaptureIke> {
  const datagrams: IkeDatagram[] = [];
  const anomalies: Anomaly[] = [];
  const sink: PacketSink = {
    esp: () => {},
    ah: () => {},
    ike: (d) => datagrams.push(d),
    keepalive: () => {},
    icmpError: () => {},
    anomaly: (a) => anomalies.push(a),
    notDecoded: () => {},
  };
  const source = await openCapture(path, input);
  const decoder = new Decoder(sink);
  let frames = 0;
  try {
    for (let batch = await source.next(); batch !== null; batch = await source.next()) {
      for (const frame of batch) {
        frames += 1;
        decoder.decode(frame);
      }
    }
    decoder.flush();
  } finally {
    await source.close();
  }
  return { datagrams, anomalies, frames };
}
