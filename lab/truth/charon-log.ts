// Reads a charon file log written with
//   time_format = %Y-%m-%dT%H:%M:%S, time_add_ms = yes, ike_name = yes
// and the process running in TZ=UTC. A line is
//   2026-12-04T21:19:06.958 12[CHD] <lab|1> adding inbound ESP SA
// and a chunk printed with %B continues on the following lines of the same
// thread as a hex dump ("   0: 8C A7 4A ...  ascii"), after a line ending in
// "=> N bytes @ 0x...". Entries fold each dump into the line that announced it.

/** One log message, with the bytes of its hex dump when it had one. */
export interface LogEntry {
  /** Position in the file, 0-based over entries. */
  index: number;
  /** UNIX epoch seconds, millisecond resolution (charon truncates). */
  time: number;
  thread: number;
  group: string;
  /** IKE_SA context from the `<name|uid>` prefix, when the line has one. */
  ikeName?: string;
  ikeUid?: number;
  text: string;
  /** Hex of the dumped chunk (lowercase), for lines "LABEL => N bytes @ ADDR". */
  dump?: string;
  dumpLabel?: string;
  dumpLength?: number;
}

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}) (\d+)\[([A-Z]+)\] (?:<(?:([^|>]*)\|)?(\d+)> )?(.*)$/;
const DUMP_HEADER = /^(.*?) ?=> (\d+) bytes @ (?:0x[0-9a-f]+|\(nil\))$/;
const DUMP_ROW = /^ *\d+: ((?:[0-9A-F]{2} ){0,15}[0-9A-F]{2})(?: |$)/;

export function parseCharonTime(stamp: string): number {
  return Date.parse(`${stamp}Z`) / 1000;
}

/** Parses a whole log; lines that do not match the format are skipped and counted. */
export function parseCharonLog(text: string): { entries: LogEntry[]; unparsed: number } {
  const entries: LogEntry[] = [];
  // Per thread, the entry whose dump is still being collected.
  const pendingDump = new Map<number, { entry: LogEntry; hex: string[] }>();
  let unparsed = 0;

  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const match = LINE.exec(line);
    if (!match) {
      unparsed += 1;
      continue;
    }
    const [, stamp, threadText, group, ikeName, ikeUidText, body] = match;
    const thread = Number(threadText);
    const pending = pendingDump.get(thread);
    if (pending) {
      const row = DUMP_ROW.exec(body ?? '');
      if (row?.[1]) {
        pending.hex.push(...row[1].split(' '));
        if (pending.hex.length >= (pending.entry.dumpLength ?? 0)) {
          pending.entry.dump = pending.hex.join('').toLowerCase();
          pendingDump.delete(thread);
        }
        continue;
      }
      // The dump ended early (should not happen); keep what was read.
      pending.entry.dump = pending.hex.join('').toLowerCase();
      pendingDump.delete(thread);
    }

    const entry: LogEntry = {
      index: entries.length,
      time: parseCharonTime(stamp ?? ''),
      thread,
      group: group ?? '',
      text: (body ?? '').trimEnd(),
    };
    if (ikeUidText !== undefined) {
      entry.ikeUid = Number(ikeUidText);
      entry.ikeName = ikeName ?? '';
    }
    const header = DUMP_HEADER.exec(entry.text);
    if (header) {
      entry.dumpLabel = (header[1] ?? '').trim();
      entry.dumpLength = Number(header[2]);
      if (entry.dumpLength > 0) {
        pendingDump.set(thread, { entry, hex: [] });
      } else {
        entry.dump = '';
      }
    }
    entries.push(entry);
  }
  for (const { entry, hex } of pendingDump.values()) entry.dump = hex.join('').toLowerCase();
  return { entries, unparsed };
}
