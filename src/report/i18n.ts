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
    nothingEncrypted: 'nothing encrypted',
    keyHint: 'key that would make this certain: {hint}',
    keyHintWithLog: '{line}, or {log}',
    evidence: 'evidence',
    summaryLine: '{frames} frames, {esp} ESP, {ah} AH, {ike} IKE ({plain} unencrypted, {dec} decrypted, {undec} not), {anomalies} anomalies, {desyncs} desync(s)',
    duplicatesAcrossInputs: '{dup} of the ESP/AH packets were seen in more than one input: the SA table counts each once.',
    verdictNoneBlind: 'Not conclusive: {undec} encrypted IKE message(s) were not decrypted, so a Delete or rekey inside them is unknown and packets sent on an SA it removed are not flagged. Give their keys with --keys (the ike-undecryptable finding names the key line).',
    keyHintAgain: 'key that would make this certain: the key of IKE SA {ikeSa} shown above',
    noKeysLoaded: 'spitrace: no key table or charon log found in {paths}, so encrypted IKE stays unread (a key folder holds ikev2_decryption_table, ikev1_decryption_table, esp_sa or charon logs)',
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
    skippedKeyFiles: 'spitrace: skipped {n} files that are not key tables or logs (spitrace keys {paths} lists them)',
    ringSizeInvalid: '--ring-size must be a size in MiB greater than 0, got {value}',
    ringFilesInvalid: '--ring-files must be a whole number of files >= 1, got {value}',
    keyFileError: 'spitrace: invalid key file {where}: field {field}: {expected}',
    evidenceNeedsFiles: 'spitrace: --evidence needs capture files; standard input cannot be read twice',
    evidenceWritten: 'spitrace: wrote {n} frame(s) to {path}',
    timelineNeedsTty: 'spitrace: --timeline needs an interactive terminal; use the text report or --json instead',
    liveStop: 'capture stopped: {reason}; {captured}{dropped}',
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
    anomaliesNotListed: '{n} more anomalies are not listed in the report, so the counts above cover only the listed ones',
    inputError: 'spitrace: {path}: {reason}',
    framesCaptured: '{n} frame(s) captured',
    framesDropped: ', {n} dropped because the analysis fell behind',
    durationReached: '--duration {n} s reached',
    stdoutFailed: 'standard output failed ({reason})',
    ringFiles: 'spitrace: ring files in {dir}: {files}',
    ringStopped: 'writing the ring of capture files stopped: {reason}; the capture goes on without it',
    keyRereadFailed: 're-reading the key files failed: {reason}',
    linkTypeNotDecoded: '{iface} has link type {linkType}, which spitrace does not decode: its frames are counted but not analysed',
    noInterfaces: 'spitrace: libpcap lists no capture interfaces; run as root or with the CAP_NET_RAW capability to see them all',
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
    nothingEncrypted: '暗号化されたメッセージなし',
    keyHint: 'これを確定させる鍵: {hint}',
    keyHintWithLog: '{line}、または {log}',
    evidence: '根拠',
    summaryLine: 'フレーム {frames}、ESP {esp}、AH {ah}、IKE {ike} (平文 {plain}、復号 {dec}、未復号 {undec})、異常 {anomalies}、非同期 {desyncs} 件',
    duplicatesAcrossInputs: 'ESP/AH パケットのうち {dup} 個は複数の入力に含まれていました。SA の表では 1 回だけ数えています。',
    verdictNoneBlind: '結論は出せません: 暗号化された IKE メッセージ {undec} 件を復号できなかったため、その中の Delete やリキーが分からず、それで削除された SA で送られたパケットはフラグされていません。--keys で鍵を渡してください (必要な鍵の行は ike-undecryptable の所見にあります)。',
    keyHintAgain: 'これを確定させる鍵: 上に示した IKE SA {ikeSa} の鍵',
    noKeysLoaded: 'spitrace: {paths} に鍵テーブルも charon ログも見つからないため、暗号化された IKE は読めません (鍵フォルダーには ikev2_decryption_table、ikev1_decryption_table、esp_sa、charon ログを置きます)',
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
    skippedKeyFiles: 'spitrace: 鍵テーブルでもログでもないファイル {n} 個を読み飛ばしました (spitrace keys {paths} で一覧できます)',
    ringSizeInvalid: '--ring-size には 0 より大きい MiB 単位のサイズを指定してください。指定値: {value}',
    ringFilesInvalid: '--ring-files には 1 以上の整数を指定してください。指定値: {value}',
    keyFileError: 'spitrace: 鍵ファイル {where} が不正です: フィールド {field}: {expected}',
    evidenceNeedsFiles: 'spitrace: --evidence にはキャプチャファイルが必要です。標準入力は 2 回読めません',
    evidenceWritten: 'spitrace: {n} フレームを {path} に書きました',
    timelineNeedsTty: 'spitrace: --timeline には対話型の端末が必要です。テキストレポートか --json を使ってください',
    liveStop: 'キャプチャを停止しました: {reason}。{captured}{dropped}',
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
    anomaliesNotListed: 'ほかに {n} 件の異常はレポートに載っていないため、上の件数は載っているものだけを数えています',
    inputError: 'spitrace: {path}: {reason}',
    framesCaptured: 'キャプチャしたフレーム {n}',
    framesDropped: '、解析が追いつかずに捨てたフレーム {n}',
    durationReached: '--duration の {n} 秒に達しました',
    stdoutFailed: '標準出力への書き込みに失敗しました ({reason})',
    ringFiles: 'spitrace: {dir} のリングファイル: {files}',
    ringStopped: 'キャプチャファイルのリングへの書き込みを止めました: {reason}。キャプチャはリングなしで続けます',
    keyRereadFailed: '鍵ファイルの再読み込みに失敗しました: {reason}',
    linkTypeNotDecoded: '{iface} のリンクタイプ {linkType} は spitrace がデコードできません。フレームは数えますが解析しません',
    noInterfaces: 'spitrace: libpcap がキャプチャインターフェースを 1 つも返しません。すべてを表示するには root か CAP_NET_RAW ケーパビリティで実行してください',
  },
} satisfies Record<Lang, Record<string, string>>;

