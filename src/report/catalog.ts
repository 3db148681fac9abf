// The finding catalog: for every kind, the rule it rests on, its one-line
// message and what `spitrace explain KIND` prints, in English and Japanese.
// Only reporters use this file; the tracker emits kinds and data.

import type { Finding, FindingKind, RecoveryKind } from '../sa/findings.js';
import { formatSpi } from '../util/format.js';
import { fill, type Lang } from './i18n.js';

interface KindText {
  title: string;
  /** One-line message; placeholders are filled from the finding. */
  message: string;
  meaning: string;
  causes: string[];
  actions: string[];
}

interface CatalogEntry {
  /** The RFC section or vendor bug the rule comes from, per language. */
  rule: Record<Lang, string>;
  en: KindText;
  ja: KindText;
}

const DEBUGS_EN =
  'Collect IKE and IPsec debugs on both ends for the same minutes: strongSwan `charondebug="ike 2, chd 2, knl 2, net 1"` (or filelog levels) and `swanctl --list-sas`; Linux `ip xfrm state` and `/proc/net/xfrm_stat` (XfrmInNoStates counts packets dropped for an unknown SPI); Cisco IOS `debug crypto ikev2` or `debug crypto isakmp`, `debug crypto ipsec`, `show crypto ipsec sa peer <address>`.';
const DEBUGS_JA =
  '同じ時間帯の IKE と IPsec のデバッグを両端で取得してください: strongSwan は `charondebug="ike 2, chd 2, knl 2, net 1"` (またはファイルログのレベル) と `swanctl --list-sas`、Linux は `ip xfrm state` と `/proc/net/xfrm_stat` (XfrmInNoStates は未知の SPI で破棄されたパケット数)、Cisco IOS は `debug crypto ikev2` または `debug crypto isakmp`、`debug crypto ipsec`、`show crypto ipsec sa peer <アドレス>`。';

const RECOVERY_EN =
  'Invalid SPI recovery: when the receiver has an IKE SA with the sender it can send an INVALID_SPI notify (RFC 7296 §2.21.4) so that the sender deletes the stale SA. Cisco IOS can also build a new IKE SA just to send that notify (`crypto isakmp invalid-spi-recovery`, off by default, IKEv1); this only works when the receiver can initiate IKE to the sender (a static peer address, not a responder-only dynamic peer). Dead Peer Detection on the sender (strongSwan `dpd_delay` with `dpd_action=restart`, Cisco `crypto isakmp keepalive` or `dpd` in the IKEv2 profile) bounds the outage when no notify is sent.';
const RECOVERY_JA =
  '無効 SPI リカバリ: 受信側が送信側との IKE SA を持っていれば INVALID_SPI 通知 (RFC 7296 §2.21.4) を送り、送信側に古い SA を削除させられます。Cisco IOS はこの通知を送るためだけに新しい IKE SA を作ることもできます (`crypto isakmp invalid-spi-recovery`、既定では無効、IKEv1)。これは受信側から送信側へ IKE を開始できる場合 (固定のピアアドレス。応答専用の動的ピアでは不可) にだけ働きます。通知が送られない場合は、送信側の Dead Peer Detection (strongSwan の `dpd_delay` と `dpd_action=restart`、Cisco の `crypto isakmp keepalive` や IKEv2 プロファイルの `dpd`) が停止時間の上限になります。';

