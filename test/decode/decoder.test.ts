import { describe, expect, it } from 'vitest';
import { Decoder } from '../../src/decode/decoder.js';
import { ah, esp, filler, frame, ipv4 } from '../helpers/build.js';
import { RecordingSink } from './sink.js';

describe('Decoder', () => {
  it('backstop turns an exception into an internal anomaly', () => {
    const sink = new RecordingSink();
    sink.esp = () => {
      throw new Error('sink failed');
    };
    const decoder = new Decoder(sink);
    decoder.decode(frame(ipv4(esp(1, 1), { protocol: 50 }), { linkType: 101, number: 7 }));
    expect(sink.anomalies).toEqual([{ input: 0, frame: 7, layer: 'decoder', reason: 'internal error: sink failed', cause: 'internal' }]);
  });

  it('decoding goes on after an internal error', () => {
    const sink = new RecordingSink();
    let calls = 0;
    const record = sink.esp.bind(sink);
    sink.esp = (packet) => {
      calls++;
      if (calls === 1) throw new Error('once');
      record(packet);
    };
    const decoder = new Decoder(sink);
    decoder.decode(frame(ipv4(esp(1, 1), { protocol: 50 }), { linkType: 101, number: 1 }));
    decoder.decode(frame(ipv4(esp(1, 2), { protocol: 50 }), { linkType: 101, number: 2 }));
    expect(sink.esps.map((p) => p.seq)).toEqual([2]);
  });

  it('packet frame is not also undecoded', () => {
    const sink = new RecordingSink();
    new Decoder(sink).decode(frame(ipv4(ah(89, 5, 1, filler(16)), { protocol: 51 }), { linkType: 101 }));
    expect([sink.ahs.length, sink.notDecodedReasons.length]).toEqual([1, 0]);
  });

  it('flush with nothing pending reports nothing', () => {
    const sink = new RecordingSink();
    const decoder = new Decoder(sink);
    decoder.flush();
    decoder.flush();
    expect(sink.anomalies).toEqual([]);
  });
});
