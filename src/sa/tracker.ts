// The SA tracker: for every receiver, which inbound SPIs it has at each
// frame, and a verdict for every ESP or AH packet against them.
//
// Inputs arrive in capture order: IKE-derived events (applied by
// ike-events.ts), ESP/AH packets and ICMP errors. The tracker keeps state
// per SA and per tunnel, never per packet, except the frame lists of
// findings (the report lists every flagged frame) and the packets of an
// open silence run.
//
// An SPI is chosen by the receiver for its own inbound SA (RFC 7296 §3.3.1,
// RFC 2409 §5.5), so a packet is judged against the SAs of its destination.

import type { AhPacket, Encapsulation, EspPacket, FrameNumber, FrameRef, IcmpError, QuotedPacket, Spi } from '../types.js';
import { compareTime, secondsBetween, toSeconds } from '../util/format.js';
import { RecentCopies } from '../util/recent-copies.js';
import { type ChildSa, type DeletedBy, type SaLinks, snapshot } from './child-sa.js';
import type { IkeSaId, IpsecProtocol, SaEvent } from './events.js';
import { BASE_SEVERITY, blankFinding, type Evidence, type Finding, type FindingKind } from './findings.js';
import { closeOutage, findRecovery, isTransient, type Outage } from './outages.js';
import { DEFAULT_SILENCE, type Direction, MAX_RUN_PACKETS, type SilenceOptions, type SilenceRun } from './silence.js';
import { IkeEventHandler } from './ike-events.js';
import { SaRegistry } from './registry.js';
import { type Tunnel, tunnelKey } from './tunnel.js';

export interface TrackerOptions {
  /** An outage that starts and ends within this many seconds of an install, rekey or delete is transient. */
  transientWindowSeconds: number;
  silence: SilenceOptions;
  /** Called when a finding opens, changes or closes; live output prints from here. */
  onFinding?: (finding: Finding, phase: 'open' | 'update' | 'close') => void;
  /**
   * Live capture: after each onFinding call the finding's frame list is
   * emptied, so every call carries only the frames added since the last one
   * and memory does not grow with the packets of a long outage.
   */
  streaming?: boolean;
}

export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = {
  transientWindowSeconds: 2,
  silence: DEFAULT_SILENCE,
};

/** The SAs, findings and tunnels the tracker holds at the end of the input. */
export interface TrackerResult {
  childSas: ChildSa[];
  findings: Finding[];
  tunnels: Tunnel[];
}

type Verdict = 'ok' | 'spi-not-installed' | 'spi-after-delete' | 'spi-lost' | 'spi-before-install';

const LOST_BY: ReadonlySet<DeletedBy> = new Set<DeletedBy>(['initial-contact', 'new-ike-sa', 'lost', 'invalid-spi']);

/**
 * Seconds after the receiver's last packet during which a packet sent to it
 * counts as received: it was demonstrably alive, and a reply to what it sent
 * follows within a round trip.
 */
const RECEIVER_ALIVE_SECONDS = 0.1;

/**
 * Live capture: seconds a flow's failing packets must have stopped, and its
 * recovery must be old, before its outage is reported (see settle()). Longer
 * than the transient window and than IKE's first retransmissions, so that
 * the verdict rarely differs from the one at the end of the input.
 */
const SETTLE_SECONDS = 10;

function seconds(ref: FrameRef): number {
  return ref.time.sec + ref.time.nsec / 1e9;
}

function secondsSince(time: number, ref: FrameRef): number {
  return seconds(ref) - time;
}

/** True for ICMP errors reporting an undelivered packet (not "fragmentation needed" or "time exceeded"). */
function isDeliveryFailure(p: IcmpError): boolean {
  if (p.icmpVersion === 4) return p.icmpType === 3 && p.icmpCode !== 4;
  if (p.icmpType === 1) return true;
  // IPv6 has no protocol unreachable: a node that does not process ESP or AH sends Parameter Problem
  // code 1, "unrecognized Next Header type encountered", pointing at the Next Header field that names
  // it (RFC 8200 section 4, RFC 4443 section 3.4).
  const q = p.quoted;
  if (p.icmpType !== 4 || p.icmpCode !== 1 || q === null || p.pointer !== q.protocolOffset) return false;
  return q.protocol === 50 || q.protocol === 51;
}

