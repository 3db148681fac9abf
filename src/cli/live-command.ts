// `spitrace live` and `spitrace interfaces`.

import type { Lang } from '../report/i18n.js';
import type { Io } from './io.js';

export interface LiveCommandOptions {
  interface: string;
  keys: string[];
  filter?: string;
  ndjson?: boolean;
  duration?: number;
  write?: string;
  ringSize: number;
  ringFiles: number;
  transientWindow: number;
  lang: Lang;
}

export async function runLive(_options: LiveCommandOptions, io: Io): Promise<number> {
  io.err.write('spitrace: live capture is not available in this build\n');
  return 2;
}

export async function runInterfaces(io: Io): Promise<number> {
  io.err.write('spitrace: interface listing is not available in this build\n');
  return 2;
}
