// Applies IKE-derived events (events.ts) to the SA registry: SAs proposed,
// installed, rekeyed and deleted, IKE SAs begun, rekeyed and deleted, and
// the messages that are evidence against a silent receiver.
//
// Protocol facts it rests on. An IKEv2 CHILD_SA exists once its exchange
// completed, and the old SA of a rekey lives until a Delete removes it
// (RFC 7296 §1.3.3, §1.4.1). Deleting an IKEv2 IKE SA takes its CHILD_SAs
// along (RFC 7296 §1.4.1). An IKEv1 Delete is a one-way notification
// (RFC 2408 §3.15), so it takes effect when sent.

import { type ChildSa, removeSa } from './child-sa.js';
import type { SaEvent } from './events.js';
import type { Evidence, Finding, FindingKind } from './findings.js';
import type { SaRegistry } from './registry.js';
import type { Direction, SilenceOptions } from './silence.js';
import type { Tunnel } from './tunnel.js';

/** The parts of the SA tracker that IKE events act on besides the registry: open outages, silence runs and findings. */
export interface TrackerHooks {
  /** Confirms that the receiver of `d` lost the SAs its open silence run was sent on. */
  confirmRun(d: Direction, evidence: Evidence): void;
  /** Confirms the open runs towards `receiver` (only silent ones when `requireSilence`) and adds `evidence` to its open outages. */
  evidenceAgainst(tunnel: Tunnel, receiver: string, evidence: Evidence, requireSilence: boolean): void;
  /** Adds `evidence` to the open outages towards `receiver` in `tunnel`. */
  addOutageEvidence(tunnel: Tunnel, receiver: string, evidence: Evidence): void;
  /** Adds `evidence` to the open outages of these SAs. */
  addSaEvidence(sas: ChildSa[], evidence: Evidence): void;
  /** Ends the SA's outage of packets sent before its install, now that the SA is installed. */
  installed(sa: ChildSa): void;
  /** Records a finding that is complete when made. */
  report(kind: FindingKind, fill: (f: Finding) => void): void;
}

export class IkeEventHandler {
  private readonly registry: SaRegistry;
  private readonly hooks: TrackerHooks;
  private readonly silence: SilenceOptions;

  constructor(registry: SaRegistry, hooks: TrackerHooks, silence: SilenceOptions) {
    this.registry = registry;
    this.hooks = hooks;
    this.silence = silence;
  }

  /** Applies one event, in capture order. */
  apply(event: SaEvent): void {
    switch (event.type) {
      case 'child-proposed':
        return this.onProposed(event);
      case 'child-installed':
        return this.onInstalled(event);
      case 'child-failed':
        for (const spi of event.sas) {
          const sa = this.registry.get(spi);
          if (sa && sa.state === 'proposed') {
            sa.state = 'deleted';
            sa.deleted = { at: event.at, by: 'negotiation-failed' };
          }
        }
        return;
      case 'child-delete':
        return this.onDelete(event);
      case 'child-delete-completed':
        return this.onDeleteCompleted(event);
      case 'ike-sa-init':
        return this.onIkeSaInit(event);
      case 'ike-sa-established':
        return this.onIkeSaEstablished(event);
      case 'ike-sa-rekeyed':
        return this.onIkeSaRekeyed(event);
      case 'ike-sa-deleted':
        return this.onIkeSaDeleted(event);
      case 'ike-request':
        return this.onIkeRequest(event);
      case 'ike-response':
        return this.onIkeResponse(event);
      case 'invalid-spi':
        return this.onInvalidSpi(event);
      case 'invalid-spi-rejected':
        return this.onInvalidSpiRejected(event);
      case 'child-not-found':
        return this.onChildNotFound(event);
    }
  }

  private onProposed(e: Extract<SaEvent, { type: 'child-proposed' }>): void {
    const sa = this.registry.sa(e.sa, e.peer, 'proposed');
    if (sa.state === 'observed' || sa.state === 'never-installed') {
      sa.state = 'proposed';
      sa.origin = 'negotiated';
    }
    if (sa.state !== 'proposed') return;
    sa.proposed ??= e.at;
    sa.ikeSa = e.ikeSa;
  }