/** ICMP errors remembered to recognise a copy captured in another input. */
const RECENT_ICMP_ERRORS = 32;

/**
 * Returns what identifies an ICMP error across capture points. It leaves out
 * addresses and, when an SPI was quoted, ports, because a NAT between the
 * capture points rewrites them in the quote. The SPI and sequence number
 * identify the packet.
 */
function icmpErrorKey(p: IcmpError, q: QuotedPacket): string {
  const packet = q.spi === null ? `${q.srcPort}-${q.dstPort}` : `${q.spi}-${q.seq}`;
  return `${p.icmpVersion}/${p.icmpType}/${p.icmpCode}/${q.protocol}/${packet}`;
}


/** The fields every packet of a flow shares, kept from its first packet (see SaTracker.flowPacket). */
interface FlowState {
  sa: ChildSa;
  src: string;
  encapsulation: Encapsulation;
  srcPort: number;
  dstPort: number;
  /** True for an SPI below 256, whose every packet packet() records in a reserved-spi finding. */
  reserved: boolean;
}

export class SaTracker {
  private readonly options: TrackerOptions;
  private readonly registry = new SaRegistry();
  private readonly ikeEvents: IkeEventHandler;
  /** Set when packets come from several inputs, so the same packet seen twice is counted once. */
  multipleInputs = false;
  private readonly recentIcmpErrors = new RecentCopies(RECENT_ICMP_ERRORS);
  private readonly packetFindings = new Map<string, Finding>();
  private readonly openOutages = new Map<ChildSa, Outage>();
  private readonly closedOutages: Outage[] = [];
  /** The SAs some outage was reported on. */
  private readonly failedSas = new Set<ChildSa>();
  private readonly findings: Finding[] = [];
  private readonly reserved = new Map<string, Finding>();
  /** Key hints per IKE SA that was not decrypted. */
  private readonly keyHints = new Map<IkeSaId, string>();
  private nextId = 1;
  private finished = false;
  private readonly closed = new Set<Finding>();
  /** The state packet() kept for each flow id of the capture being read (see EspPacket.flow). */
  private readonly flows: FlowState[] = [];

  constructor(options: Partial<TrackerOptions> = {}) {
    this.options = { ...DEFAULT_TRACKER_OPTIONS, ...options, silence: { ...DEFAULT_SILENCE, ...options.silence } };
    this.ikeEvents = new IkeEventHandler(
      this.registry,
      {
        confirmRun: (d, evidence) => this.confirmRun(d, evidence),
        evidenceAgainst: (tunnel, receiver, evidence, requireSilence) => this.evidenceAgainst(tunnel, receiver, evidence, requireSilence),
        addOutageEvidence: (tunnel, receiver, evidence) => this.addOutageEvidence(tunnel, receiver, evidence),
        addSaEvidence: (sas, evidence) => {
          for (const sa of sas) this.openOutages.get(sa)?.evidence.push(evidence);
        },
        installed: (sa) => {
          const outage = this.openOutages.get(sa);
          if (outage && outage.kinds.has('spi-before-install')) this.endOutage(sa, outage);
        },
        report: (kind, fill) => {
          const f = this.addFinding(kind, fill);
          if (f.first && f.last) f.durationSeconds = secondsBetween(f.first.time, f.last.time);
          this.emit(f, 'close');
        },
      },
      this.options.silence,
    );
  }

  /** Applies one IKE-derived event (events.ts), in capture order with the packets. */
  apply(event: SaEvent): void {
    this.ikeEvents.apply(event);
  }

  private newFinding(kind: FindingKind): Finding {
    const f = blankFinding(`f${this.nextId++}`, kind);
    this.findings.push(f);
    return f;
  }

  /** Records the key line that would decrypt an IKE SA, for inferred findings in its tunnel. */
  setKeyHint(ikeSa: IkeSaId, hint: string): void {
    this.keyHints.set(ikeSa, hint);
  }

