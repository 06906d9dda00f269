/**
 * Children lead their own process groups, so nothing takes them down with the host. If the host
 * exits without calling shutdown(), one `exit` hook SIGKILLs every live tree of every manager
 * (synchronously: nothing asynchronous runs after `exit`).
 */
interface Killable {
  _killAllSync(): void;
}

const managers = new Set<Killable>();

function onHostExit(): void {
  for (const m of managers) m._killAllSync();
}

export function guardHostExit(manager: Killable): void {
  if (managers.size === 0) process.on('exit', onHostExit);
  managers.add(manager);
}

export function releaseHostExit(manager: Killable): void {
  if (!managers.delete(manager)) return;
  if (managers.size === 0) process.off('exit', onHostExit);
}