export const CATALOG: Record<FindingKind, CatalogEntry> = {
  'spi-not-installed': {
    rule: {
      en: 'RFC 4303 §3.4.2: a packet whose SPI matches no inbound SA is discarded',
      ja: 'RFC 4303 §3.4.2: SPI がどの受信 SA にも一致しないパケットは破棄される',
    },
    en: {
      title: 'SPI never installed by its receiver',
      message: '{n} {proto} packet(s) from {src} to {dst} on SPI {spi}, which {dst} never installed',
      meaning: 'The sender used an SPI that the receiver never installed: every such packet is dropped (Cisco logs %CRYPTO-4-RECVD_PKT_INV_SPI, Linux counts XfrmInNoStates).',
      causes: [
        'The negotiation that should have created the SA failed on the receiver but the sender installed it anyway.',
        'The sender kept an SA from an IKE SA the receiver no longer has (reboot, failover, a cleared SA).',
        'Manual keying or a static SA configured on one side only.',
      ],
      actions: ['Compare `show crypto ipsec sa` / `swanctl --list-sas` on both ends for this SPI.', DEBUGS_EN, RECOVERY_EN],
    },
    ja: {
      title: '受信側が一度もインストールしていない SPI',
      message: '{src} から {dst} への {proto} パケット {n} 個が SPI {spi} で送られましたが、{dst} はこの SPI をインストールしていません',
      meaning: '送信側が、受信側にインストールされていない SPI を使っています。このパケットはすべて破棄されます (Cisco は %CRYPTO-4-RECVD_PKT_INV_SPI を記録し、Linux は XfrmInNoStates を数えます)。',
      causes: [
        'SA を作るはずのネゴシエーションが受信側で失敗したのに、送信側はインストールした。',
        '受信側がもう持っていない IKE SA の SA を送信側が使い続けている (再起動、フェイルオーバー、SA のクリア)。',
        '手動鍵や静的 SA が片側にだけ設定されている。',
      ],
      actions: ['この SPI について両端の `show crypto ipsec sa` / `swanctl --list-sas` を比べてください。', DEBUGS_JA, RECOVERY_JA],
    },
  },
  'spi-after-delete': {
    rule: {
      en: 'RFC 7296 §1.4.1 and RFC 2408 §3.15: a deleted SA is removed at both ends',
      ja: 'RFC 7296 §1.4.1 と RFC 2408 §3.15: 削除された SA は両端から取り除かれる',
    },
    en: {
      title: 'SPI used after its receiver deleted it',
      message: '{n} {proto} packet(s) from {src} to {dst} on SPI {spi} after {dst} deleted it (frame {deletedFrame})',
      meaning: 'The receiver deleted this SA with a Delete payload, but the sender kept using it: the packets are dropped.',
      causes: [
        'The sender did not process the Delete (lost, rejected, or sent over an IKE SA it had already dropped).',
        'A rekey collision where each side kept a different SA (RFC 7296 §2.8.1).',
        'An implementation defect in Delete handling.',
      ],
      actions: ['Check that the Delete reached the sender and was answered (IKEv2) in the IKE debugs.', DEBUGS_EN],
    },
    ja: {
      title: '受信側が削除した後に使われた SPI',
      message: '{src} から {dst} への {proto} パケット {n} 個が、{dst} が削除した (フレーム {deletedFrame}) 後の SPI {spi} で送られました',
      meaning: '受信側は Delete ペイロードでこの SA を削除しましたが、送信側は使い続けています。パケットは破棄されます。',
      causes: [
        '送信側が Delete を処理しなかった (喪失、拒否、すでに失った IKE SA 上で送られた)。',
        'リキーの衝突で両側が別々の SA を残した (RFC 7296 §2.8.1)。',
        'Delete 処理の実装上の不具合。',
      ],
      actions: ['IKE のデバッグで、Delete が送信側に届き (IKEv2 では) 応答されたかを確認してください。', DEBUGS_JA],
    },
  },
  'spi-lost': {
    rule: {
      en: 'Inferred: the receiver stopped answering while the sender kept sending (no Delete on the wire)',
      ja: '推定: 送信側が送り続ける間に受信側が応答しなくなった (回線上に Delete はない)',
    },
    en: {
      title: 'SA lost by its receiver without a Delete',
      message: '{n} {proto} packet(s) from {src} to {dst} on SPI {spi}, which {dst} had lost without a Delete ({certainty}: {evidence})',
      meaning: 'The receiver lost this SA (crash, restart, silent removal) and nothing on the wire said so; the sender kept sending into a black hole. This is inferred from the reverse direction falling silent and from the evidence listed.',
      causes: [
        'The receiver restarted or crashed and came back without its SAs.',
        'The receiver removed the SA (expiry, an administrator, a failover) and its Delete never reached the sender.',
        'The receiver does not send INVALID_SPI notifies, so only Dead Peer Detection on the sender ends the outage.',
      ],
      actions: ['Look for a restart or SA removal on the receiver at the first flagged frame.', DEBUGS_EN, RECOVERY_EN],
    },
    ja: {
      title: 'Delete なしに受信側が失った SA',
      message: '{src} から {dst} への {proto} パケット {n} 個が SPI {spi} で送られましたが、{dst} はこの SA を Delete なしに失っていました ({certainty}: {evidence})',
      meaning: '受信側はこの SA を失い (クラッシュ、再起動、黙った削除)、それを示すものは回線上にありません。送信側はブラックホールへ送り続けました。逆方向の沈黙と、示した根拠から推定しています。',
      causes: [
        '受信側が再起動またはクラッシュし、SA を持たずに復帰した。',
        '受信側が SA を削除した (期限切れ、管理者、フェイルオーバー) が、Delete が送信側に届かなかった。',
        '受信側が INVALID_SPI 通知を送らないため、送信側の Dead Peer Detection だけが停止を終わらせる。',
      ],
      actions: ['最初にフラグが付いたフレームの時刻に、受信側で再起動や SA 削除がなかったかを確認してください。', DEBUGS_JA, RECOVERY_JA],
    },
  },
  'spi-before-install': {
    rule: {
      en: 'RFC 7296 §2.8 and RFC 2409 §5.5: an SA is usable once its exchange completed',
      ja: 'RFC 7296 §2.8 と RFC 2409 §5.5: SA は交換が完了してから使える',
    },
    en: {
      title: 'SPI used before its negotiation completed',
      message: '{n} {proto} packet(s) from {src} to {dst} on SPI {spi} before its negotiation completed',
      meaning: 'Packets used a new SPI while the exchange creating it was still in flight. A short burst at an install is a normal race; a burst followed by the receiver deleting that SPI matches Cisco bug CSCvn31824.',
      causes: ['The responder started sending before the initiator installed the SA.', 'Packets reordered around the last IKE message.'],
      actions: ['Usually harmless when transient. If the receiver then deletes the new SPI, check the software against CSCvn31824.', DEBUGS_EN],
    },
    ja: {
      title: 'ネゴシエーション完了前に使われた SPI',
      message: '{src} から {dst} への {proto} パケット {n} 個が、ネゴシエーション完了前の SPI {spi} で送られました',
      meaning: 'SA を作る交換がまだ途中のうちに、新しい SPI のパケットが届きました。インストール時の短いバーストは通常の競合です。その後に受信側がこの SPI を削除した場合は Cisco の不具合 CSCvn31824 に一致します。',
      causes: ['イニシエータが SA をインストールする前にレスポンダが送信を始めた。', '最後の IKE メッセージの前後でパケットの順序が入れ替わった。'],
      actions: ['一時的であれば通常は無害です。その後に受信側が新しい SPI を削除した場合は、ソフトウェアが CSCvn31824 に該当しないか確認してください。', DEBUGS_JA],
    },
  },
  desync: {
    rule: {
      en: 'One outage: a run of failing packets on one (source, destination, SPI)',
      ja: '1 回の停止: 1 つの (送信元、宛先、SPI) で失敗したパケットの連続',
    },
    en: {
      title: 'SA desynchronisation (one outage)',
      message: '{classification} desync: {src} → {dst} SPI {spi}, {n} packet(s) dropped over {duration}, {recovery}',
      meaning: 'A run of packets on one flow and SPI that the receiver dropped. Transient: it started and ended within the transient window of an install, rekey or delete (a harmless race). Persistent: anything else, a real desync.',
      causes: ['See the packet-level finding it summarises.'],
      actions: ['Start from the first flagged frame and the recovery event; compare both ends\' SA tables at that time.', DEBUGS_EN, RECOVERY_EN],
    },
    ja: {
      title: 'SA の非同期 (1 回の停止)',
      message: '{classification}な非同期: {src} → {dst} SPI {spi}、{duration}の間に {n} パケットが破棄、{recovery}',
      meaning: '1 つのフローと SPI で受信側が破棄したパケットの連続です。一時的: インストール、リキー、削除の前後の時間窓内で始まり終わったもの (無害な競合)。持続的: それ以外で、本当の非同期です。',
      causes: ['これがまとめているパケット単位の所見を参照してください。'],
      actions: ['最初にフラグが付いたフレームと回復のイベントから調べ、その時刻の両端の SA テーブルを比べてください。', DEBUGS_JA, RECOVERY_JA],
    },
  },
  'invalid-spi-notify': {
    rule: {
      en: 'RFC 7296 §2.21.4 and §3.10.1; RFC 2408 §3.14.1',
      ja: 'RFC 7296 §2.21.4 と §3.10.1、RFC 2408 §3.14.1',
    },
    en: {
      title: 'INVALID_SPI notify',
      message: '{reporter} reported INVALID_SPI for SPI {spi} (SPI carried in the {encodingText})',
      meaning: 'A receiver told its peer it got packets on an SPI it has no SA for. RFC 7296 §3.10.1 puts the SPI in the notification data with SPI size 0; some implementations put it in the SPI field. spitrace accepts both and says which was used.',
      causes: ['The peer is sending on a stale or unknown SA (see the related packet findings).'],
      actions: ['Check that the peer deleted the stale SA after this notify.', DEBUGS_EN],
    },
    ja: {
      title: 'INVALID_SPI 通知',
      message: '{reporter} が SPI {spi} について INVALID_SPI を通知しました ({encodingText}で SPI を送信)',
      meaning: '受信側が、SA を持たない SPI のパケットを受け取ったことをピアに伝えました。RFC 7296 §3.10.1 では SPI サイズ 0 で通知データに SPI を入れますが、SPI フィールドに入れる実装もあります。spitrace は両方を受け付け、どちらが使われたかを示します。',
      causes: ['ピアが古い、または未知の SA で送信している (関連するパケット単位の所見を参照)。'],
      actions: ['この通知の後にピアが古い SA を削除したかを確認してください。', DEBUGS_JA],
    },
  },
  'invalid-spi-notify-rejected': {
    rule: {
      en: 'RFC 7296 §3.10.1; Cisco bug CSCvd40554',
      ja: 'RFC 7296 §3.10.1、Cisco の不具合 CSCvd40554',
    },
    en: {
      title: 'INVALID_SPI notify rejected as INVALID_SYNTAX',
      message: '{src} responded to the INVALID_SPI notify for SPI {spi} (SPI size {spiSize}) with INVALID_SYNTAX',
      meaning: 'The peer rejected a well-formed INVALID_SPI notify whose SPI was carried in the notification data with SPI size 0, as RFC 7296 asks. The stale SA is not cleaned up. This matches Cisco bug CSCvd40554.',
      causes: ['A peer that expects the SPI in the SPI field and treats SPI size 0 as a syntax error.'],
      actions: ['Check the peer software against CSCvd40554; until fixed, rely on Dead Peer Detection to clear the stale SA.', DEBUGS_EN],
    },
    ja: {
      title: 'INVALID_SYNTAX で拒否された INVALID_SPI 通知',
      message: '{src} は SPI {spi} の INVALID_SPI 通知 (SPI サイズ {spiSize}) に INVALID_SYNTAX で応答しました',
      meaning: 'ピアは、RFC 7296 のとおり SPI サイズ 0 で通知データに SPI を入れた正しい INVALID_SPI 通知を拒否しました。古い SA は片付けられません。Cisco の不具合 CSCvd40554 に一致します。',
      causes: ['SPI フィールドに SPI があることを期待し、SPI サイズ 0 を構文エラーとして扱うピア。'],
      actions: ['ピアのソフトウェアが CSCvd40554 に該当しないか確認してください。修正までは Dead Peer Detection で古い SA を消すしかありません。', DEBUGS_JA],
    },
  },
  'child-sa-not-found': {
    rule: {
      en: 'RFC 7296 §3.10.1 CHILD_SA_NOT_FOUND',
      ja: 'RFC 7296 §3.10.1 CHILD_SA_NOT_FOUND',
    },
    en: {
      title: 'CHILD_SA_NOT_FOUND',
      message: '{dst} reported that it has no CHILD_SA with SPI {spi} (CHILD_SA_NOT_FOUND)',
      meaning: 'A rekey or delete named a CHILD_SA that the peer does not have: the two ends disagree about which SAs exist.',
      causes: ['One end lost or deleted the SA without the other noticing.'],
      actions: ['Compare both ends\' SA tables for this SPI.', DEBUGS_EN],
    },
    ja: {
      title: 'CHILD_SA_NOT_FOUND',
      message: '{dst} は SPI {spi} の CHILD_SA を持っていないと応答しました (CHILD_SA_NOT_FOUND)',
      meaning: 'リキーや削除で指定された CHILD_SA をピアが持っていません。どの SA が存在するかについて両端の認識が食い違っています。',
      causes: ['一方が、もう一方に気づかれずに SA を失った、または削除した。'],
      actions: ['この SPI について両端の SA テーブルを比べてください。', DEBUGS_JA],
    },
  },
  'ike-undecryptable': {
    rule: {
      en: 'RFC 7296 §3.14: CHILD_SA SPIs, Deletes and notifies travel inside encrypted payloads',
      ja: 'RFC 7296 §3.14: CHILD_SA の SPI、Delete、通知は暗号化ペイロードの中で運ばれる',
    },
    en: {
      title: 'IKE SA not decrypted',
      message: 'IKE SA {ikeSa}: {n} encrypted message(s) not decrypted ({reason})',
      meaning: 'Without this IKE SA\'s keys, the SPIs it negotiated, its Deletes and its notifies stay hidden, so verdicts about its SAs are inferred.',
      causes: ['No key was given for this IKE SA, or the algorithm is not supported.'],
      actions: ['Give its keys with --keys: a Wireshark ikev2_decryption_table or ikev1_decryption_table line, or a strongSwan charon log at level 4 (it prints the keys).'],
    },
    ja: {
      title: '復号できなかった IKE SA',
      message: 'IKE SA {ikeSa}: 暗号化メッセージ {n} 件を復号できませんでした ({reason})',
      meaning: 'この IKE SA の鍵がないと、ネゴシエートされた SPI、Delete、通知が見えないため、その SA についての判定は推定になります。',
      causes: ['この IKE SA の鍵が与えられていない、またはアルゴリズムに未対応。'],
      actions: ['--keys で鍵を与えてください: Wireshark の ikev2_decryption_table または ikev1_decryption_table の行、あるいはレベル 4 の strongSwan charon ログ (鍵が出力されます)。'],
    },
  },
  'ike-integrity-failed': {
    rule: {
      en: 'RFC 7296 §3.14: the integrity checksum covers the whole message',
      ja: 'RFC 7296 §3.14: 完全性チェックサムはメッセージ全体を対象とする',
    },
    en: {
      title: 'Wrong key for an IKE SA',
      message: 'wrong key for IKE SA {ikeSpis}: integrity check failed on {n} message(s)',
      meaning: 'The key given for this IKE SA does not match the messages: the integrity check (or AEAD tag) failed, so nothing was decoded from them.',
      causes: ['A key line for another IKE SA or another capture.', 'SK_ei/SK_er or SK_ai/SK_ar swapped, or a wrong algorithm name.'],
      actions: ['Check the key line for this SPI pair; `spitrace keys PATH` lists what the key files cover.'],
    },
    ja: {
      title: 'IKE SA の鍵の誤り',
      message: 'IKE SA {ikeSpis} の鍵が誤っています: {n} 件のメッセージで完全性チェックに失敗しました',
      meaning: 'この IKE SA に与えられた鍵がメッセージと合いません。完全性チェック (または AEAD タグ) に失敗したため、何もデコードしていません。',
      causes: ['別の IKE SA や別のキャプチャの鍵の行。', 'SK_ei/SK_er や SK_ai/SK_ar の取り違え、またはアルゴリズム名の誤り。'],
      actions: ['この SPI の組の鍵の行を確認してください。`spitrace keys PATH` で鍵ファイルの内容 (鍵そのものは除く) を一覧できます。'],
    },
  },
  'ike-unanswered': {
    rule: {
      en: 'RFC 7296 §2.1: a request is retransmitted until answered or the IKE SA is given up',
      ja: 'RFC 7296 §2.1: 要求は応答があるか IKE SA を諦めるまで再送される',
    },
    en: {
      title: 'IKE request never answered',
      message: '{n} IKE request(s) from {src} to {dst} got no response',
      meaning: 'The peer did not answer IKE requests (retransmissions seen). With Dead Peer Detection this is how a sender notices a dead or restarted peer.',
      causes: ['The peer is down, restarted without the IKE SA, or the path drops UDP 500/4500.'],
      actions: ['Check reachability of UDP 500/4500 and the peer\'s IKE logs.', DEBUGS_EN],
    },
    ja: {
      title: '応答のない IKE 要求',
      message: '{src} から {dst} への IKE 要求 {n} 件に応答がありませんでした',
      meaning: 'ピアが IKE 要求に応答しませんでした (再送を確認)。Dead Peer Detection では、送信側はこれで停止や再起動したピアに気づきます。',
      causes: ['ピアが停止している、IKE SA を持たずに再起動した、または経路が UDP 500/4500 を落としている。'],
      actions: ['UDP 500/4500 の到達性とピアの IKE ログを確認してください。', DEBUGS_JA],
    },
  },
  'reserved-spi': {
    rule: {
      en: 'RFC 4303 §2.1 and RFC 4302 §2.4: SPI 0 must not be sent, 1 to 255 are reserved',
      ja: 'RFC 4303 §2.1 と RFC 4302 §2.4: SPI 0 は送ってはならず、1 から 255 は予約済み',
    },
    en: {
      title: 'Reserved SPI on the wire',
      message: '{n} {proto} packet(s) from {src} to {dst} with reserved SPI {spi}',
      meaning: 'SPI 0 must not be sent and SPIs 1 to 255 are reserved by IANA, so no IKE negotiation hands them out. Such packets come from manual keying, a test tool, a flood or a broken implementation.',
      causes: ['Manually keyed SAs with small SPIs.', 'Crafted or flood traffic.'],
      actions: ['Find the sender; if it is a manual SA, move it to SPIs above 255.'],
    },
    ja: {
      title: '予約済み SPI',
      message: '{src} から {dst} への {proto} パケット {n} 個が予約済みの SPI {spi} を使っています',
      meaning: 'SPI 0 は送ってはならず、1 から 255 は IANA の予約なので、IKE のネゴシエーションで割り当てられることはありません。手動鍵、テストツール、フラッド、または壊れた実装からのパケットです。',
      causes: ['小さな SPI の手動鍵 SA。', '細工されたパケットやフラッド。'],
      actions: ['送信元を特定してください。手動 SA なら 255 より大きい SPI に変えてください。'],
    },
  },
  'ff-prefixed-spi': {
    rule: {
      en: 'Cisco bug CSCvp16730: some IOS XE releases dropped SPIs beginning 0xFF',
      ja: 'Cisco の不具合 CSCvp16730: 一部の IOS XE リリースは 0xFF で始まる SPI を破棄した',
    },
    en: {
      title: 'SPI beginning with 0xFF in use',
      message: 'SPI {spi} ({src} → {dst}) begins with 0xFF and works here',
      meaning: 'SPIs beginning with 0xFF are valid, but some Cisco IOS XE releases dropped them as invalid (CSCvp16730). This one carried traffic without failures in this capture.',
      causes: ['Random SPI allocation; nothing is wrong here.'],
      actions: ['None needed. If a Cisco IOS XE peer drops such SPIs elsewhere, check it against CSCvp16730.'],
    },
    ja: {
      title: '0xFF で始まる SPI の使用',
      message: 'SPI {spi} ({src} → {dst}) は 0xFF で始まりますが、ここでは正常に使われています',
      meaning: '0xFF で始まる SPI は有効ですが、一部の Cisco IOS XE リリースはこれを無効として破棄しました (CSCvp16730)。このキャプチャではこの SPI は失敗なく通信しています。',
      causes: ['SPI のランダムな割り当て。ここでは問題ありません。'],
      actions: ['対処は不要です。別の場所で Cisco IOS XE がこのような SPI を破棄する場合は CSCvp16730 を確認してください。'],
    },
  },
  'spi-unknown-origin': {
    rule: {
      en: 'No visible negotiation: the capture began after it, or it was encrypted without keys',
      ja: 'ネゴシエーションが見えない: キャプチャ開始より前か、鍵のない暗号化の中',
    },
    en: {
      title: 'SPI negotiated out of sight',
      message: 'SPI {spi} ({src} → {dst}, {n} packets) was negotiated before the capture began or inside encrypted IKE',
      meaning: 'spitrace saw traffic on this SPI but not the exchange that created it, so it cannot say when the receiver installed it; only behaviour (one-way traffic, ICMP errors) can show it failing.',
      causes: ['The capture started after the SA was negotiated.', 'Its IKE SA is encrypted and no key was given.'],
      actions: ['Capture from before the tunnel comes up, or give the IKE keys with --keys.'],
    },
    ja: {
      title: 'ネゴシエーションが見えない SPI',
      message: 'SPI {spi} ({src} → {dst}、{n} パケット) はキャプチャ開始前か、暗号化された IKE の中でネゴシエートされました',
      meaning: 'この SPI の通信は見えていますが、それを作った交換は見えていないため、受信側がいつインストールしたかは分かりません。失敗は振る舞い (片方向の通信、ICMP エラー) からしか分かりません。',
      causes: ['SA のネゴシエーション後にキャプチャが始まった。', 'IKE SA が暗号化されており、鍵が与えられていない。'],
      actions: ['トンネルが確立する前からキャプチャするか、--keys で IKE の鍵を与えてください。'],
    },
  },
};