  /** Marks that an IKE message between two peers could not be read, so negotiations may be hidden. */
  markBlind(x: string, y: string, ikeSa: IkeSaId | null): void {
    const t = this.registry.tunnel(x, y);
    t.blind = true;
    if (ikeSa) {
      const s = t.ikeSas.get(ikeSa);
      if (s) s.visible = false;
    }
  }

  /** Adds a finding produced outside the tracker (IKE decryption results), so ids stay in one sequence. */
  addFinding(kind: FindingKind, fill: (f: Finding) => void): Finding {
    const f = this.newFinding(kind);
    fill(f);
    return f;
  }

  // ---- packets --------------------------------------------------------------

  /** Forgets the flow ids of the capture read so far; the next capture numbers its own. */
  forgetFlows(): void {
    this.flows.length = 0;
  }

  /**
   * Judges one ESP or AH packet against its receiver's inbound SAs. The
   * packet and its ref may be reused by the caller afterwards (see
   * PacketSink): whatever is kept of them is copied.
   */
  packet(p: EspPacket | AhPacket): void {
    const protocol: IpsecProtocol = p.kind;
    const src = p.ip.src;
    const dst = p.ip.dst;
    const ref = p.ref;
    // A flow's packets all go to one SA, and the registry never replaces an SA, so the first lookup holds.
    const flow = p.kind === 'esp' ? (p.flow ?? -1) : -1;
    let sa = flow >= 0 ? this.flows[flow]?.sa : undefined;
    if (sa === undefined) {
      sa = this.registry.lookup(dst, protocol, p.spi | 0) ?? this.observe(dst, protocol, p.spi, src, ref);
      if (p.kind === 'esp' && flow >= 0) this.flows[flow] = { sa, src, encapsulation: p.encapsulation, srcPort: p.srcPort, dstPort: p.dstPort, reserved: p.spi < 256 };
    }

    // The reserved-SPI finding keeps the packet's ref; such packets are rare, so copy it here.
    if (p.spi < 256) this.noteReserved({ ...p, ref: snapshot(ref) }, protocol);
    const counted =
      p.kind === 'esp'
        ? sa.count(ref, src, p.seq, p.length, p.encapsulation, p.srcPort, p.dstPort, this.multipleInputs)
        : sa.count(ref, src, p.seq, p.length, 'none', 0, 0, this.multipleInputs);

    let links = sa.links;
    if (links === null || links.src !== src) links = this.linksFor(sa, src, dst);

    this.heard(links.reverse, ref.time.sec, ref.time.nsec);
    const verdict = this.verdict(sa);
    if (verdict === 'ok') {
      if (counted) this.accepted(sa, links, src, ref.input, ref.frame, ref.time.sec, ref.time.nsec, ref.time.digits);
      return;
    }
    const inferred = verdict === 'spi-lost' || (verdict === 'spi-not-installed' && sa.origin === 'observed');
    this.flag(verdict, sa, src, dst, ref, counted, inferred ? 'inferred' : 'certain');
  }

  /**
   * Judges a later packet of a flow whose first packet went through
   * packet(), given as numbers, with the result packet() would give. It
   * takes only the common case: one input, an SPI above the reserved range,
   * and an SA that accepts packets and whose links are for this sender.
   * For any other packet it returns false and changes nothing, and the
   * caller passes the packet to packet().
   */
  flowPacket(flow: number, input: number, frame: number, sec: number, nsec: number, digits: number, seq: number, length: number): boolean {
    const f = this.flows[flow];
    if (f === undefined || f.reserved || this.multipleInputs) return false;
    const sa = f.sa;
    const links = sa.links;
    const src = f.src;
    if (links === null || links.src !== src || sa.first === null || this.verdict(sa) !== 'ok') return false;
    sa.add(input, frame, sec, nsec, digits, src, seq, length, f.encapsulation, f.srcPort, f.dstPort);
    this.heard(links.reverse, sec, nsec);
    this.accepted(sa, links, src, input, frame, sec, nsec, digits);
    return true;
  }

