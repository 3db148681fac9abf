// Writes every crafted capture under captures/ and the table in
// captures/README.md that says what each one is for. Deterministic: the same
// source gives the same bytes, so a diff after regeneration means a change.
//
// Usage: npm run gen:captures [-- --check]
//   --check  compares instead of writing and exits 1 when a file differs.

import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaptureCase } from './gen-captures/case.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'captures');
const check = process.argv.includes('--check');

async function loadCases(): Promise<{ section: string; cases: CaptureCase[] }[]> {
  const sections: { section: string; module: string }[] = [
    { section: 'Capture file formats', module: './gen-captures/formats.js' },
    { section: 'Link layers, encapsulations and malformed frames', module: './gen-captures/packets.js' },
    { section: 'IKE messages', module: './gen-captures/ike.js' },
    { section: 'Encrypted IKE with key tables', module: './gen-captures/keys.js' },
    { section: 'SA desynchronisation scenarios', module: './gen-captures/scenarios.js' },
  ];
  const out: { section: string; cases: CaptureCase[] }[] = [];
  for (const s of sections) {
    const path = fileURLToPath(new URL(s.module.replace(/\.js$/, '.ts'), import.meta.url));
    if (!existsSync(path)) continue;
    const mod = (await import(s.module)) as { cases: CaptureCase[] };
    out.push({ section: s.section, cases: mod.cases });
  }
  return out;
}

function writeOrCheck(path: string, data: Uint8Array | string, changed: string[]): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  if (check) {
    if (!existsSync(path) || !readFileSync(path).equals(bytes)) changed.push(path);
    return;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

const sections = await loadCases();
const changed: string[] = [];
const readme: string[] = [];
const lab = existsSync(join(root, 'lab', 'README.md'));

readme.push('# Captures made by spitrace itself', '');
readme.push('Every file here was made by this project. The crafted files come from');
readme.push('`scripts/gen-captures.ts` (run `npm run gen:captures`; `-- --check` verifies');
readme.push('that the committed bytes match the generator). Addresses are documentation');
readme.push('ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32).');
if (lab) readme.push('`lab/` holds runs of two real strongSwan peers recorded by `npm run lab`; see `lab/README.md`.');
readme.push('');

for (const { section, cases } of sections) {
  readme.push(`## ${section}`, '', '| file | purpose |', '|---|---|');
  for (const c of cases) {
    writeOrCheck(join(root, c.file), await c.build(), changed);
    for (const [extra, content] of Object.entries(c.extras?.() ?? {})) writeOrCheck(join(root, extra), content, changed);
    readme.push(`| \`${c.file}\` | ${c.purpose} |`);
  }
  readme.push('');
}
writeOrCheck(join(root, 'README.md'), readme.join('\n'), changed);

if (check && changed.length > 0) {
  process.stderr.write(`captures differ from the generator:\n${changed.map((p) => '  ' + p).join('\n')}\n`);
  process.exit(1);
}
process.stderr.write(check ? 'captures match the generator\n' : `wrote ${sections.reduce((n, s) => n + s.cases.length, 0)} captures\n`);
