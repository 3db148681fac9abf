// The table of IKE datagrams per IKE SA and direction.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analyze/pipeline.js';

const scenarios = join(import.meta.dirname, '..', '..', 'captures', 'scenarios');

describe('IKE datagram rows', () => {
  it('rows give the responder SPI of an IKE_SA_INIT request', async () => {
    const r = await analyzeFiles([join(scenarios, 'after-delete.pcap')]);
    const request = r.ikeDatagrams.find((row) => row.src === '192.0.2.1:500');
    expect(request?.exchanges).toEqual({ IKE_SA_INIT: 1 });
    expect(request?.responderSpi).toBe('23b6745518ae935c');
  });
});
