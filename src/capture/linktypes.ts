// Names of link-layer header types as stored in pcap and pcapng files, from
// the LINKTYPE_ registry kept by tcpdump.org (pcap-linktype(7)), without the
// LINKTYPE_ prefix. The table lists the types that carry IP traffic in
// practice. Any other number is shown as unknown(n).

const NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'NULL'],
  [1, 'ETHERNET'],
  [6, 'IEEE802_5'],
  [8, 'SLIP'],
  [9, 'PPP'],
  [10, 'FDDI'],
  // DLT_RAW is 12 on most BSDs and 14 on OpenBSD; files written there keep
  // the platform's value, and readers treat both as raw IP like 101.
  [12, 'RAW'],
  [14, 'RAW'],
  [50, 'PPP_HDLC'],
  [51, 'PPP_ETHER'],
  [100, 'ATM_RFC1483'],
  [101, 'RAW'],
  [104, 'C_HDLC'],
  [105, 'IEEE802_11'],
  [107, 'FRELAY'],
  [108, 'LOOP'],
  [113, 'LINUX_SLL'],
  [117, 'PFLOG'],
  [119, 'IEEE802_11_PRISM'],
  [127, 'IEEE802_11_RADIOTAP'],
  [138, 'APPLE_IP_OVER_IEEE1394'],
  [139, 'MTP2_WITH_PHDR'],
  [143, 'DOCSIS'],
  [163, 'IEEE802_11_AVS'],
  [166, 'PPP_PPPD'],
  [192, 'PPI'],
  [197, 'ERF'],
  [204, 'PPP_WITH_DIR'],
  [205, 'C_HDLC_WITH_DIR'],
  [206, 'FRELAY_WITH_DIR'],
  [226, 'IPNET'],
  [228, 'IPV4'],
  [229, 'IPV6'],
  [239, 'NFLOG'],
  [240, 'NETANALYZER'],
  [241, 'NETANALYZER_TRANSPARENT'],
  [242, 'IPOIB'],
  [252, 'WIRESHARK_UPPER_PDU'],
  [258, 'PKTAP'],
  [274, 'ETHERNET_MPACKET'],
  [276, 'LINUX_SLL2'],
]);

/** Registry name of a link type without the LINKTYPE_ prefix, or "unknown(n)". */
export function linkTypeName(linkType: number): string {
  return NAMES.get(linkType) ?? `unknown(${linkType})`;
}