const RECOVERY_TEXT: Record<Lang, Record<RecoveryKind, string>> = {
  en: {
    'delete-notify': 'ended by a Delete notify at frame {frame}',
    'invalid-spi-recovery': 'ended by invalid SPI recovery (a new IKE SA, then a Delete) at frame {frame}',
    'dpd-restart': 'ended when the sender\'s DPD gave up and built a new IKE SA at frame {frame}',
    rekey: 'ended by a rekey at frame {frame}',
    'new-ike-sa': 'ended by a new IKE SA at frame {frame}',
    'install-completed': 'ended when the negotiation completed at frame {frame}',
    none: 'still failing when the capture ends',
  },
  ja: {
    'delete-notify': 'フレーム {frame} の Delete 通知で終了',
    'invalid-spi-recovery': 'フレーム {frame} の無効 SPI リカバリ (新しい IKE SA の後に Delete) で終了',
    'dpd-restart': 'フレーム {frame} で送信側の DPD が諦めて新しい IKE SA を作り終了',
    rekey: 'フレーム {frame} のリキーで終了',
    'new-ike-sa': 'フレーム {frame} の新しい IKE SA で終了',
    'install-completed': 'フレーム {frame} でネゴシエーションが完了して終了',
    none: 'キャプチャ終了時点でも失敗が続いています',
  },
};