  /** Records that the receiver of direction `d` sent a packet the other way at capture time sec.nsec, which ends the direction's run. */
  private heard(d: Direction, sec: number, nsec: number): void {
    d.reverseSeen = true;
    d.reverseTime = sec + nsec / 1e9;
    if (d.run !== null || d.pendingSa !== null || d.overflowed) this.dropRun(d);
  }

  /** Ends the outage of `sa` from sender `src` and extends the direction's run, for a counted packet that the receiver accepts. */
  private accepted(sa: ChildSa, links: SaLinks, src: string, input: number, frame: number, sec: number, nsec: number, digits: number): void {
    const outage = sa.openOutage;
    if (outage !== null && outage.src === src) this.endOutage(sa, outage);
    this.extendRun(links.forward, sa, input, frame, sec, nsec, digits);
  }

  private verdict(sa: ChildSa): Verdict {
    switch (sa.state) {
      case 'installed':
      case 'deleting':
      case 'observed':
        return 'ok';
      case 'proposed':
        return 'spi-before-install';
      case 'lost':
        return 'spi-lost';
      case 'never-installed':
        return 'spi-not-installed';
      case 'deleted':
        if (sa.deleted?.by === 'negotiation-failed') return 'spi-not-installed';
        return sa.deleted && LOST_BY.has(sa.deleted.by) ? 'spi-lost' : 'spi-after-delete';
    }
  }

  private linksFor(sa: ChildSa, src: string, dst: string): SaLinks {
    const tunnel = this.registry.tunnel(src, dst);
    const links: SaLinks = { src, tunnel, forward: tunnel.direction(src, dst), reverse: tunnel.direction(dst, src) };
    sa.links = links;
    return links;
  }

  /** Creates the record of an SA first seen in traffic. */
  private observe(receiver: string, protocol: IpsecProtocol, spi: Spi, sender: string, ref: FrameRef): ChildSa {
    const tunnel = this.registry.tunnel(sender, receiver);
    const visible = tunnel.visibleSince !== null && !tunnel.blind && compareTime(tunnel.visibleSince.time, ref.time) <= 0;
    if (tunnel.visibleSince === null) tunnel.trafficBeforeIke = true;
    const sa = this.registry.sa({ receiver, protocol, spi }, sender, visible ? 'never-installed' : 'observed');
    return sa;
  }

  private noteReserved(p: EspPacket | AhPacket, protocol: IpsecProtocol): void {
    const key = `${p.ip.src}|${p.ip.dst}|${protocol}|${p.spi}`;
    let f = this.reserved.get(key);
    if (!f) {
      f = this.newFinding('reserved-spi');
      f.protocol = protocol;
      f.spi = p.spi;
      f.src = p.ip.src;
      f.dst = p.ip.dst;
      f.first = p.ref;
      this.reserved.set(key, f);
    }
    f.last = p.ref;
    f.packets += 1;
    f.frames.push([p.ref.input, p.ref.frame]);
    if (this.options.streaming && f.frames.length >= 1000) this.emit(f, 'update');
  }

  /** Adds a failing packet to its packet-level finding and to the outage of its flow. */
  private flag(kind: Verdict & FindingKind, sa: ChildSa, src: string, dst: string, ref: FrameRef, counted: boolean, certainty: 'certain' | 'inferred'): void {
    const key = `${kind}|${src}|${sa.key}`;
    let f = this.packetFindings.get(key);
    const opened = !f;
    if (!f) {
      f = this.newFinding(kind);
      f.protocol = sa.protocol;
      f.spi = sa.spi;
      f.src = src;
      f.dst = dst;
      f.first = snapshot(ref);
      f.ikeSa = sa.ikeSa;
      f.certainty = certainty;
      if (kind === 'spi-after-delete' && sa.deleted) f.details.deletedFrame = sa.deleted.at.frame;
      this.packetFindings.set(key, f);
    }
    f.frames.push([ref.input, ref.frame]);
    if (!counted) return;
    f.packets += 1;
    const kept = snapshot(ref);
    f.last = kept;

    let outage = sa.openOutage;
    if (outage !== null && outage.src !== src) {
      this.endOutage(sa, outage);
      outage = null;
    }
    if (outage === null) {
      outage = { sa, src, dst, first: kept, last: kept, packets: 0, kinds: new Set(), findings: new Set(), evidence: [] };
      sa.openOutage = outage;
      this.openOutages.set(sa, outage);
    }
    outage.last = kept;
    outage.packets += 1;
    outage.kinds.add(kind);
    outage.findings.add(f);
    this.emit(f, opened ? 'open' : 'update');
  }

