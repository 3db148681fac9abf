// The spitrace command line: analyze, explain, keys, live, interfaces.
// Exit status: 0 no error finding, 1 at least one error finding, 2 usage
// errors and unreadable input, 3 internal errors (bin/spitrace.js).

import { Command, CommanderError, Option } from 'commander';
import { closeEarly, startEarly } from '../capture/worker-capture.js';
import { CATALOG } from '../report/catalog.js';
import { detectLang, fill, type Lang } from '../report/i18n.js';
import { FINDING_KINDS } from '../sa/findings.js';
import { HELP, type HelpText, localizeHelp } from './help.js';
import { UsageError, type Io } from './io.js';

// Each command's module is imported when the command runs, so that starting one command does not
// load the others (live capture loads the libpcap addon, analysis the whole pipeline).

/** Finds --lang before commander runs, so that help text itself can be translated. */
function langFromArgv(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--lang') return argv[i + 1];
    if (a.startsWith('--lang=')) return a.slice('--lang='.length);
  }
  return undefined;
}

/** Collects a repeatable option. It starts undefined rather than [], so that --help shows no "(default: [])". */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Returns a parser for an option that takes a number >= 0 of `unit` (seconds by default). */
function positiveNumber(h: HelpText, name: string, unit = h.seconds) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(fill(h.badNumber, { name, unit, value }));
    return n;
  };
}

/** Returns a parser for an option that takes a whole number >= 1. */
function countOf(h: HelpText, name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new UsageError(fill(h.badCount, { name, value }));
    return Number(value);
  };
}

/** Returns the parser of --lang: English or Japanese, as a language tag or a locale name (ja, ja_JP.UTF-8, en-US). */
function language(h: HelpText) {
  return (value: string): string => {
    if (!/^(en|ja)([-_.].*)?$/i.test(value)) throw new UsageError(fill(h.badLang, { value }));
    return value;
  };
}

function kindsHelp(lang: Lang): string {
  const width = Math.max(...FINDING_KINDS.map((k) => k.length));
  const lines = FINDING_KINDS.map((k) => `  ${k.padEnd(width)}  ${CATALOG[k][lang].title}`);
  return `\n${HELP[lang].kindsHeading}\n${lines.join('\n')}\n`;
}

function buildProgram(io: Io, lang: Lang, setCode: (code: number) => void): Command {
  const h = HELP[lang];
  const program = new Command('spitrace')
    .description(h.program)
    .version('0.1.0', '-V, --version', h.versionOption)
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) })
    .exitOverride();
  localizeHelp(program, lang);

  program
    .command('analyze')
    .description(h.analyze)
    .argument('<capture...>', h.captureArg)
    .option('-k, --keys <path>', h.keys, collect)
    .addOption(new Option('--json', h.json).conflicts('ndjson'))
    .option('--ndjson', h.ndjson)
    .option('--ike', h.ike)
    .option('--transient-window <seconds>', h.transientWindow, positiveNumber(h, '--transient-window'), 2)
    .option('--evidence <file>', h.evidence)
    .option('--max-frames <n>', h.maxFrames, countOf(h, '--max-frames'), 20)
    .option('--timeline', h.timeline)
    .option('--lang <lang>', h.lang, language(h))
    .addHelpText('after', kindsHelp(lang))
    .action(async (captures: string[], options) => {
      // The thread that reads a large capture starts while the analysis modules load.
      startEarly(captures);
      try {
        const { runAnalyze } = await import('./analyze-command.js');
        setCode(await runAnalyze(captures, { ...options, keys: options.keys ?? [], lang: detectLang(options.lang) }, io));
      } finally {
        await closeEarly();
      }
    });

  program
    .command('explain')
    .description(h.explain)
    .argument('[kind]', h.kindArg)
    .option('--lang <lang>', h.lang, language(h))
    .addHelpText('after', kindsHelp(lang))
    .action(async (kind: string | undefined, options) => {
      const { runExplain } = await import('./explain-command.js');
      setCode(runExplain(kind, detectLang(options.lang), io));
    });

  program
    .command('keys')
    .description(h.keysCommand)
    .argument('<path...>', h.keysPathArg)
    .option('--wireshark <dir>', h.wireshark)
    .option('--json', h.keysJson)
    .option('--lang <lang>', h.lang, language(h))
    .action(async (paths: string[], options) => {
      const { runKeysCommand } = await import('./keys-command.js');
      setCode(await runKeysCommand(paths, { wireshark: options.wireshark, json: options.json, lang: detectLang(options.lang) }, io.out, io.err));
    });

  program
    .command('live')
    .description(h.live)
    .requiredOption('-i, --interface <name>', h.iface)
    .option('-k, --keys <path>', h.keys, collect)
    .option('--filter <bpf>', h.filter)
    .option('--ndjson', h.ndjson)
    .option('--duration <seconds>', h.duration, positiveNumber(h, '--duration'))
    .option('--write <dir>', h.write)
    .option('--ring-size <MiB>', h.ringSize, positiveNumber(h, '--ring-size', 'MiB'), 64)
    .option('--ring-files <n>', h.ringFiles, countOf(h, '--ring-files'), 8)
    .option('--transient-window <seconds>', h.transientWindow, positiveNumber(h, '--transient-window'), 2)
    .option('--lang <lang>', h.lang, language(h))
    .action(async (options) => {
      const { runLive } = await import('./live-command.js');
      setCode(await runLive({ ...options, keys: options.keys ?? [], lang: detectLang(options.lang) }, io));
    });

  program
    .command('interfaces')
    .description(h.interfaces)
    .option('--lang <lang>', h.lang, language(h))
    .action(async (options) => {
      const { runInterfaces } = await import('./live-command.js');
      setCode(await runInterfaces(io, detectLang(options.lang)));
    });

  return program;
}

/** Runs the command line and returns the exit status. */
export async function main(argv: string[], io: Io = { out: process.stdout, err: process.stderr }): Promise<number> {
  const lang = detectLang(langFromArgv(argv));
  let code = 0;
  const program = buildProgram(io, lang, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit code 0 through the same path.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      io.err.write(`spitrace: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