  private onInstalled(e: Extract<SaEvent, { type: 'child-installed' }>): void {
    const ike = this.registry.knownIkeSa(e.ikeSa);
    const tunnel = this.registry.tunnelOf(e.ikeSa) ?? this.registry.tunnel(e.initiatorSide.receiver, e.responderSide.receiver);
    const sides = [
      this.registry.sa(e.initiatorSide, e.responderSide.receiver, 'installed'),
      this.registry.sa(e.responderSide, e.initiatorSide.receiver, 'installed'),
    ];
    for (const sa of sides) {
      sa.state = 'installed';
      sa.origin = 'negotiated';
      sa.negotiated = { at: e.at, exchange: e.exchange };
      sa.deleted = null;
      sa.ikeSa = e.ikeSa;
      ike?.children.add(sa);
    }
    sides[0]!.pair = sides[1]!;
    sides[1]!.pair = sides[0]!;
    const replaced: ChildSa[] = [];
    for (const old of e.rekeyOf) {
      const oldSa = this.registry.get(old);
      if (!oldSa) continue;
      const successor = sides.find((s) => s.receiver === oldSa.receiver) ?? sides[0]!;
      oldSa.replacedBy = successor;
      successor.rekeyOf = oldSa;
      replaced.push(oldSa);
      if (oldSa.pair) {
        const pairSuccessor = sides.find((s) => s.receiver === oldSa.pair!.receiver);
        if (pairSuccessor) {
          oldSa.pair.replacedBy = pairSuccessor;
          pairSuccessor.rekeyOf = oldSa.pair;
          replaced.push(oldSa.pair);
        }
      }
    }
    tunnel.record({ kind: replaced.length > 0 ? 'child-rekeyed' : 'child-installed', at: e.at, actor: e.initiatorSide.receiver, sas: [...sides, ...replaced], ikeSa: e.ikeSa });
    // Before-install packets end at the install: close those outages so the next packet starts fresh.
    for (const sa of sides) this.hooks.installed(sa);
  }

  private onDelete(e: Extract<SaEvent, { type: 'child-delete' }>): void {
    const named: ChildSa[] = [];
    for (const spi of e.sas) named.push(this.registry.sa(spi, null, 'observed'));
    const peer = named.find((sa) => sa.sender !== null)?.sender ?? null;
    const tunnel = this.registry.tunnelOf(e.ikeSa) ?? (peer ? this.registry.tunnel(e.sender, peer) : null);
    for (const sa of named) {
      sa.deleteRequested ??= e.at;
      if (e.completed) {
        removeSa(sa, e.at, 'delete-notify');
        // An IKEv1 Delete names the sender's inbound SPI, and the peer closes the whole CHILD_SA on receipt
        // (strongSwan 5.9 logs "closing CHILD_SA" for both SPIs), so both directions go at once.
        if (sa.pair) removeSa(sa.pair, e.at, 'delete-notify');
      } else if (sa.state === 'installed' || sa.state === 'observed') {
        sa.state = 'deleting';
      }
    }
    tunnel?.record({ kind: e.completed ? 'child-deleted' : 'child-delete', at: e.at, actor: e.sender, sas: named, ikeSa: e.ikeSa });
    this.hooks.addSaEvidence(named, { kind: 'delete', at: e.at, detail: `Delete from ${e.sender}` });
  }

  private onDeleteCompleted(e: Extract<SaEvent, { type: 'child-delete-completed' }>): void {
    const tunnel = this.registry.tunnelOf(e.ikeSa) ?? null;
    const removed = new Set<ChildSa>();
    for (const spi of e.sas) {
      const sa = this.registry.get(spi);
      if (!sa) continue;
      removeSa(sa, e.at, 'delete-notify');
      removed.add(sa);
      // Closing a CHILD_SA closes both directions (RFC 7296 §1.4.1), even when the response lists nothing
      // because both ends deleted at once.
      if (sa.pair) {
        removeSa(sa.pair, e.at, 'delete-notify');
        removed.add(sa.pair);
      }
    }
    const sas = [...removed];
    tunnel?.record({ kind: 'child-deleted', at: e.at, actor: sas[0]?.receiver ?? '', sas, ikeSa: e.ikeSa });
  }

