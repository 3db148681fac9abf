// The `cap` package, a binding to libpcap: loading it, listing devices,
// opening an interface with a filter, and errors that name the fix.
//
// The binding (cap 0.2.1) sets a snaplen of 65535, promiscuous mode and, on
// Linux, immediate mode, and calls back once per packet with the packet copied
// into one shared buffer. It passes neither the packet's libpcap timestamp nor
// its length on the wire.

import { createRequire } from 'node:module';
import { BASE_LIVE_FILTER, defaultLiveFilter } from './live-filter.js';

/** Bytes libpcap keeps per captured packet; the binding fixes this value. */
export const LIVE_SNAPLEN = 65535;

/** Link types the decoder reads (src/decode/link.ts); frames of any other type are only counted. */
const DECODED_LINK_TYPES: ReadonlySet<number> = new Set([0, 1, 12, 14, 101, 108, 113, 228, 229, 276]);

/** Reason a live capture could not start. */
export type LiveErrorKind = 'permission' | 'no-such-interface' | 'addon-missing' | 'libpcap-missing' | 'filter' | 'open';

/** An error that stops a live capture before it starts; its message names the fix (exit status 2). */
export class LiveCaptureError extends Error {
  constructor(
    readonly kind: LiveErrorKind,
    message: string,
    /** Interface names that exist, for 'no-such-interface'. */
    readonly interfaces: string[] = [],
  ) {
    super(message);
    this.name = 'LiveCaptureError';
  }
}

/** One capture device as libpcap lists it. */
export interface LiveDevice {
  name: string;
  description: string | null;
  addresses: { address: string; netmask: string | null }[];
  loopback: boolean;
}

// The parts of the `cap` package this module uses (it ships no type declarations).
export interface CapHandle {
  open(device: string, filter: string, bufferSize: number, buffer: Buffer): string;
  close(): boolean;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
  removeAllListeners(event?: string): void;
}

interface CapDeviceEntry {
  name: string;
  description?: string;
  addresses: { addr?: string; netmask?: string }[];
  flags?: string;
}

interface CapModule {
  Cap: { new (): CapHandle; deviceList(): CapDeviceEntry[] };
}

let capModule: CapModule | null = null;

/**
 * Every handle this process opened, closed ones included. cap 0.2.1 stops a
 * handle's libuv poll handle but never closes it. So when the garbage
 * collector destroys a handle, libuv keeps a pointer into freed memory and
 * node crashes later (SIGSEGV), and a handle whose open() failed aborts node
 * as soon as it is destroyed. Keeping every handle referenced until the
 * process exits avoids both. A run opens at most three.
 */
const retainedHandles: CapHandle[] = [];

/** Opens a fresh handle; a handle is never reused after a failed open, which leaves it unusable. */
function openHandle(cap: CapModule, iface: string, filter: string, bufferBytes: number, buffer: Buffer): { handle: CapHandle; linkName: string } {
  const handle = new cap.Cap();
  retainedHandles.push(handle);
  return { handle, linkName: handle.open(iface, filter, bufferBytes, buffer) };
}

/** Loads the `cap` package, or throws LiveCaptureError saying what is missing. */
export function loadCap(): CapModule {
  if (capModule) return capModule;
  const require = createRequire(import.meta.url);
  try {
    capModule = require('cap') as CapModule;
    return capModule;
  } catch (error) {
    throw capLoadError(error as NodeJS.ErrnoException);
  }
}

