// Checks that this machine can run the lab: root, and the Debian packages that
// provide charon, its plugins, swanctl, tcpdump, tshark and the helpers.

import { accessSync, constants, existsSync } from 'node:fs';

/** One file the lab needs and the Debian package that installs it. */
interface Requirement {
  path: string;
  alternatives?: string[];
  packageName: string;
  purpose: string;
}

const PLUGIN_DIR = '/usr/lib/ipsec/plugins';

const REQUIREMENTS: Requirement[] = [
  { path: '/usr/lib/ipsec/charon', packageName: 'strongswan-charon', purpose: 'the IKE daemon' },
  { path: '/usr/sbin/swanctl', packageName: 'strongswan-swanctl', purpose: 'loads configuration and drives charon over vici' },
  { path: `${PLUGIN_DIR}/libstrongswan-vici.so`, packageName: 'strongswan-swanctl', purpose: 'the vici control socket' },
  { path: `${PLUGIN_DIR}/libstrongswan-kernel-libipsec.so`, packageName: 'libcharon-extra-plugins', purpose: 'userspace ESP (the kernel here has no ESP)' },
  { path: `${PLUGIN_DIR}/libstrongswan-kernel-netlink.so`, packageName: 'libstrongswan', purpose: 'addresses and routes' },
  { path: `${PLUGIN_DIR}/libstrongswan-socket-default.so`, packageName: 'strongswan-libcharon', purpose: 'IKE sockets' },
  { path: `${PLUGIN_DIR}/libstrongswan-openssl.so`, packageName: 'libstrongswan-standard-plugins', purpose: 'ciphers and DH groups' },
  { path: `${PLUGIN_DIR}/libstrongswan-gcm.so`, packageName: 'libstrongswan-standard-plugins', purpose: 'AES-GCM' },
  { path: `${PLUGIN_DIR}/libstrongswan-curve25519.so`, packageName: 'libstrongswan-extra-plugins', purpose: 'Curve25519' },
  { path: '/usr/bin/tcpdump', alternatives: ['/usr/sbin/tcpdump'], packageName: 'tcpdump', purpose: 'records the capture' },
  { path: '/usr/bin/tshark', packageName: 'tshark', purpose: 'reads the capture and checks decryption' },
  { path: '/usr/bin/editcap', packageName: 'wireshark-common', purpose: 'writes the pcapng copy' },
  { path: '/usr/sbin/ip', alternatives: ['/sbin/ip', '/bin/ip', '/usr/bin/ip'], packageName: 'iproute2', purpose: 'network namespaces and veth' },
  { path: '/usr/sbin/tc', alternatives: ['/sbin/tc', '/bin/tc', '/usr/bin/tc'], packageName: 'iproute2', purpose: 'drops chosen IKE messages' },
  { path: '/usr/bin/unshare', packageName: 'util-linux', purpose: 'a private /run for each charon' },
  { path: '/usr/bin/python3', packageName: 'python3-minimal', purpose: 'the ICMP echo sender' },
];

/** The Debian packages the lab needs, for CI and for the error message. */
export const DEBIAN_PACKAGES = [...new Set(REQUIREMENTS.map((requirement) => requirement.packageName))].sort();

export interface RequirementReport {
  ok: boolean;
  isRoot: boolean;
  missing: { path: string; packageName: string; purpose: string }[];
  /** Human-readable explanation with the install command, empty when ok. */
  message: string;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolves the first existing path of a requirement, or undefined. */
export function locate(path: string): string | undefined {
  const requirement = REQUIREMENTS.find((candidate) => candidate.path === path);
  const candidates = [path, ...(requirement?.alternatives ?? [])];
  return candidates.find((candidate) => existsSync(candidate) && isExecutableFile(candidate));
}

export function checkRequirements(): RequirementReport {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const missing = REQUIREMENTS.filter((requirement) => locate(requirement.path) === undefined).map(({ path, packageName, purpose }) => ({
    path,
    packageName,
    purpose,
  }));
  const lines: string[] = [];
  if (!isRoot) {
    lines.push('The lab must run as root: it creates network namespaces, veth links and TUN devices.');
  }
  if (missing.length > 0) {
    lines.push('Missing files:');
    for (const entry of missing) lines.push(`  ${entry.path} (${entry.purpose}) from Debian package ${entry.packageName}`);
    const packages = [...new Set(missing.map((entry) => entry.packageName))].sort();
    lines.push(`Install them with: apt-get install -y ${packages.join(' ')}`);
  }
  const hasTun = existsSync('/dev/net/tun');
  if (!hasTun) {
    lines.push('/dev/net/tun is missing: kernel-libipsec needs TUN devices (load the tun module or pass the device into the container).');
  }
  if (process.platform !== 'linux') {
    lines.unshift('The lab needs Linux (network namespaces).');
  }
  const ok = isRoot && hasTun && missing.length === 0 && process.platform === 'linux';
  return { ok, isRoot, missing, message: lines.join('\n') };
}
