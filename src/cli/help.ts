// --help text in English and Japanese.

import { Help, type Command } from 'commander';
import type { Lang } from '../report/i18n.js';

export const HELP = {
  en: {
    program: 'Find IPsec Security Associations that fell out of sync, from packet captures.',
    analyze: 'Analyse captures: every ESP/AH SA per direction, IKE exchanges, and packets sent on SPIs their receiver did not have',
    captureArg: 'pcap, pcapng or gzip capture files ("-" reads standard input); several are merged by timestamp',
    keys: 'key material: a Wireshark ikev2/ikev1 decryption table or esp_sa file, a strongSwan charon log at level 4, tcpdump -E lines, or a folder of them (repeatable)',
    json: 'write the JSON report (schema spitrace.report/1) to standard output',
    ndjson: 'write one JSON record per line, in capture order',
    ike: 'also print every IKE message as a payload tree',
    transientWindow: 'an outage within this many seconds of an install, rekey or delete is transient',
    evidence: 'write the flagged packets and the IKE messages of their tunnels to this pcapng file',
    maxFrames: 'frames listed per finding in the text report',
    timeline: 'open the interactive timeline (needs a terminal)',
    lang: 'language of messages: en or ja (default: from LANG/LC_ALL)',
    explain: 'Explain a finding kind: what it means, usual causes, what to do',
    kindArg: 'finding kind (all kinds when omitted)',
    keysCommand: 'List what key files cover (IKE SPIs, algorithms, ESP SAs; never the keys)',
    keysPathArg: 'key files or folders',
    wireshark: 'write Wireshark ikev2_decryption_table, ikev1_decryption_table and esp_sa into this folder',
    keysJson: 'write the listing as JSON',
    live: 'Capture live on a lab interface and report findings as they happen',
    iface: 'interface to capture on (see `spitrace interfaces`)',
    filter: 'BPF capture filter (default: IKE, ESP, AH, NAT-T, TCP 4500, IP fragments, ICMP unreachable)',
    duration: 'stop after this many seconds',
    write: 'keep a ring of pcapng files of what was captured in this folder',
    ringSize: 'size of each ring file in MiB',
    ringFiles: 'number of ring files kept',
    interfaces: 'List capture interfaces',
    kindsHeading: 'Finding kinds (spitrace explain KIND says more):',
    usageTitle: 'Usage:',
    argumentsTitle: 'Arguments:',
    optionsTitle: 'Options:',
    commandsTitle: 'Commands:',
    globalOptionsTitle: 'Global Options:',
    helpOption: 'display help for command',
    helpCommand: 'display help for command',
    versionOption: 'output the version number',
    defaultLabel: 'default',
    choicesLabel: 'choices',
    presetLabel: 'preset',
    envLabel: 'env',
    badNumber: '{name} must be a number of {unit} >= 0, got "{value}"',
    badCount: '{name} must be a whole number >= 1, got "{value}"',
    badLang: '--lang must be en or ja, got "{value}"',
    seconds: 'seconds',
  },
  ja: {
    program: 'パケットキャプチャから、同期がずれた IPsec SA を見つけます。',
    analyze: 'キャプチャを解析します: 方向ごとの ESP/AH SA、IKE 交換、受信側が持たない SPI で送られたパケット',
    captureArg: 'pcap、pcapng、gzip のキャプチャファイル ("-" は標準入力)。複数の場合は時刻順に統合します',
    keys: '鍵: Wireshark の ikev2/ikev1 復号テーブルや esp_sa、レベル 4 の strongSwan charon ログ、tcpdump -E 形式の行、またはそれらのフォルダ (複数指定可)',
    json: 'JSON レポート (スキーマ spitrace.report/1) を標準出力に書きます',
    ndjson: '1 行に 1 レコードの JSON をキャプチャ順に書きます',
    ike: 'IKE メッセージごとのペイロードツリーも表示します',
    transientWindow: 'インストール、リキー、削除からこの秒数以内の停止を一時的とみなします',
    evidence: 'フラグが付いたパケットとそのトンネルの IKE メッセージを、この pcapng ファイルに書きます',
    maxFrames: 'テキストレポートで所見ごとに表示するフレーム数',
    timeline: '対話型タイムラインを開きます (端末が必要)',
    lang: 'メッセージの言語: en または ja (既定: LANG/LC_ALL による)',
    explain: '所見の種類を説明します: 意味、よくある原因、対処',
    kindArg: '所見の種類 (省略するとすべて)',
    keysCommand: '鍵ファイルの対象を一覧します (IKE SPI、アルゴリズム、ESP SA。鍵そのものは表示しません)',
    keysPathArg: '鍵ファイルまたはフォルダ',
    wireshark: 'このフォルダに Wireshark の ikev2_decryption_table、ikev1_decryption_table、esp_sa を書きます',
    keysJson: '一覧を JSON で書きます',
    live: 'ラボのインターフェースでライブキャプチャし、所見をその場で報告します',
    iface: 'キャプチャするインターフェース (`spitrace interfaces` で一覧)',
    filter: 'BPF キャプチャフィルタ (既定: IKE、ESP、AH、NAT-T、TCP 4500、IP フラグメント、ICMP 到達不能)',
    duration: 'この秒数で停止します',
    write: 'キャプチャした内容を pcapng ファイルのリングとしてこのフォルダに保存します',
    ringSize: 'リングの各ファイルのサイズ (MiB)',
    ringFiles: '保存するリングファイルの数',
    interfaces: 'キャプチャできるインターフェースを一覧します',
    kindsHeading: '所見の種類 (詳しくは spitrace explain KIND):',
    usageTitle: '使い方:',
    argumentsTitle: '引数:',
    optionsTitle: 'オプション:',
    commandsTitle: 'コマンド:',
    globalOptionsTitle: 'グローバルオプション:',
    helpOption: 'コマンドのヘルプを表示します',
    helpCommand: 'コマンドのヘルプを表示します',
    versionOption: 'バージョン番号を表示します',
    defaultLabel: '既定',
    choicesLabel: '選択肢',
    presetLabel: 'プリセット',
    envLabel: '環境変数',
    badNumber: '{name} には 0 以上の数 ({unit}) を指定してください。指定値: "{value}"',
    badCount: '{name} には 1 以上の整数を指定してください。指定値: "{value}"',
    badLang: '--lang には en か ja を指定してください。指定値: "{value}"',
    seconds: '秒',
  },
} satisfies Record<Lang, Record<string, string>>;

