// Language selection for user-facing text. English is the default; Japanese
// is chosen by --lang ja or by a ja locale in LC_ALL, LC_MESSAGES or LANG.

export type Lang = 'en' | 'ja';

/** Picks the language from an explicit option, else from the POSIX locale variables in their order of precedence. */
export function detectLang(option: string | undefined, env: NodeJS.ProcessEnv = process.env): Lang {
  if (option) return option.toLowerCase().startsWith('ja') ? 'ja' : 'en';
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return locale.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

/** Fills {name} placeholders. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** Text of the reports and the command line that is not tied to one finding kind. */
export const UI = {
  en: {
    verdictNone: 'No SA desync found: {tunnels} tunnel(s), {sas} SA(s), {esp} ESP and {ah} AH packets, {ike} IKE messages.',
    verdictNoneFlagged: 'No desync, but {flagged} packet(s) were sent on SPIs their receiver did not have (see findings).',
    verdictNoIpsec: 'No ESP, AH or IKE traffic found in {frames} frame(s).',
    inputs: 'Inputs',
    tunnels: 'Tunnels',
    timeline: 'Timeline',
    findings: 'Findings',
    details: 'Details',
    espTable: 'ESP and AH SAs per direction',
    ikeTable: 'IKE datagrams per IKE SA',
    ikeSas: 'IKE SAs',
    anomalies: 'Anomalies',
    noFindings: 'none',
    frames: 'frames',
    more: '... and {n} more',
    undecrypted: 'not decrypted',
    decrypted: 'decrypted',
    keyHint: 'key that would make this certain: {hint}',
    keyHintWithLog: '{line}, or {log}',
    evidence: 'evidence',
    summaryLine: '{frames} frames, {esp} ESP, {ah} AH, {ike} IKE ({dec} decrypted, {undec} not), {anomalies} anomalies, {desyncs} desync(s)',
    inferred: 'inferred',
    certain: 'certain',
    transient: 'transient',
    persistent: 'persistent',
    usageError: 'spitrace: {message}',
    unreadable: 'spitrace: cannot read {path}: {reason}',
    notCapture: 'spitrace: {path} is not a pcap or pcapng capture ({found}).',
    keyError: 'spitrace: {message}',
    unknownKind: 'spitrace: unknown finding kind "{kind}". Known kinds: {kinds}',
    liveStart: 'capturing on {iface} (filter: {filter}); Ctrl-C stops and prints the summary',
    skippedKeyFile: 'spitrace: skipped {path}: {reason}',
    keyFileError: 'spitrace: invalid key file {where}: field {field}: {expected}',
    evidenceNeedsFiles: 'spitrace: --evidence needs capture files; standard input cannot be read twice',
    evidenceWritten: 'spitrace: wrote {n} frame(s) to {path}',
    timelineNeedsTty: 'spitrace: --timeline needs an interactive terminal; use the text report or --json instead',
    liveStop: 'capture stopped: {reason}',
    frameCount: '{n} frames',
    severityError: 'error',
    severityWarning: 'warning',
    severityInfo: 'info',
    saTableHeader: 'src → dst  proto  SPI  packets  bytes  first  last  seq  missing  replays  state',
    datagramCount: '{n} datagrams',
    byteCount: '{n} bytes',
    partlyDecrypted: 'partial',
    ikeEstablished: 'established #{frame}',
    ikeNotEstablished: 'not established',
    ikeDeleted: ', deleted #{frame}',
    anomalyCount: '(×{n}, first #{first})',
  },
  ja: {
    verdictNone: 'SA の非同期は見つかりませんでした: トンネル {tunnels} 本、SA {sas} 個、ESP {esp} パケット、AH {ah} パケット、IKE メッセージ {ike} 件。',
    verdictNoneFlagged: '非同期はありませんが、受信側が持たない SPI で送られたパケットが {flagged} 個あります (所見を参照)。',
    verdictNoIpsec: '{frames} フレームの中に ESP、AH、IKE の通信はありませんでした。',
    inputs: '入力',
    tunnels: 'トンネル',
    timeline: 'タイムライン',
    findings: '所見',
    details: '詳細',
    espTable: '方向ごとの ESP/AH SA',
    ikeTable: 'IKE SA ごとの IKE データグラム',
    ikeSas: 'IKE SA',
    anomalies: '異常',
    noFindings: 'なし',
    frames: 'フレーム',
    more: '... ほか {n} 件',
    undecrypted: '未復号',
    decrypted: '復号済み',
    keyHint: 'これを確定させる鍵: {hint}',
    keyHintWithLog: '{line}、または {log}',
    evidence: '根拠',
    summaryLine: 'フレーム {frames}、ESP {esp}、AH {ah}、IKE {ike} (復号 {dec}、未復号 {undec})、異常 {anomalies}、非同期 {desyncs} 件',
    inferred: '推定',
    certain: '確定',
    transient: '一時的',
    persistent: '持続的',
    usageError: 'spitrace: {message}',
    unreadable: 'spitrace: {path} を読めません: {reason}',
    notCapture: 'spitrace: {path} は pcap でも pcapng でもありません ({found})。',
    keyError: 'spitrace: {message}',
    unknownKind: 'spitrace: 所見の種類 "{kind}" はありません。種類: {kinds}',
    liveStart: '{iface} でキャプチャ中 (フィルタ: {filter})。Ctrl-C で停止し、要約を表示します',
    skippedKeyFile: 'spitrace: {path} を読み飛ばしました: {reason}',
    keyFileError: 'spitrace: 鍵ファイル {where} が不正です: フィールド {field}: {expected}',
    evidenceNeedsFiles: 'spitrace: --evidence にはキャプチャファイルが必要です。標準入力は 2 回読めません',
    evidenceWritten: 'spitrace: {n} フレームを {path} に書きました',
    timelineNeedsTty: 'spitrace: --timeline には対話型の端末が必要です。テキストレポートか --json を使ってください',
    liveStop: 'キャプチャを停止しました: {reason}',
    frameCount: '{n} フレーム',
    severityError: 'エラー',
    severityWarning: '警告',
    severityInfo: '情報',
    saTableHeader: '送信元 → 宛先  プロトコル  SPI  パケット  バイト  最初  最後  シーケンス番号  欠落  リプレイ  状態',
    datagramCount: '{n} データグラム',
    byteCount: '{n} バイト',
    partlyDecrypted: '一部復号',
    ikeEstablished: '確立 #{frame}',
    ikeNotEstablished: '未確立',
    ikeDeleted: '、削除 #{frame}',
    anomalyCount: '(×{n}、最初 #{first})',
  },
} satisfies Record<Lang, Record<string, string>>;

export type UiKey = keyof (typeof UI)['en'];

export function ui(lang: Lang, key: UiKey, values: Record<string, string | number> = {}): string {
  return fill(UI[lang][key], values);
}