function capLoadError(error: NodeJS.ErrnoException): LiveCaptureError {
  const message = error.message ?? String(error);
  // The shared library's name, as the dynamic loader reports it (libpcap.so.0.8), not this module's own path.
  if (/libpcap\.so/i.test(message)) {
    return new LiveCaptureError(
      'libpcap-missing',
      `live capture needs libpcap, which could not be loaded (${firstLine(message)}); install it (Debian and Ubuntu: apt-get install libpcap0.8)`,
    );
  }
  if (error.code === 'MODULE_NOT_FOUND' && /cap\.node/.test(message)) {
    return new LiveCaptureError(
      'addon-missing',
      'the native addon of the cap package was not built; rebuild it with `npm rebuild cap` (needs libpcap-dev, python3, make and a C++ compiler)',
    );
  }
  if (error.code === 'MODULE_NOT_FOUND') {
    return new LiveCaptureError('addon-missing', 'live capture needs the optional cap package (a libpcap binding); install it with `npm install cap` (needs libpcap-dev to build)');
  }
  return new LiveCaptureError('addon-missing', `the cap package (libpcap binding) could not be loaded: ${firstLine(message)}`);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** Capture devices as libpcap lists them (pcap_findalldevs), in its order. */
export function listDevices(): LiveDevice[] {
  const cap = loadCap();
  let entries: CapDeviceEntry[];
  try {
    entries = cap.Cap.deviceList();
  } catch (error) {
    throw new LiveCaptureError('open', `libpcap could not list the capture devices: ${(error as Error).message}`);
  }
  return entries.map((e) => ({
    name: e.name,
    description: e.description ?? null,
    addresses: e.addresses.filter((a) => a.addr !== undefined).map((a) => ({ address: a.addr!, netmask: a.netmask ?? null })),
    loopback: e.flags === 'PCAP_IF_LOOPBACK',
  }));
}

/**
 * LINKTYPE_ number of the link-type string the binding returns: a few names,
 * or "Unknown linktype N" with libpcap's DLT_ value N. DLT_ values equal the
 * LINKTYPE_ values except the low ones that differ between platforms
 * (pcap-linktype(7)).
 */
export function linkTypeFromCap(name: string): number | null {
  switch (name) {
    case 'NULL':
      return 0;
    case 'ETHERNET':
      return 1;
    case 'IEEE802_11_RADIO':
      return 127;
    case 'LINKTYPE_LINUX_SLL':
      return 113;
    case 'RAW':
      return 101;
  }
  const m = /^Unknown linktype (\d+)$/.exec(name);
  if (!m) return null;
  const dlt = Number(m[1]);
  const differing: Record<number, number> = { 11: 100, 12: 101, 14: 101, 15: 102, 16: 103, 19: 106 };
  return differing[dlt] ?? dlt;
}

/** True when the decoder reads frames of this link type. */
export function isDecodedLinkType(linkType: number): boolean {
  return DECODED_LINK_TYPES.has(linkType);
}

/** An interface opened in this process. */
export interface OpenedInterface {
  handle: CapHandle;
  linkType: number;
  filter: string;
}

/** Opens `iface` with `filter`, or with the default filter for its link type when `filter` is null. Throws LiveCaptureError. */
export function openInterface(iface: string, filter: string | null, bufferBytes: number, buffer: Buffer): OpenedInterface {
  const cap = loadCap();
  const names = deviceNames();
  if (names.length > 0 && !names.includes(iface)) {
    throw new LiveCaptureError('no-such-interface', `no capture interface named "${iface}"; interfaces: ${names.join(', ')}`, names);
  }

  let applied = filter ?? BASE_LIVE_FILTER;
  let opened: { handle: CapHandle; linkName: string };
  try {
    opened = openHandle(cap, iface, applied, bufferBytes, buffer);
  } catch (error) {
    throw classifyOpenError(cap, iface, applied, bufferBytes, (error as Error).message, names);
  }
  // The binding reports the link type only once the interface is open, so the default filter
  // starts with its IP part and is replaced by the one for the link type.
  const known = linkTypeFromCap(opened.linkName);
  if (filter === null && known !== null && defaultLiveFilter(known) !== applied) {
    applied = defaultLiveFilter(known);
    const first = opened;
    try {
      opened = openHandle(cap, iface, applied, bufferBytes, buffer);
    } catch (error) {
      first.handle.close();
      throw classifyOpenError(cap, iface, applied, bufferBytes, (error as Error).message, names);
    }
    first.handle.close();
  }

  const linkType = linkTypeFromCap(opened.linkName);
  if (linkType === null) {
    opened.handle.close();
    throw new LiveCaptureError('open', `cannot capture on ${iface}: libpcap reported link type "${opened.linkName}"`);
  }
  return { handle: opened.handle, linkType, filter: applied };
}

function deviceNames(): string[] {
  try {
    return listDevices().map((d) => d.name);
  } catch {
    return [];
  }
}

const PERMISSION = /permission|not permitted|EPERM|EACCES/i;
const NO_DEVICE = /no such device|doesn't exist|does not exist|no such interface|SIOCGIFINDEX|ENODEV/i;

/**
 * Turns the binding's error into a message that names what to do. The binding
 * compiles the filter only after the interface opened, and libpcap's compile
 * messages have no common shape, so an error that is neither about
 * permissions nor about the device is checked by opening again without the
 * filter: when that works, the filter was at fault.
 */
function classifyOpenError(cap: CapModule, iface: string, filter: string, bufferBytes: number, message: string, names: string[]): LiveCaptureError {
  if (PERMISSION.test(message)) {
    return new LiveCaptureError(
      'permission',
      `capturing on ${iface} needs root or the CAP_NET_RAW capability (libpcap: ${message}); run spitrace as root, or give node the capability: setcap cap_net_raw=eip "$(readlink -f "$(command -v node)")"`,
    );
  }
  if (NO_DEVICE.test(message)) {
    const list = names.length > 0 ? `; interfaces: ${names.join(', ')}` : '';
    return new LiveCaptureError('no-such-interface', `no capture interface named "${iface}" (libpcap: ${message})${list}`, names);
  }
  if (filter !== '') {
    try {
      openHandle(cap, iface, '', bufferBytes, Buffer.alloc(LIVE_SNAPLEN)).handle.close();
      return new LiveCaptureError('filter', `the capture filter does not compile: ${message}; filter: ${filter}`);
    } catch {
      // The interface fails without the filter too: the original message is the one to show.
    }
  }
  return new LiveCaptureError('open', `cannot capture on ${iface}: ${message}`);
}