export type HelpText = (typeof HELP)['en'];

/**
 * Relabels the "(default: …)" that commander 14 appends to a description, and its choices, preset and env
 * items. Commander writes the text as `${description} (${items})`, or the brackets alone without a description.
 */
function relabelExtraInfo(text: string, description: string, h: HelpText): string {
  if (text === description) return text;
  const labels: Record<string, string> = { choices: h.choicesLabel, default: h.defaultLabel, preset: h.presetLabel, env: h.envLabel };
  const extra = text.slice(description.length).replace(/(\(|, )(choices|default|preset|env): /g, (_whole, lead: string, label: string) => `${lead}${labels[label]}: `);
  return description + extra;
}

/**
 * Sets commander's own help words in `lang`: the section titles, the help option, the help command and the
 * "(default: …)" labels. Call it before adding subcommands, because .command() copies these settings into each
 * subcommand it creates and later changes to the parent do not reach them.
 */
export function localizeHelp(program: Command, lang: Lang): Command {
  const h = HELP[lang];
  const titles: Record<string, string> = {
    'Usage:': h.usageTitle,
    'Arguments:': h.argumentsTitle,
    'Options:': h.optionsTitle,
    'Commands:': h.commandsTitle,
    'Global Options:': h.globalOptionsTitle,
  };
  const plain = new Help();
  if (lang === 'ja') program.configureOutput({ outputError: (text, write) => write(japaneseCommanderError(text)) });
  return program
    .configureHelp({
      styleTitle: (title) => titles[title] ?? title,
      optionDescription: (option) => relabelExtraInfo(plain.optionDescription(option), option.description, h),
      argumentDescription: (argument) => relabelExtraInfo(plain.argumentDescription(argument), argument.description, h),
    })
    .helpOption('-h, --help', h.helpOption)
    .helpCommand('help [command]', h.helpCommand);
}

/**
 * Commander 14's own parse errors (lib/command.js) and their Japanese. Each
 * pattern matches one message shape; a message that matches none is left as
 * it is.
 */
const COMMANDER_ERRORS_JA: [RegExp, string][] = [
  [/^error: unknown option '(.*)'/, 'エラー: 不明なオプション \'$1\''],
  [/^error: unknown command '(.*)'/, 'エラー: 不明なコマンド \'$1\''],
  [/^error: missing required argument '(.*)'/, 'エラー: 必須の引数 \'$1\' がありません'],
  [/^error: option '(.*)' argument missing/, 'エラー: オプション \'$1\' の値がありません'],
  [/^error: required option '(.*)' not specified/, 'エラー: 必須のオプション \'$1\' が指定されていません'],
  [/^error: too many arguments.*/, 'エラー: 引数が多すぎます'],
  [/\(Did you mean one of (.*)\?\)/, '($1 のどれかですか?)'],
  [/\(Did you mean (.*)\?\)/, '($1 ですか?)'],
];

/** Returns a commander error message in Japanese, line by line. */
function japaneseCommanderError(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      for (const [pattern, replacement] of COMMANDER_ERRORS_JA) if (pattern.test(line)) return line.replace(pattern, replacement);
      return line;
    })
    .join('\n');
}