const EVIDENCE_TEXT: Record<Lang, Record<string, string>> = {
  en: {
    'icmp-error': 'ICMP errors from the receiver',
    'ike-unanswered': 'unanswered IKE requests',
    'ike-answered-esp-silent': 'IKE answered while ESP was not',
    'new-ike-sa': 'a new IKE SA without a Delete of the old one',
    'initial-contact': 'INITIAL_CONTACT',
    'invalid-spi': 'an INVALID_SPI notify',
    'child-sa-not-found': 'CHILD_SA_NOT_FOUND',
    'reverse-silent': 'the reverse direction fell silent',
    'informational-after-burst': 'an encrypted INFORMATIONAL from the receiver during the silence',
    delete: 'a Delete',
    'ike-sa-deleted': 'the IKE SA was deleted',
  },
  ja: {
    'icmp-error': '受信側からの ICMP エラー',
    'ike-unanswered': '応答のない IKE 要求',
    'ike-answered-esp-silent': 'IKE は応答するが ESP は応答しない',
    'new-ike-sa': '古い IKE SA を Delete しないままの新しい IKE SA',
    'initial-contact': 'INITIAL_CONTACT',
    'invalid-spi': 'INVALID_SPI 通知',
    'child-sa-not-found': 'CHILD_SA_NOT_FOUND',
    'reverse-silent': '逆方向の沈黙',
    'informational-after-burst': '沈黙中の受信側からの暗号化された INFORMATIONAL',
    delete: 'Delete',
    'ike-sa-deleted': 'IKE SA の削除',
  },
};