export type UiKey = keyof (typeof UI)['en'];

export function ui(lang: Lang, key: UiKey, values: Record<string, string | number> = {}): string {
  return fill(UI[lang][key], values);
}

/**
 * Japanese for the English phrases and error codes that the capture and key layers put in the errors
 * users cause most often. Phrases missing here are shown in English.
 */
const LIBRARY_PHRASES_JA: Record<string, string> = {
  'file not found': 'ファイルが見つかりません',
  'permission denied': 'アクセス権がありません',
  'is a directory, not a capture file': 'ディレクトリです。キャプチャファイルを指定してください',
  'standard input ("-") can be given only once': '標準入力 ("-") は 1 回しか指定できません',
  'expected an existing file or folder': '既存のファイルかフォルダを指定してください',
  text: 'テキストファイル',
  'empty file': '空のファイル',
  'tar archive': 'tar アーカイブ',
  'zip archive': 'zip アーカイブ',
  'xz-compressed data': 'xz 圧縮データ',
  'bzip2-compressed data': 'bzip2 圧縮データ',
  'zstd-compressed data': 'zstd 圧縮データ',
  'Solaris snoop capture': 'Solaris snoop のキャプチャ',
  'Microsoft Network Monitor capture': 'Microsoft Network Monitor のキャプチャ',
  ENOENT: 'ファイルが見つかりません (ENOENT)',
  EACCES: 'アクセス権がありません (EACCES)',
  EPERM: '操作が許可されていません (EPERM)',
  EISDIR: 'ディレクトリです (EISDIR)',
  ENOTDIR: 'パスの途中がディレクトリではありません (ENOTDIR)',
  EROFS: '読み取り専用のファイルシステムです (EROFS)',
  ENOSPC: 'ディスクの空きがありません (ENOSPC)',
};

/** Returns a phrase or error code from the capture or key layer in `lang`, or unchanged when it has no translation. */
export function libraryPhrase(lang: Lang, phrase: string): string {
  return lang === 'ja' ? (LIBRARY_PHRASES_JA[phrase] ?? phrase) : phrase;
}