  private onIkeSaInit(e: Extract<SaEvent, { type: 'ike-sa-init' }>): void {
    const s = this.registry.ikeSa(e.ikeSa, e.initiator, e.responder, e.version);
    if (s.initAt) return;
    s.initAt = e.at;
    const tunnel = this.registry.tunnelOf(e.ikeSa)!;
    tunnel.record({ kind: 'ike-sa-init', at: e.at, actor: e.initiator, sas: [], ikeSa: e.ikeSa });
    const older = tunnel.liveIkeSas().filter((o) => o.id !== e.ikeSa);
    if (older.length > 0) {
      // A fresh IKE SA while an old one was never deleted: one side restarted or gave up on the other.
      const evidence: Evidence = { kind: 'new-ike-sa', at: e.at, detail: `IKE SA ${e.ikeSa} started by ${e.initiator}` };
      for (const d of tunnel.allDirections()) if (d.isSilent(this.silence, true)) this.hooks.confirmRun(d, evidence);
      this.hooks.addOutageEvidence(tunnel, tunnel.a, evidence);
      this.hooks.addOutageEvidence(tunnel, tunnel.b, evidence);
    }
  }

  private onIkeSaEstablished(e: Extract<SaEvent, { type: 'ike-sa-established' }>): void {
    const s = this.registry.ikeSa(e.ikeSa, e.initiator, e.responder, e.version);
    const tunnel = this.registry.tunnelOf(e.ikeSa)!;
    s.established ??= e.at;
    if (s.initAt && s.visible && tunnel.visibleSince === null && !tunnel.blind) tunnel.visibleSince = s.initAt;
    tunnel.record({ kind: 'ike-sa-established', at: e.at, actor: e.initiator, sas: [], ikeSa: e.ikeSa });
    if (!e.initialContact) return;
    // INITIAL_CONTACT: the sender has no other SAs with this peer, and the peer drops its own (RFC 7296 §3.10.1).
    for (const old of tunnel.ikeSas.values()) {
      if (old.id === e.ikeSa || old.deleted || old.replacedBy) continue;
      old.replacedBy = e.ikeSa;
      for (const child of old.children) if (child.accepting || child.state === 'proposed') removeSa(child, e.at, 'initial-contact');
    }
  }

  private onIkeSaRekeyed(e: Extract<SaEvent, { type: 'ike-sa-rekeyed' }>): void {
    const old = this.registry.knownIkeSa(e.ikeSa);
    const tunnel = this.registry.tunnelOf(e.ikeSa);
    if (!old || !tunnel) return;
    const next = this.registry.ikeSa(e.newIkeSa, old.initiator, old.responder, old.version);
    this.registry.bind(e.newIkeSa, tunnel);
    next.established ??= e.at;
    next.initAt ??= e.at;
    next.visible = old.visible;
    old.replacedBy = e.newIkeSa;
    for (const child of old.children) {
      next.children.add(child);
      child.ikeSa = e.newIkeSa;
    }
    old.children.clear();
    tunnel.record({ kind: 'ike-sa-rekeyed', at: e.at, actor: old.initiator, sas: [], ikeSa: e.newIkeSa });
  }

  private onIkeSaDeleted(e: Extract<SaEvent, { type: 'ike-sa-deleted' }>): void {
    const s = this.registry.knownIkeSa(e.ikeSa);
    const tunnel = this.registry.tunnelOf(e.ikeSa);
    if (!s || !tunnel) return;
    s.deleted ??= e.at;
    const removed: ChildSa[] = [];
    if (e.version === 2) {
      for (const child of s.children) {
        if (child.accepting || child.state === 'proposed') {
          removeSa(child, e.at, 'ike-sa-deleted');
          removed.push(child);
        }
      }
    }
    tunnel.record({ kind: 'ike-sa-deleted', at: e.at, actor: '', sas: removed, ikeSa: e.ikeSa });
  }

  private onIkeRequest(e: Extract<SaEvent, { type: 'ike-request' }>): void {
    const tunnel = this.registry.tunnelOf(e.ikeSa) ?? this.registry.tunnel(e.from, e.to);
    if (e.hidden && !e.retransmission && e.exchange === 'INFORMATIONAL') {
      // Without keys: an INFORMATIONAL from a receiver while the sender's packets go unanswered is most
      // likely an INVALID_SPI notify or a Delete about them (RFC 7296 §2.21.4).
      const d = tunnel.direction(e.to, e.from);
      if (d.isSilent(this.silence, true)) {
        this.hooks.confirmRun(d, { kind: 'informational-after-burst', at: e.at, detail: `encrypted ${e.exchange} from ${e.from} MID ${e.messageId}` });
      }
    }
    if (!e.retransmission) return;
    tunnel.record({ kind: 'ike-unanswered', at: e.at, actor: e.from, sas: [], ikeSa: e.ikeSa });
    const d = tunnel.direction(e.from, e.to);
    d.unansweredRequests += 1;
    const evidence: Evidence = { kind: 'ike-unanswered', at: e.at, detail: `${e.exchange} MID ${e.messageId} retransmitted` };
    if (d.isSilent(this.silence, true)) this.hooks.confirmRun(d, evidence);
    this.hooks.addOutageEvidence(tunnel, e.to, evidence);
  }

