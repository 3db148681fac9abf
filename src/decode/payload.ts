// The view of an IP payload that the protocol decoders share.

import type { IpInfo } from '../types.js';

export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;

/** An IP payload handed from the IP layer to the protocol decoders; AH moves `start` past itself. */
export interface IpPayload {
  ip: IpInfo;
  buf: Uint8Array;
  /** Offset where the current protocol header starts. */
  start: number;
  /** Offset where the captured bytes end. */
  end: number;
  /** Bytes from `start` to the end of the payload on the wire. */
  length: number;
  /** IP-in-IP nesting depth, 0 for the outer datagram. */
  depth: number;
  /**
   * True when this is the first fragment of a datagram decoded on its own
   * (the capture cut a fragment, so no reassembly): `length` then covers
   * only this fragment, and lengths in the upper headers may exceed it.
   */
  partial: boolean;
}