  private emit(f: Finding, phase: 'open' | 'update' | 'close'): void {
    if (phase === 'close') this.closed.add(f);
    if (!this.options.onFinding) return;
    this.options.onFinding(f, phase);
    if (this.options.streaming) f.frames.length = 0;
  }

  private endOutage(sa: ChildSa, outage: Outage): void {
    sa.openOutage = null;
    this.openOutages.delete(sa);
    this.closedOutages.push(outage);
  }

  // ---- silence inference -----------------------------------------------------

  private extendRun(d: Direction, sa: ChildSa, input: number, frame: number, sec: number, nsec: number, digits: number): void {
    // Without any reverse traffic yet, only SAs whose install was seen start a run: then "since the
    // install" is a meaningful start for packets a later INVALID_SPI or ICMP error shows were dropped.
    if (!d.reverseSeen && !(sa.origin === 'negotiated' && sa.state === 'installed')) return;
    if (d.overflowed) return;
    if (d.run === null && d.pendingSa === null) {
      // The usual case: the first packet since the receiver last sent. Keep it as numbers only.
      d.pendingSa = sa;
      d.pendingInput = input;
      d.pendingFrame = frame;
      d.pendingSec = sec;
      d.pendingNsec = nsec;
      d.pendingDigits = digits;
      return;
    }
    const run = this.runOf(d)!;
    // A long pause in the sender's own traffic (or a clock that went backwards) ends the run: silence
    // only means something while the sender keeps sending.
    if (run.pausedBefore(sec, nsec, this.options.silence.activeWithinSeconds)) {
      this.dropRun(d);
      this.extendRun(d, sa, input, frame, sec, nsec, digits);
      return;
    }
    if (run.packets >= MAX_RUN_PACKETS) {
      d.run = null;
      d.overflowed = true;
      return;
    }
    run.add(sa, input, frame, sec, nsec, digits);
    const silence = this.options.silence;
    if (!d.isSilent(silence)) return;
    if (run.seconds >= silence.persistSeconds) {
      this.confirmRun(d, { kind: 'reverse-silent', at: { input, frame: frame as FrameNumber, time: { sec, nsec, digits } }, detail: `${run.packets} packets over ${run.seconds.toFixed(1)} s unanswered` });
      return;
    }
    if (!run.provisional && this.options.onFinding) {
      run.provisional = true;
      for (const [runSa, list] of run.bySa) this.options.onFinding(provisionalFinding(d.sender, d.receiver, run, runSa, list.length), 'open');
    }
  }

  /** Returns the direction's run, turning a pending first packet into one. */
  private runOf(d: Direction): SilenceRun | null {
    if (d.run === null && d.pendingSa !== null) return d.startRun();
    return d.run;
  }

  /** Drops the run because the receiver sent again, so the packets without a reply were not lost. */
  private dropRun(d: Direction): void {
    d.overflowed = false;
    d.pendingSa = null;
    const run = d.run;
    if (!run) return;
    d.run = null;
    d.unansweredRequests = 0;
    this.closeProvisional(d, run, 'retracted');
  }

  /** Closes the live-only suspected findings of a run, saying how the suspicion ended. */
  private closeProvisional(d: Direction, run: SilenceRun, outcome: 'retracted' | 'confirmed' | 'unconfirmed'): void {
    if (!run.provisional || !this.options.onFinding) return;
    run.provisional = false;
    for (const [sa, list] of run.bySa) {
      const f = provisionalFinding(d.sender, d.receiver, run, sa, list.length);
      f.details[outcome] = true;
      this.options.onFinding(f, 'close');
    }
  }

