// The SA registry: every inbound SA by (receiver, protocol, SPI), every
// tunnel by its two peers, and the tunnel each IKE SA belongs to. The SA
// tracker and its IKE event handler share one registry.

import { ChildSa, childSaKey } from './child-sa.js';
import type { IkeSaId, InboundSpi, IpsecProtocol } from './events.js';
import { SpiIndex } from './spi-index.js';
import { type IkeSaState, Tunnel, tunnelKey } from './tunnel.js';

export class SaRegistry {
  private readonly sas = new Map<string, ChildSa>();
  /** The same SAs by SPI alone; a bucket lists several when receivers chose the same SPI. */
  private readonly bySpi = new Map<number, ChildSa | ChildSa[]>();
  /** The SAs packets were counted on, for lookup() to find without a Map. */
  private readonly spiIndex = new SpiIndex();
  private readonly tunnels = new Map<string, Tunnel>();
  private readonly ikeSaTunnel = new Map<IkeSaId, Tunnel>();

  /** Returns the tunnel between two peers, created on first use. */
  tunnel(x: string, y: string): Tunnel {
    const key = tunnelKey(x, y);
    let t = this.tunnels.get(key);
    if (!t) {
      t = new Tunnel(x, y);
      this.tunnels.set(key, t);
    }
    return t;
  }

  /** Returns the tunnel an IKE SA belongs to, or undefined before the IKE SA is known. */
  tunnelOf(id: IkeSaId): Tunnel | undefined {
    return this.ikeSaTunnel.get(id);
  }

  /** Puts an IKE SA into a tunnel, as a rekey does for the new IKE SA (RFC 7296 §2.18). */
  bind(id: IkeSaId, tunnel: Tunnel): void {
    this.ikeSaTunnel.set(id, tunnel);
  }

  /** Returns the state of an IKE SA, created in the peers' tunnel on first use. */
  ikeSa(id: IkeSaId, initiator: string, responder: string, version: 1 | 2): IkeSaState {
    const tunnel = this.ikeSaTunnel.get(id) ?? this.tunnel(initiator, responder);
    this.ikeSaTunnel.set(id, tunnel);
    let s = tunnel.ikeSas.get(id);
    if (!s) {
      s = { id, version, initiator, responder, initAt: null, established: null, deleted: null, replacedBy: null, children: new Set(), visible: true };
      tunnel.ikeSas.set(id, s);
    }
    return s;
  }

  /** Returns the state of an IKE SA already seen, or null. */
  knownIkeSa(id: IkeSaId): IkeSaState | null {
    return this.ikeSaTunnel.get(id)?.ikeSas.get(id) ?? null;
  }

  /** Returns the SA of an inbound SPI, created in `state` on first use; `peer` fills in its sender when unknown. */
  sa(spi: InboundSpi, peer: string | null, state: ChildSa['state']): ChildSa {
    const key = childSaKey(spi.receiver, spi.protocol, spi.spi);
    let sa = this.sas.get(key);
    if (!sa) {
      sa = new ChildSa(spi.receiver, spi.protocol, spi.spi, state);
      this.sas.set(key, sa);
      const bucket = this.bySpi.get(spi.spi >>> 0);
      if (bucket === undefined) this.bySpi.set(spi.spi >>> 0, sa);
      else if (Array.isArray(bucket)) bucket.push(sa);
      else this.bySpi.set(spi.spi >>> 0, [bucket, sa]);
    }
    if (peer && !sa.sender) sa.sender = peer;
    return sa;
  }

  /** Returns the SA of an inbound SPI, or undefined when none was seen. */
  get(spi: InboundSpi): ChildSa | undefined {
    return this.sas.get(childSaKey(spi.receiver, spi.protocol, spi.spi));
  }

  /**
   * Finds an SA by receiver, protocol and SPI without building a string key
   * (the per-packet path). The caller passes the SPI as its signed 32-bit
   * value: V8 would box an SPI of 2^31 or more on every call.
   */
  lookup(receiver: string, protocol: IpsecProtocol, spi: number): ChildSa | undefined {
    const indexed = this.spiIndex.get(receiver, protocol, spi);
    if (indexed !== undefined) return indexed;
    const entry = this.bySpi.get(spi >>> 0);
    if (entry === undefined) return undefined;
    let found: ChildSa | undefined;
    if (!Array.isArray(entry)) found = entry.receiver === receiver && entry.protocol === protocol ? entry : undefined;
    else found = entry.find((sa) => sa.receiver === receiver && sa.protocol === protocol);
    if (found !== undefined) this.spiIndex.add(found);
    return found;
  }

  childSas(): IterableIterator<ChildSa> {
    return this.sas.values();
  }

  allTunnels(): IterableIterator<Tunnel> {
    return this.tunnels.values();
  }
}
