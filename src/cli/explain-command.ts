// `spitrace explain KIND`: what a finding means, what usually causes it and what to do.

import { explain } from '../report/catalog.js';
import { type Lang, ui } from '../report/i18n.js';
import { FINDING_KINDS, type FindingKind } from '../sa/findings.js';
import type { Io } from './io.js';

export function runExplain(kind: string | undefined, lang: Lang, io: Io): number {
  if (kind === undefined) {
    for (const k of FINDING_KINDS) io.out.write(explain(k, lang) + '\n');
    return 0;
  }
  if (!(FINDING_KINDS as readonly string[]).includes(kind)) {
    io.err.write(ui(lang, 'unknownKind', { kind, kinds: FINDING_KINDS.join(', ') }) + '\n');
    return 2;
  }
  io.out.write(explain(kind as FindingKind, lang));
  return 0;
}