  /**
   * Evidence confirmed that the receiver lost the SAs the run was sent on:
   * flag the run's packets, from index `first` of the run on.
   */
  private confirmRun(d: Direction, evidence: Evidence, first = 0): void {
    const run = this.runOf(d);
    if (!run) return;
    d.run = null;
    this.closeProvisional(d, run, 'confirmed');
    run.evidence.push(evidence);
    for (const [sa, list] of run.bySaFrom(first)) {
      if (!sa.accepting) continue;
      // The receiver was alive when it last sent, so a packet that reached it within moments of that
      // (often the reply to what it sent) was still received.
      let i = 0;
      while (i < list.length && d.reverseSeen && secondsSince(d.reverseTime, list.times[i]!) <= RECEIVER_ALIVE_SECONDS) i++;
      if (i === list.length) continue;
      sa.state = 'lost';
      sa.lostAt = list.times[i]!;
      sa.deleted = { at: list.times[i]!, by: 'lost' };
      for (; i < list.length; i++) this.flag('spi-lost', sa, d.sender, d.receiver, list.times[i]!, true, 'inferred');
      const outage = this.openOutages.get(sa);
      if (outage) outage.evidence.push(...run.evidence);
    }
  }

  /** Adds evidence to every direction whose receiver is `receiver` and whose run is open. */
  private evidenceAgainst(tunnel: Tunnel, receiver: string, evidence: Evidence, requireSilence: boolean): void {
    for (const d of tunnel.allDirections()) {
      if (d.receiver !== receiver || (d.run === null && d.pendingSa === null)) continue;
      if (requireSilence && !d.isSilent(this.options.silence)) continue;
      this.confirmRun(d, evidence);
    }
    this.addOutageEvidence(tunnel, receiver, evidence);
  }

  private addOutageEvidence(tunnel: Tunnel, receiver: string, evidence: Evidence): void {
    for (const outage of this.openOutages.values()) {
      if (outage.dst === receiver && tunnel.key === tunnelKey(outage.src, outage.dst)) outage.evidence.push(evidence);
    }
  }

  /** Uses an ICMP error as evidence: the reporter could not deliver a packet, often because nothing listens for ESP any more. */
  icmpError(p: IcmpError): void {
    const q = p.quoted;
    if (!q || !isDeliveryFailure(p)) return;
    const isIpsec = q.protocol === 50 || q.protocol === 51 || (q.protocol === 17 && (q.dstPort === 4500 || q.srcPort === 4500 || q.dstPort === 500));
    if (!isIpsec) return;
    if (this.multipleInputs && this.recentIcmpErrors.seenElsewhere(icmpErrorKey(p, q), p.ref.input, toSeconds(p.ref.time))) return;
    const receiver = q.dst;
    const sender = q.src;
    const tunnel = this.registry.tunnel(sender, receiver);
    const evidence: Evidence = { kind: 'icmp-error', at: p.ref, detail: `ICMP${p.icmpVersion === 6 ? 'v6' : ''} type ${p.icmpType} code ${p.icmpCode} from ${p.ip.src}` };
    tunnel.record({ kind: 'icmp-error', at: p.ref, actor: p.ip.src, sas: [], ikeSa: null });
    const d = tunnel.direction(sender, receiver);
    if (d.run !== null || d.pendingSa !== null) {
      // The error answers the latest packet on the quoted SA. Earlier packets drew none, so they still
      // reached a listening receiver (one that crashed after taking a packet never replied to it).
      const run = this.runOf(d)!;
      const quotedSa = q.spi === null ? undefined : this.registry.lookup(receiver, q.protocol === 51 ? 'ah' : 'esp', q.spi);
      const first = quotedSa === undefined ? 0 : Math.max(0, run.lastIndexOf(quotedSa));
      this.confirmRun(d, evidence, first);
      this.addOutageEvidence(tunnel, receiver, evidence);
      return;
    }
    // No run is open because the receiver never sent anything back. The quoted packet itself was not
    // delivered, and neither will the next ones be. Protocol unreachable means the receiver does not
    // process ESP or AH at all. Port unreachable on 4500 means nothing listens for ESP in UDP any more.
    if (q.spi === null) return;
    const protocol: IpsecProtocol = q.protocol === 51 ? 'ah' : 'esp';
    const sa = this.registry.get({ receiver, protocol, spi: q.spi });
    if (!sa || !sa.last || !sa.accepting) {
      if (sa) this.openOutages.get(sa)?.evidence.push(evidence);
      return;
    }
    const negotiated = sa.origin === 'negotiated';
    this.flag(negotiated ? 'spi-lost' : 'spi-not-installed', sa, sender, receiver, sa.last, true, 'inferred');
    if (negotiated) {
      sa.state = 'lost';
      sa.lostAt = sa.last;
      sa.deleted = { at: sa.last, by: 'lost' };
    } else {
      sa.state = 'never-installed';
    }
    this.openOutages.get(sa)?.evidence.push(evidence);
  }

