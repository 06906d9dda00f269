/**
 * Children lead their own process groups, so nothing takes them down with the host. If the host
 * exits without calling shutdown(), one `exit` hook SIGKILLs every live tree of every manager
 * (synchronously: nothing asynchronous runs after `exit`).
 */
import { KILL_SYNC } from '../process/internal.js';

interface Killable {
  [KILL_SYNC](): void;
}

const managers = new Set<Killable>();

function onHostExit(): void {
  for (const m of managers) m[KILL_SYNC]();
}

export function guardHostExit(manager: Killable): void {
  if (managers.size === 0) process.on('exit', onHostExit);
  managers.add(manager);
}

export function releaseHostExit(manager: Killable): void {
  if (!managers.delete(manager)) return;
  if (managers.size === 0) process.off('exit', onHostExit);
}
