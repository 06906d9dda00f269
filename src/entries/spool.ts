/**
 * `procward/spool`: what a manager with `stateDir` leaves on disk, read without a manager — the
 * output spools of its processes (read and follow, as OutputBuffer does in memory) and the record
 * types of its ledger, as pm.recover() reports them. (Why entries live in src/entries/: see agents.ts.)
 */
export { readSpool, followSpool, type SpoolReadOptions, type SpoolReadResult, type SpoolChunk, type FollowSpoolOptions } from '../spool/spool-reader.js';
export type { LedgerEntry } from '../ledger/ledger-schema.js';
export type { LostProcess } from '../ledger/recover.js';
export { LEDGER_MAX_BYTES } from '../ledger/ledger-file.js';