  // ---- end of input -------------------------------------------------------------

  /** Closes runs, outages and per-SA notes; returns everything for the report. Call once. */
  finish(): TrackerResult {
    if (this.finished) throw new Error('SaTracker.finish called twice');
    this.finished = true;

    for (const tunnel of this.registry.allTunnels()) {
      for (const d of tunnel.allDirections()) {
        const run = d.run;
        if (run && d.isSilent(this.options.silence) && run.seconds >= this.options.silence.persistSeconds) {
          this.confirmRun(d, { kind: 'reverse-silent', at: run.last, detail: `${run.packets} packets over ${run.seconds.toFixed(1)} s unanswered until the capture ended` });
        } else if (run) {
          this.closeProvisional(d, run, 'unconfirmed');
        }
      }
    }
    for (const [sa, outage] of this.openOutages) this.endOutage(sa, outage);

    this.closedOutages.sort((x, y) => compareTime(x.first.time, y.first.time));
    for (const outage of this.closedOutages) this.summarise(outage);
    this.closedOutages.length = 0;

    this.noteSas();
    for (const f of this.findings) {
      if (f.kind === 'desync' || !f.first || !f.last || f.durationSeconds !== null) continue;
      f.durationSeconds = secondsBetween(f.first.time, f.last.time);
    }
    const findings = [...this.findings].sort(compareFindings);
    for (const f of findings) if (!this.closed.has(f)) this.emit(f, 'close');
    return { childSas: [...this.registry.childSas()], findings, tunnels: [...this.registry.allTunnels()] };
  }

  /**
   * Live capture: reports as desync findings, before the input ends, the
   * outages that are over. An outage is over once its flow has sent no
   * failing packet for SETTLE_SECONDS, and either it was a race at an SA
   * change or, while its SA still fails, a recovery after its last packet is
   * SETTLE_SECONDS old too. Offline, outages wait for finish(), which has
   * every later event. `now` is a time on the capture clock, in seconds.
   */
  settle(now: number): void {
    if (!this.options.streaming || this.finished) return;
    const window = this.options.transientWindowSeconds;
    // Events within the transient window of an outage's last packet can still change its verdict.
    const quiet = Math.max(SETTLE_SECONDS, window);
    for (const [sa, outage] of this.openOutages) {
      if (now - seconds(outage.last) < quiet) continue;
      const events = this.registry.tunnel(outage.src, outage.dst).events;
      // A race at an SA change is over once its packets stop. Otherwise the outage ends with a recovery
      // after its last packet: one before it (a rekey the sender ignored) did not end it.
      const recovery = findRecovery(outage, events, window);
      const recovered = recovery.at !== null && seconds(recovery.at) >= seconds(outage.last) - window && now - seconds(recovery.at) >= quiet;
      if (recovered || isTransient(outage, events, window)) this.endOutage(sa, outage);
    }
    let pending = 0;
    for (const outage of this.closedOutages) {
      if (now - seconds(outage.last) < quiet) this.closedOutages[pending++] = outage;
      else this.summarise(outage);
    }
    this.closedOutages.length = pending;
  }

