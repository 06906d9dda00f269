/**
 * Children lead their own process groups, so nothing takes them down with the host. If the host
 * exits without calling shutdown(), one `exit` hook SIGKILLs every live tree of every manager
 * (synchronously: nothing asynchronous runs after `exit`).
 */
type KillSync = () => void;

const managers = new Set<KillSync>();

function onHostExit(): void {
  for (const kill of managers) kill();
}

export function guardHostExit(kill: KillSync): void {
  if (managers.size === 0) process.on('exit', onHostExit);
  managers.add(kill);
}

export function releaseHostExit(kill: KillSync): void {
  if (!managers.delete(kill)) return;
  if (managers.size === 0) process.off('exit', onHostExit);
}
