// One crafted capture in captures/: its file name, what it is for, and how to build it.

export interface CaptureCase {
  /** Path under captures/, e.g. "formats/pcap-be-nsec.pcap". */
  file: string;
  /** One sentence for the table in captures/README.md: what the file exercises and what a reader should see. */
  purpose: string;
  build(): Uint8Array | Promise<Uint8Array>;
  /** Extra files written beside it (key tables, expected values), by path under captures/. */
  extras?: () => Record<string, string | Uint8Array>;
}
