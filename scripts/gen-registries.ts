// Writes the IKE name tables in src/ike/registry/*.generated.ts from IANA's
// registry XML under scripts/iana/ (see scripts/iana/README.md). Values that
// IANA does not list but IKEv1 peers send come from scripts/iana/ikev1-non-iana.txt.
//
// Usage: npm run gen:registries [-- --check]
//   --check  compares instead of writing and exits 1 when a table differs.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const ianaDir = join(repoRoot, 'scripts', 'iana');
const outDir = join(repoRoot, 'src', 'ike', 'registry');
const check = process.argv.includes('--check');

/** One record of an IANA registry, with the text of the fields this script uses. */
interface IanaRecord {
  value: string;
  /** <description> in the IKEv2 file, <name> in the ISAKMP files; <br/> becomes a newline. */
  name: string;
  notation: string;
}

interface IanaFile {
  updated: string;
  registries: Map<string, IanaRecord[]>;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Text content of the first <tag> element in `xml`, with <br/> as a newline and other markup removed. */
function elementText(xml: string, tag: string): string {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(xml);
  if (!m) return '';
  const text = m[1]!.replace(/<br\s*\/>/g, '\n').replace(/<[^>]+>/g, '');
  return decodeEntities(text)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('\n');
}

/**
 * Reads the records of every registry in one IANA XML file. IANA nests
 * sub-registries inside their parent, so a stack tracks which registry a
 * record belongs to.
 */
function readIanaXml(file: string): IanaFile {
  const xml = readFileSync(join(ianaDir, file), 'utf8');
  const registries = new Map<string, IanaRecord[]>();
  const stack: string[] = [];
  const token = /<registry\b[^>]*\bid="([^"]+)"[^>]*>|<\/registry>|<record\b[^>]*>([\s\S]*?)<\/record>/g;
  for (let m = token.exec(xml); m !== null; m = token.exec(xml)) {
    if (m[1] !== undefined) {
      stack.push(m[1]);
      registries.set(m[1], []);
    } else if (m[0] === '</registry>') {
      stack.pop();
    } else {
      const body = m[2]!;
      const current = stack[stack.length - 1];
      if (current === undefined) throw new Error(`${file}: record outside any registry`);
      registries.get(current)!.push({
        value: elementText(body, 'value'),
        name: elementText(body, 'description') || elementText(body, 'name'),
        notation: elementText(body, 'notation'),
      });
    }
  }
  const updated = /<updated>([^<]+)<\/updated>/.exec(xml)?.[1] ?? 'unknown';
  return { updated, registries };
}

/** Names that mark a value as not assigned; tables leave those values out so lookups give unknown(n). */
function isPlaceholder(name: string): boolean {
  return /^(reserved|unassigned|private use|isakmp future use|doi specific use)\b/i.test(name) || /^RESERVED \(Future Use\)$/.test(name);
}

type NameOf = (record: IanaRecord) => string | null;

const byName: NameOf = (r) => r.name.split('\n')[0] ?? null;
/** The abbreviation IANA gives in parentheses: "Security Association (SA)" gives "SA". */
const byAbbreviation: NameOf = (r) => /\(([^()]+)\)\s*$/.exec(r.name.split('\n')[0] ?? '')?.[1] ?? null;
/** IKEv2 payload notation: "SA", and "Ni, Nr" becomes "Ni/Nr"; the first line when IANA lists variants. */
const byNotation: NameOf = (r) => (r.notation ? r.notation.split('\n')[0]!.replace(/,\s*/g, '/') : null);

/** Single values of a registry as [value, name] pairs; ranges and placeholders are left out. */
function table(file: IanaFile, ids: string[], nameOf: NameOf = byName): [number, string][] {
  const out: [number, string][] = [];
  for (const id of ids) {
    const records = file.registries.get(id);
    if (!records) throw new Error(`registry ${id} not found in the IANA file: check the ids against scripts/iana/`);
    for (const r of records) {
      if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(r.value)) continue;
      const name = nameOf(r);
      if (name === null || name === '' || isPlaceholder(name)) continue;
      out.push([Number(r.value), name]);
    }
  }
  return out;
}

/** Entries of scripts/iana/ikev1-non-iana.txt for one registry key. */
function supplements(key: string): [number, string][] {
  const text = readFileSync(join(ianaDir, 'ikev1-non-iana.txt'), 'utf8');
  const out: [number, string][] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [registry, value, name] = line.split('\t');
    if (registry === key && value !== undefined && name !== undefined) out.push([Number(value), name]);
  }
  return out;
}

function merge(...parts: [number, string][][]): [number, string][] {
  const map = new Map<number, string>();
  for (const part of parts) for (const [value, name] of part) if (!map.has(value)) map.set(value, name);
  return [...map.entries()].sort((a, b) => a[0] - b[0]);
}

interface Table {
  name: string;
  doc: string;
  entries: [number, string][];
}