  /** Turns an ended outage into its desync finding and links the packet-level findings to it. */
  private summarise(outage: Outage): void {
    const tunnel = this.registry.tunnel(outage.src, outage.dst);
    const desync = this.newFinding('desync');
    this.failedSas.add(outage.sa);
    closeOutage(outage, desync, tunnel, this.options.transientWindowSeconds);
    for (const f of outage.findings) {
      for (const e of desync.evidence) if (!f.evidence.some((x) => x.kind === e.kind && x.at.frame === e.at.frame && x.at.input === e.at.input)) f.evidence.push(e);
      f.related.push(desync.id);
      desync.related.push(f.id);
      f.signature ??= desync.signature;
      if (f.classification === null || f.classification === 'transient') f.classification = desync.classification;
      // Packets dropped in a race at a rekey or delete are expected: they weigh as much as their outage.
      const base = BASE_SEVERITY[f.kind];
      f.severity = f.classification === 'transient' && base === 'error' ? 'warning' : base;
      if (desync.keyHint === null) desync.keyHint = this.keyHintFor(tunnel, outage.first, outage.sa.ikeSa);
      if (f.certainty === 'inferred') f.keyHint ??= this.keyHintFor(tunnel, f.first, f.ikeSa);
    }
    this.emit(desync, 'close');
  }

  /**
   * Returns the key line of the undecrypted IKE SA most likely to have
   * negotiated what was in use at `at`. That is `own` (the SA's IKE SA) when
   * it has a hint. Otherwise it is the latest IKE SA begun by then, or else
   * the first one in the tunnel.
   */
  private keyHintFor(tunnel: Tunnel, at: FrameRef | null, own: IkeSaId | null): string | null {
    const ownHint = own === null ? undefined : this.keyHints.get(own);
    if (ownHint !== undefined) return ownHint;
    let first: string | null = null;
    let latest: string | null = null;
    for (const s of tunnel.ikeSas.values()) {
      const hint = this.keyHints.get(s.id);
      if (!hint) continue;
      first ??= hint;
      const begun = s.initAt ?? s.established;
      if (at && begun && compareTime(begun.time, at.time) <= 0) latest = hint;
    }
    return latest ?? first;
  }

  /** Info findings per SA: negotiated before the capture began, or an SPI beginning 0xFF that works. */
  private noteSas(): void {
    const failing = this.failedSas;
    for (const sa of this.registry.childSas()) {
      if (sa.packets === 0) continue;
      // SPI 0 means that no SA has been established (IANA's SPI registry, after RFC 4303), so it was
      // never negotiated, and its reserved-spi finding covers it. SPIs 1 to 255 are IANA's too, but
      // manually keyed SAs have used them.
      if (sa.origin === 'observed' && sa.state === 'observed' && sa.spi !== 0) {
        const f = this.newFinding('spi-unknown-origin');
        this.fillSaFinding(f, sa);
        f.certainty = 'inferred';
        f.keyHint = this.keyHintFor(this.registry.tunnel(sa.receiver, sa.sender ?? sa.receiver), sa.first, sa.ikeSa);
      }
      if (sa.spi >>> 24 === 0xff && !failing.has(sa)) {
        const f = this.newFinding('ff-prefixed-spi');
        this.fillSaFinding(f, sa);
      }
    }
  }

  private fillSaFinding(f: Finding, sa: ChildSa): void {
    f.protocol = sa.protocol;
    f.spi = sa.spi;
    f.src = sa.sender;
    f.dst = sa.receiver;
    f.first = sa.first;
    f.last = sa.last;
    f.packets = sa.packets;
    f.ikeSa = sa.ikeSa;
  }
}

/** Builds a finding for live output while a silence is not yet confirmed; it never enters the report. */
function provisionalFinding(sender: string, receiver: string, run: SilenceRun, sa: ChildSa, packets: number): Finding {
  const f = blankFinding(`p-${sa.key}-${run.start.input}-${run.start.frame}`, 'spi-lost');
  f.protocol = sa.protocol;
  f.spi = sa.spi;
  f.src = sender;
  f.dst = receiver;
  f.first = run.start;
  f.last = run.last;
  f.packets = packets;
  f.certainty = 'inferred';
  f.details.provisional = true;
  return f;
}

function compareFindings(x: Finding, y: Finding): number {
  if (x.first && y.first) {
    const c = compareTime(x.first.time, y.first.time);
    if (c !== 0) return c;
  } else if (x.first) {
    return -1;
  } else if (y.first) {
    return 1;
  }
  return Number(x.id.slice(1)) - Number(y.id.slice(1));
}