const CERTAINTY_TEXT: Record<Lang, { inferred: string; certain: string }> = {
  en: { inferred: 'inferred', certain: 'certain' },
  ja: { inferred: '推定', certain: '確定' },
};

/** Formats seconds for a message: "850 ms", "41 s", "3 min 20 s". */
export function formatDuration(seconds: number, lang: Lang): string {
  if (seconds < 1) return lang === 'ja' ? `${Math.round(seconds * 1000)} ミリ秒` : `${Math.round(seconds * 1000)} ms`;
  if (seconds < 120) return lang === 'ja' ? `${trim(seconds)} 秒` : `${trim(seconds)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return lang === 'ja' ? `${m} 分 ${s} 秒` : `${m} min ${s} s`;
}

function trim(x: number): string {
  return x >= 10 ? x.toFixed(0) : x.toFixed(1);
}

export function recoveryText(f: Finding, lang: Lang): string {
  const r = f.recovery ?? { kind: 'none' as const, at: null };
  return fill(RECOVERY_TEXT[lang][r.kind], { frame: r.at ? r.at.frame : '?' });
}

/** Formats the one-line message of a finding in the requested language. */
export function findingMessage(f: Finding, lang: Lang): string {
  const text = CATALOG[f.kind][lang];
  const ja = lang === 'ja';
  const evidenceKinds = [...new Set(f.evidence.map((e) => e.kind))];
  let evidence = EVIDENCE_TEXT[lang]['reverse-silent']!;
  if (evidenceKinds.length > 0) evidence = evidenceKinds.map((k) => EVIDENCE_TEXT[lang][k] ?? k).join(ja ? '、' : ', ');
  let encodingText = ja ? 'SPI フィールド' : 'SPI field';
  if (f.details.encoding === 'notification-data') encodingText = ja ? 'SPI サイズ 0 の通知データ' : 'notification data, SPI size 0';
  let classification = ja ? '未分類' : 'unclassified';
  if (f.classification === 'transient') classification = ja ? '一時的' : 'transient';
  if (f.classification === 'persistent') classification = ja ? '持続的' : 'persistent';
  const certainty = f.certainty === 'inferred' ? CERTAINTY_TEXT[lang].inferred : CERTAINTY_TEXT[lang].certain;
  const values: Record<string, string | number> = {
    n: f.packets,
    proto: (f.protocol ?? 'esp').toUpperCase(),
    src: f.src ?? '?',
    dst: f.dst ?? '?',
    spi: f.spi === null ? '?' : formatSpi(f.spi),
    duration: formatDuration(f.durationSeconds ?? 0, lang),
    recovery: recoveryText(f, lang),
    classification,
    certainty,
    evidence,
    ikeSa: f.ikeSa ?? '?',
    ikeSpis: String(f.details.ikeSpis ?? f.ikeSa ?? '?'),
    reason: reasonText(String(f.details.reason ?? ''), lang),
    reporter: String(f.details.reporter ?? f.dst ?? '?'),
    encodingText,
    spiSize: String(f.details.spiSize ?? '?'),
    deletedFrame: String(f.details.deletedFrame ?? '?'),
  };
  return fill(text.message, values);
}

/** Japanese for the decryption failure codes (DecryptError) that undecryptable-IKE findings list. */
const DECRYPT_REASON_JA: Record<string, string> = {
  'no-key': '鍵なし',
  'unsupported-algorithm': '未対応のアルゴリズム',
  'unknown-algorithm': 'アルゴリズム不明',
  'no-phase1': 'フェーズ 1 がキャプチャにない',
  'bad-fragment': '不正なフラグメント',
  'fragment-limit': 'フラグメントがメモリ上限を超過',
  'integrity-failed': '完全性検査の失敗',
  'bad-padding': '不正なパディング',
  'bad-length': '不正な長さ',
  truncated: '途中で切れている',
  'bad-key': '鍵の長さが不正',
};

/** Returns a comma-separated list of decryption failure codes in `lang`. In English the codes stay as they are. */
function reasonText(codes: string, lang: Lang): string {
  if (lang === 'en' || codes === '') return codes;
  return codes
    .split(', ')
    .map((code) => DECRYPT_REASON_JA[code] ?? code)
    .join('、');
}

/** Formats what `spitrace explain KIND` prints. */
export function explain(kind: FindingKind, lang: Lang): string {
  const entry = CATALOG[kind];
  const t = entry[lang];
  const heading = lang === 'ja' ? { rule: '根拠', meaning: '意味', causes: 'よくある原因', actions: '対処' } : { rule: 'Rule', meaning: 'Meaning', causes: 'Usual causes', actions: 'What to do' };
  const lines = [`${kind}: ${t.title}`, '', `${heading.rule}: ${entry.rule[lang]}`, '', `${heading.meaning}:`, wrap(t.meaning), '', `${heading.causes}:`];
  for (const c of t.causes) lines.push(wrap(`- ${c}`, '  '));
  lines.push('', `${heading.actions}:`);
  for (const a of t.actions) lines.push(wrap(`- ${a}`, '  '));
  return lines.join('\n') + '\n';
}

/** Wraps English text at 78 columns; Japanese lines are left as they are (no spaces to break at). */
function wrap(text: string, indent = ''): string {
  if (!text.includes(' ') || /[\u3000-\u9fff]/.test(text)) return text;
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line.length > 0 && line.length + 1 + w.length > 78) {
      lines.push(line);
      line = indent + w;
    } else {
      line = line.length > 0 ? `${line} ${w}` : w;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
