// The default BPF filter of live capture (pcap-filter(7)): what IPsec
// analysis needs from an interface, per link type.

/**
 * The IP part of the default capture filter. It keeps IKE and NAT-T (UDP 500
 * and 4500, RFC 3948), IKE and ESP over TCP port 4500 (RFC 8229), ESP and AH
 * (IP protocols 50 and 51), and IPv4-in-IP and IPv6-in-IP (4 and 41), which
 * the decoder follows. It keeps IPv4 fragments, because a non-first fragment
 * carries no UDP ports. It keeps IPv6 packets whose first header is an
 * extension header (hop-by-hop 0, routing 43, fragment 44, destination
 * options 60), because libpcap's `ip6 proto` and port tests read only the
 * first next-header field. It keeps the ICMP and ICMPv6 errors the decoder
 * reads (RFC 792 types 3, 4, 5, 11, 12; RFC 4443 types 1 to 4), which the SA
 * tracker takes as evidence that a receiver no longer accepts ESP.
 */
const IPSEC_CLAUSES = [
  'udp port 500',
  'udp port 4500',
  'tcp port 4500',
  'ip proto 50',
  'ip proto 51',
  'ip6 proto 50',
  'ip6 proto 51',
  'ip proto 4',
  'ip proto 41',
  'ip6 proto 4',
  'ip6 proto 41',
  '(ip and ip[6:2] & 0x3fff != 0)',
  '(ip6 and (ip6[6] == 0 or ip6[6] == 43 or ip6[6] == 44 or ip6[6] == 60))',
  '(icmp and (icmp[icmptype] == 3 or icmp[icmptype] == 4 or icmp[icmptype] == 5 or icmp[icmptype] == 11 or icmp[icmptype] == 12))',
  '(icmp6 and ip6[40] >= 1 and ip6[40] <= 4)',
].join(' or ');

/** 802.1Q, 802.1ad and 0x9100 tags left in the packet data that the Ethernet filter looks behind. */
const VLAN_DEPTH = 3;

/**
 * Repeats the clauses behind one, two and three VLAN tags. Each `vlan` moves
 * libpcap's offsets by one tag for the rest of the expression, so the nesting
 * reads tag after tag. A tag the kernel already moved out of the packet data
 * (VLAN offload) is matched by the first level.
 */
function behindVlanTags(clauses: string, depth: number): string {
  let expression = clauses;
  for (let i = 0; i < depth; i++) expression = `${clauses} or (vlan and (${expression}))`;
  return expression;
}

/**
 * Linux cooked captures (the `any` device) carry a VLAN tag after the cooked
 * header when the packet had one, and libpcap has no `vlan` there. Every
 * tagged frame is kept instead, and the decoder drops what is not IPsec.
 */
function taggedCooked(protocolOffset: number): string {
  return ['0x8100', '0x88a8', '0x9100'].map((tpid) => `link[${protocolOffset}:2] == ${tpid}`).join(' or ');
}

/** Returns the default filter for frames of `linkType` (a LINKTYPE_ number). */
export function defaultLiveFilter(linkType: number): string {
  switch (linkType) {
    case 1:
      return behindVlanTags(IPSEC_CLAUSES, VLAN_DEPTH);
    case 113:
      // Linux cooked v1: the protocol field is the last two bytes of the 16-byte header.
      return `${IPSEC_CLAUSES} or ${taggedCooked(14)}`;
    case 276:
      // Linux cooked v2: the protocol field comes first.
      return `${IPSEC_CLAUSES} or ${taggedCooked(0)}`;
    default:
      return IPSEC_CLAUSES;
  }
}

/** The default filter's IP part, which libpcap compiles for every link type that carries IP. */
export const BASE_LIVE_FILTER = IPSEC_CLAUSES;