  private onIkeResponse(e: Extract<SaEvent, { type: 'ike-response' }>): void {
    const tunnel = this.registry.tunnelOf(e.ikeSa) ?? this.registry.tunnel(e.from, e.to);
    tunnel.record({ kind: 'ike-answered', at: e.at, actor: e.from, sas: [], ikeSa: e.ikeSa });
    // IKE gets through while ESP does not: the peers' IKE SA is alive but a CHILD_SA is gone.
    const evidence: Evidence = { kind: 'ike-answered-esp-silent', at: e.at, detail: `${e.exchange} MID ${e.messageId} answered` };
    this.hooks.evidenceAgainst(tunnel, tunnel.a, evidence, true);
    this.hooks.evidenceAgainst(tunnel, tunnel.b, evidence, true);
  }

  private onInvalidSpi(e: Extract<SaEvent, { type: 'invalid-spi' }>): void {
    const tunnel = this.registry.tunnelOf(e.ikeSa) ?? this.registry.tunnel(e.reporter, e.peer);
    tunnel.record({ kind: 'invalid-spi', at: e.at, actor: e.reporter, sas: [], ikeSa: e.ikeSa });
    this.hooks.report('invalid-spi-notify', (f) => {
      f.protocol = e.protocol;
      f.spi = e.spi;
      f.src = e.peer;
      f.dst = e.reporter;
      f.first = e.at;
      f.last = e.at;
      f.frames.push([e.at.input, e.at.frame]);
      f.ikeSa = e.ikeSa;
      f.details = { encoding: e.encoding, spiSize: e.spiSize, messageId: e.messageId, reporter: e.reporter };
    });

    // The reporter has no SA for this SPI, so packets the peer sends on it are dropped from here on.
    const evidence: Evidence = { kind: 'invalid-spi', at: e.at, detail: `INVALID_SPI for ${e.spi} (${e.encoding})` };
    const d = tunnel.direction(e.peer, e.reporter);
    if (d.run !== null || d.pendingSa !== null) this.hooks.confirmRun(d, evidence);
    const sa = this.registry.get({ receiver: e.reporter, protocol: e.protocol, spi: e.spi });
    if (sa && sa.accepting) {
      if (sa.origin === 'negotiated') {
        removeSa(sa, e.at, 'invalid-spi');
      } else {
        sa.state = 'never-installed';
      }
    } else if (!sa) {
      this.registry.sa({ receiver: e.reporter, protocol: e.protocol, spi: e.spi }, e.peer, 'never-installed');
    }
    this.hooks.addSaEvidence(sa ? [sa] : [], evidence);
  }

  private onInvalidSpiRejected(e: Extract<SaEvent, { type: 'invalid-spi-rejected' }>): void {
    this.hooks.report('invalid-spi-notify-rejected', (f) => {
      f.spi = e.spi;
      f.protocol = 'esp';
      f.src = e.peer;
      f.dst = e.reporter;
      f.first = e.notifyAt;
      f.last = e.at;
      f.frames.push([e.notifyAt.input, e.notifyAt.frame], [e.at.input, e.at.frame]);
      f.ikeSa = e.ikeSa;
      f.details = { spiSize: e.spiSize };
      if (e.spiSize === 0) f.signature = 'CSCvd40554';
    });
  }

  private onChildNotFound(e: Extract<SaEvent, { type: 'child-not-found' }>): void {
    this.hooks.report('child-sa-not-found', (f) => {
      f.protocol = e.protocol;
      f.spi = e.spi;
      f.src = e.peer;
      f.dst = e.reporter;
      f.first = e.at;
      f.last = e.at;
      f.frames.push([e.at.input, e.at.frame]);
      f.ikeSa = e.ikeSa;
    });
    const tunnel = this.registry.tunnelOf(e.ikeSa) ?? this.registry.tunnel(e.reporter, e.peer);
    const evidence: Evidence = { kind: 'child-sa-not-found', at: e.at, detail: `CHILD_SA_NOT_FOUND for ${e.spi}` };
    this.hooks.evidenceAgainst(tunnel, e.reporter, evidence, false);
  }
}
