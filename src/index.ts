// Public API of spitrace: read captures, analyse them, and the report types.

export type * from './types.js';
export type * from './ike/types.js';
