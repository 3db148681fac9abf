// The spitrace command line: analyze, explain, keys, live, interfaces.
// Exit status: 0 no error finding, 1 at least one error finding, 2 usage
// errors and unreadable input, 3 internal errors (bin/spitrace.js).

import { Command, CommanderError, Option } from 'commander';
import { CATALOG } from '../report/catalog.js';
import { detectLang, type Lang } from '../report/i18n.js';
import { FINDING_KINDS } from '../sa/findings.js';
import { HELP, localizeHelp } from './help.js';
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

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} must be a number of seconds >= 0, got "${value}"`);
    return n;
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
    .option('-k, --keys <path>', h.keys, collect, [])
    .addOption(new Option('--json', h.json).conflicts('ndjson'))
    .option('--ndjson', h.ndjson)
    .option('--ike', h.ike)
    .option('--transient-window <seconds>', h.transientWindow, positiveNumber('--transient-window'), 2)
    .option('--evidence <file>', h.evidence)
    .option('--max-frames <n>', h.maxFrames, (v) => Math.max(1, Number.parseInt(v, 10) || 20), 20)
    .option('--timeline', h.timeline)
    .option('--lang <lang>', h.lang)
    .addHelpText('after', kindsHelp(lang))
    .action(async (captures: string[], options) => {
      const { runAnalyze } = await import('./analyze-command.js');
      setCode(await runAnalyze(captures, { ...options, lang: detectLang(options.lang) }, io));
    });

  program
    .command('explain')
    .description(h.explain)
    .argument('[kind]', h.kindArg)
    .option('--lang <lang>', h.lang)
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
    .option('--lang <lang>', h.lang)
    .action(async (paths: string[], options) => {
      const { runKeysCommand } = await import('./keys-command.js');
      setCode(await runKeysCommand(paths, { wireshark: options.wireshark, json: options.json, lang: detectLang(options.lang) }, io.out, io.err));
    });

  program
    .command('live')
    .description(h.live)
    .requiredOption('-i, --interface <name>', h.iface)
    .option('-k, --keys <path>', h.keys, collect, [])
    .option('--filter <bpf>', h.filter)
    .option('--ndjson', h.ndjson)
    .option('--duration <seconds>', h.duration, positiveNumber('--duration'))
    .option('--write <dir>', h.write)
    .option('--ring-size <MiB>', h.ringSize, positiveNumber('--ring-size'), 64)
    .option('--ring-files <n>', h.ringFiles, (v) => Math.max(1, Number.parseInt(v, 10) || 8), 8)
    .option('--transient-window <seconds>', h.transientWindow, positiveNumber('--transient-window'), 2)
    .option('--lang <lang>', h.lang)
    .action(async (options) => {
      const { runLive } = await import('./live-command.js');
      setCode(await runLive({ ...options, lang: detectLang(options.lang) }, io));
    });

  program
    .command('interfaces')
    .description(h.interfaces)
    .option('--lang <lang>', h.lang)
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
