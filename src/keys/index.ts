// Key tables and logs: Wireshark's ikev2_decryption_table, ikev1_decryption_table
// and esp_sa, strongSwan charon logs, tcpdump -E secrets and libreswan logs.

export { loadKeys } from './keyset.js';
export * from './types.js';
export {
  parseEspAuthentication,
  parseEspEncryption,
  parseIkev2Encryption,
  parseIkev2Integrity,
  tableIkev2Encryption,
  tableIkev2Integrity,
  wiresharkEspAuthentication,
  wiresharkEspEncryption,
  wiresharkIkev2Encryption,
  wiresharkIkev2Integrity,
} from './names.js';
export { keyLineHint, keyLogHint, type KeyHintSa } from './hints.js';
