// The interactive timeline (`spitrace analyze --timeline`): per tunnel, the
// SA events and outages in time order, and the findings with their frames,
// evidence and recovery. Keys: ←/→ tunnel, ↑/↓ and PgUp/PgDn move, Tab
// switches between timeline and findings, Enter shows details, q quits.

import { Box, render, Text, useApp, useInput, useStdout } from 'ink';
import { useMemo, useState } from 'react';
import type { AnalysisResult } from '../analyze/result.js';
import { findingMessage } from '../report/catalog.js';
import { type Lang, ui } from '../report/i18n.js';
import { clock, findingDetail, severityTag, type TimelineEntry, tunnelTimeline } from '../report/text.js';
import type { Finding } from '../sa/findings.js';
import { escapeForTerminal } from '../util/format.js';

type View = 'timeline' | 'findings';

const TONE_COLOR: Record<TimelineEntry['tone'], string | undefined> = { normal: undefined, error: 'red', warning: 'yellow' };
const SEVERITY_COLOR: Record<Finding['severity'], string> = { error: 'red', warning: 'yellow', info: 'gray' };

interface Props {
  result: AnalysisResult;
  lang: Lang;
}

/** Keeps `index` inside a window of `height` rows and returns the first visible row. */
function windowStart(index: number, length: number, height: number): number {
  if (length <= height) return 0;
  return Math.min(Math.max(0, index - Math.floor(height / 2)), length - height);
}

export function TimelineApp({ result, lang }: Props) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const rows = Math.max(8, (stdout.rows ?? 24) - 8);
  const tunnels = useMemo(() => result.tunnels.filter((t) => t.events.length > 0), [result]);
  const findings = useMemo(() => result.findings.filter((f) => f.kind !== 'spi-unknown-origin'), [result]);
  const [tunnelIndex, setTunnelIndex] = useState(0);
  const [view, setView] = useState<View>(tunnels.length > 0 ? 'timeline' : 'findings');
  const [cursor, setCursor] = useState(0);
  const [detail, setDetail] = useState(false);

  const tunnel = tunnels[tunnelIndex];
  const entries = useMemo(() => (tunnel ? tunnelTimeline(tunnel, result.findings, lang) : []), [tunnel, result, lang]);
  const length = view === 'timeline' ? entries.length : findings.length;

  // Keys that arrive together (a held arrow key, a paste) come in one batch before React renders
  // again, so every update starts from the state the previous key left, not from this render's.
  useInput((input, key) => {
    if (input === 'q' || key.escape) {
      if (detail) setDetail(false);
      else exit();
      return;
    }
    if (key.tab) {
      setView((v) => (v === 'timeline' ? 'findings' : 'timeline'));
      setCursor(0);
      setDetail(false);
      return;
    }
    if (key.return) {
      setDetail((d) => !d);
      return;
    }
    if (key.leftArrow && tunnels.length > 0) {
      setTunnelIndex((i) => (i + tunnels.length - 1) % tunnels.length);
      setCursor(0);
    }
    if (key.rightArrow && tunnels.length > 0) {
      setTunnelIndex((i) => (i + 1) % tunnels.length);
      setCursor(0);
    }
    let step = 0;
    if (key.downArrow) step = 1;
    if (key.upArrow) step = -1;
    if (key.pageDown) step = rows;
    if (key.pageUp) step = -rows;
    if (step !== 0) setCursor((c) => Math.max(0, Math.min(length - 1, c + step)));
  });

  const selectedId = view === 'findings' ? findings[cursor]?.id : entries[cursor]?.findingId;
  const selectedFinding = findings.find((f) => f.id === selectedId);

  return (
    <Box flexDirection="column">
      <Text bold>
        spitrace — {view === 'timeline' ? ui(lang, 'timeline') : ui(lang, 'findings')}
        {view === 'timeline' && tunnel ? `  ${tunnel.a} ⇄ ${tunnel.b}  (${tunnelIndex + 1}/${tunnels.length})` : ''}
      </Text>
      <Text dimColor>{lang === 'ja' ? '←/→ トンネル  ↑/↓ 移動  Tab 切替  Enter 詳細  q/Esc 詳細を閉じる・終了' : '←/→ tunnel  ↑/↓ move  Tab switch  Enter details  q/Esc close details or quit'}</Text>
      <Box flexDirection="column" marginTop={1}>
        {view === 'timeline' ? <TimelineRows entries={entries} cursor={cursor} height={rows} /> : <FindingRows findings={findings} cursor={cursor} height={rows} lang={lang} />}
      </Box>
      {detail && selectedFinding ? (
        <Box flexDirection="column" borderStyle="single" paddingX={1}>
          {findingDetail(selectedFinding, { lang, maxFrames: 40, multipleInputs: result.inputs.length > 1 }).map((line, i) => (
            <Text key={i}>{escapeForTerminal(line)}</Text>
          ))}
        </Box>
      ) : null}
      {detail && !selectedFinding ? <Text dimColor>{lang === 'ja' ? 'この行には所見がありません。' : 'No finding on this row.'}</Text> : null}
    </Box>
  );
}

function TimelineRows({ entries, cursor, height }: { entries: TimelineEntry[]; cursor: number; height: number }) {
  if (entries.length === 0) return <Text dimColor>—</Text>;
  const start = windowStart(cursor, entries.length, height);
  return (
    <>
      {entries.slice(start, start + height).map((e, i) => {
        const index = start + i;
        const color = TONE_COLOR[e.tone];
        return (
          <Text key={index} inverse={index === cursor} {...(color ? { color } : {})}>
            {clock(e.at)} #{String(e.at.frame).padEnd(6)} {e.text}
          </Text>
        );
      })}
    </>
  );
}

function FindingRows({ findings, cursor, height, lang }: { findings: Finding[]; cursor: number; height: number; lang: Lang }) {
  if (findings.length === 0) return <Text dimColor>{ui(lang, 'noFindings')}</Text>;
  const start = windowStart(cursor, findings.length, height);
  return (
    <>
      {findings.slice(start, start + height).map((f, i) => {
        const index = start + i;
        return (
          <Text key={f.id} inverse={index === cursor} color={SEVERITY_COLOR[f.severity]}>
            {severityTag(f.severity, lang)} {f.kind} {f.id}: {escapeForTerminal(findingMessage(f, lang))}
          </Text>
        );
      })}
    </>
  );
}

/** Opens the timeline and resolves when the user quits. */
export async function runTimeline(result: AnalysisResult, lang: Lang): Promise<void> {
  if (!process.stdin.isTTY) throw new Error('--timeline needs an interactive terminal (standard input is not a TTY)');
  const app = render(<TimelineApp result={result} lang={lang} />);
  await app.waitUntilExit();
}