/** Quotes text as a single-quoted TypeScript string literal. */
function quote(text: string): string {
  return "'" + text.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

function render(header: string, tables: Table[]): string {
  const lines = [header, ''];
  for (const t of tables) {
    lines.push(`/** ${t.doc} */`);
    lines.push(`export const ${t.name}: ReadonlyMap<number, string> = new Map([`);
    for (const [value, name] of t.entries) lines.push(`  [${value}, ${quote(name)}],`);
    lines.push(']);', '');
  }
  return lines.join('\n');
}

function ikev2Tables(): { source: IanaFile; tables: Table[] } {
  const f = readIanaXml('ikev2-parameters.xml');
  const tables: Table[] = [
    { name: 'exchangeTypes', doc: 'IKEv2 Exchange Types.', entries: table(f, ['ikev2-parameters-1']) },
    { name: 'payloadTypes', doc: 'IKEv2 Payload Types, by notation (SA, KE, IDi...).', entries: merge([[0, 'NONE']], table(f, ['ikev2-parameters-2'], byNotation)) },
    { name: 'transformTypes', doc: 'Transform Type Values, by abbreviation (ENCR, PRF, INTEG, KE, SN...).', entries: table(f, ['ikev2-parameters-3'], byAbbreviation) },
    { name: 'transformAttributeTypes', doc: 'IKEv2 Transform Attribute Types.', entries: table(f, ['ikev2-parameters-4']) },
    { name: 'encryptionAlgorithms', doc: 'Transform Type 1 - Encryption Algorithm Transform IDs.', entries: table(f, ['ikev2-parameters-5']) },
    { name: 'pseudorandomFunctions', doc: 'Transform Type 2 - Pseudorandom Function Transform IDs.', entries: table(f, ['ikev2-parameters-6']) },
    { name: 'integrityAlgorithms', doc: 'Transform Type 3 - Integrity Algorithm Transform IDs.', entries: table(f, ['ikev2-parameters-7']) },
    { name: 'keyExchangeMethods', doc: 'Transform Type 4 - Key Exchange Method Transform IDs.', entries: table(f, ['ikev2-parameters-8']) },
    { name: 'sequenceNumbers', doc: 'Transform Type 5 - Sequence Numbers Transform IDs.', entries: table(f, ['ikev2-parameters-9']) },
    { name: 'idTypes', doc: 'IKEv2 Identification Payload ID Types.', entries: table(f, ['ikev2-parameters-10']) },
    { name: 'certificateEncodings', doc: 'IKEv2 Certificate Encodings.', entries: table(f, ['ikev2-parameters-11']) },
    { name: 'authenticationMethods', doc: 'IKEv2 Authentication Method.', entries: table(f, ['ikev2-parameters-12']) },
    { name: 'notifyTypes', doc: 'IKEv2 Notify Message Error Types and Status Types.', entries: table(f, ['ikev2-parameters-14', 'ikev2-parameters-16']) },
    { name: 'securityProtocols', doc: 'IKEv2 Security Protocol Identifiers.', entries: table(f, ['ikev2-parameters-18']) },
    { name: 'trafficSelectorTypes', doc: 'IKEv2 Traffic Selector Types.', entries: table(f, ['ikev2-parameters-19']) },
    { name: 'cfgTypes', doc: 'IKEv2 Configuration Payload CFG Types.', entries: table(f, ['ikev2-parameters-20']) },
    { name: 'configurationAttributes', doc: 'IKEv2 Configuration Payload Attribute Types.', entries: table(f, ['ikev2-parameters-21']) },
    { name: 'gatewayIdentityTypes', doc: 'IKEv2 Gateway Identity Types (RFC 5685 REDIRECT).', entries: table(f, ['ikev2-parameters-22']) },
    { name: 'hashAlgorithms', doc: 'IKEv2 Hash Algorithms (RFC 7427 SIGNATURE_HASH_ALGORITHMS).', entries: table(f, ['hash-algorithms']) },
  ];
  return { source: f, tables };
}

function ikev1Tables(): { sources: IanaFile[]; tables: Table[] } {
  const ike = readIanaXml('ipsec-registry.xml');
  const doi = readIanaXml('isakmp-registry.xml');
  const tables: Table[] = [
    { name: 'exchangeTypes', doc: 'ISAKMP Exchange Type and the IKE additions (Quick Mode, New Group Mode, Transaction).', entries: merge(table(ike, ['ipsec-registry-17', 'ipsec-registry-18']), supplements('exchange')) },
    { name: 'payloadTypes', doc: 'ISAKMP Next Payload Types, by abbreviation (SA, KE, ID...), with the NAT-T draft and fragmentation numbers.', entries: merge([[0, 'NONE']], table(ike, ['ipsec-registry-21'], byAbbreviation), supplements('payload')) },
    { name: 'domainsOfInterpretation', doc: 'ISAKMP Domain of Interpretation (DOI).', entries: table(ike, ['ipsec-registry-19']) },
    { name: 'notifyTypes', doc: 'ISAKMP Notify Message Types, IPsec DOI status types and RFC 3706 DPD.', entries: merge(table(ike, ['ipsec-registry-24', 'ipsec-registry-25']), table(doi, ['isakmp-registry-34', 'isakmp-registry-36']), supplements('notify')) },
    { name: 'protocolIds', doc: 'IPSEC Security Protocol Identifiers.', entries: table(doi, ['isakmp-registry-3']) },
    { name: 'isakmpTransformIds', doc: 'IPSEC ISAKMP Transform Identifiers.', entries: table(doi, ['isakmp-registry-5']) },
    { name: 'ahTransformIds', doc: 'IPSEC AH Transform Identifiers.', entries: table(doi, ['isakmp-registry-7']) },
    { name: 'espTransformIds', doc: 'IPSEC ESP Transform Identifiers.', entries: table(doi, ['isakmp-registry-9']) },
    { name: 'ipcompTransformIds', doc: 'IPSEC IPCOMP Transform Identifiers.', entries: table(doi, ['isakmp-registry-11']) },
    { name: 'idTypes', doc: 'IPSEC Identification Type.', entries: table(doi, ['isakmp-registry-31']) },
    { name: 'ikeAttributeTypes', doc: 'IKE phase 1 Attribute Classes.', entries: table(ike, ['ipsec-registry-2']) },
    { name: 'ikeEncryptionAlgorithms', doc: 'Encryption Algorithm Class Values (attribute 1).', entries: table(ike, ['ipsec-registry-4']) },
    { name: 'ikeHashAlgorithms', doc: 'Hash Algorithm (attribute 2).', entries: table(ike, ['ipsec-registry-6']) },
    { name: 'ikeAuthenticationMethods', doc: 'IPSEC Authentication Methods (attribute 3), with the XAUTH draft values.', entries: merge(table(ike, ['ipsec-registry-8']), supplements('ike-auth-method')) },
    { name: 'ikeGroupDescriptions', doc: 'Group Description (attribute 4).', entries: table(ike, ['ipsec-registry-10']) },
    { name: 'ikeGroupTypes', doc: 'Group Type (attribute 5).', entries: table(ike, ['ipsec-registry-12']) },
    { name: 'ikeLifeTypes', doc: 'Life Type (attribute 11).', entries: table(ike, ['ipsec-registry-14']) },
    { name: 'ipsecAttributeTypes', doc: 'IPSEC Security Association Attributes (phase 2).', entries: table(doi, ['isakmp-registry-13']) },
    { name: 'ipsecLifeTypes', doc: 'SA Life Type Values (attribute 1).', entries: table(doi, ['isakmp-registry-15']) },
    { name: 'ipsecEncapsulationModes', doc: 'Encapsulation Mode (attribute 4), with the NAT-T draft values.', entries: merge(table(doi, ['isakmp-registry-18']), supplements('ipsec-encapsulation-mode')) },
    { name: 'ipsecAuthenticationAlgorithms', doc: 'Authentication Algorithm (attribute 5).', entries: table(doi, ['isakmp-registry-20']) },
    { name: 'situationBits', doc: 'IPSEC Situation Definition bits.', entries: table(doi, ['isakmp-registry-1']) },
    { name: 'cfgTypes', doc: 'Mode Config attribute payload types (not IANA: draft-ietf-ipsec-isakmp-mode-cfg-05).', entries: merge(supplements('cfg-type')) },
    { name: 'configurationAttributes', doc: 'Mode Config and XAUTH attribute types (not IANA: the Mode Config and XAUTH drafts).', entries: merge(supplements('cfg-attribute')) },
  ];
  return { sources: [ike, doi], tables };
}

function writeOrCheck(path: string, content: string, changed: string[]): void {
  if (check) {
    if (!existsSync(path) || readFileSync(path, 'utf8') !== content) changed.push(path);
    return;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

const changed: string[] = [];
const v2 = ikev2Tables();
writeOrCheck(
  join(outDir, 'ikev2.generated.ts'),
  render(
    `// Generated by scripts/gen-registries.ts from IANA's "Internet Key Exchange Version 2 (IKEv2)\n` +
      `// Parameters" (scripts/iana/ikev2-parameters.xml, updated ${v2.source.updated}). Do not edit: run\n` +
      `// \`npm run gen:registries\`.`,
    v2.tables,
  ),
  changed,
);
const v1 = ikev1Tables();
writeOrCheck(
  join(outDir, 'ikev1.generated.ts'),
  render(
    `// Generated by scripts/gen-registries.ts from IANA's "Internet Key Exchange (IKE) Attributes"\n` +
      `// (scripts/iana/ipsec-registry.xml, updated ${v1.sources[0]!.updated}), "Magic Numbers for ISAKMP\n` +
      `// Protocol" (scripts/iana/isakmp-registry.xml, updated ${v1.sources[1]!.updated}) and the non-IANA\n` +
      `// values in scripts/iana/ikev1-non-iana.txt. Do not edit: run \`npm run gen:registries\`.`,
    v1.tables,
  ),
  changed,
);

if (check && changed.length > 0) {
  process.stderr.write(`registry tables differ from the generator:\n${changed.map((p) => '  ' + p).join('\n')}\n`);
  process.exit(1);
}
process.stderr.write(check ? 'registry tables match the generator\n' : `wrote ${v2.tables.length + v1.tables.length} registry tables\n`);
