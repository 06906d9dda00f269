/**
 * Children lead their own process groups, so nothing takes them down with the host. If the host
 * exits without calling shutdown(), one `exit` hook SIGKILLs every live tree of every manager
 * (synchronously: nothing asynchronous runs after `exit`).
 */
type KillSync = () => void;

const managers = new Set<KillSync>();
// Installed once and left: a manager whose live count goes 0 → 1 → 0 with every spawn (one command
// after another) would otherwise add and remove a listener on `process` each time.
let installed = false;

function onHostExit(): void {
  for (const kill of managers) kill();
}

export function guardHostExit(kill: KillSync): void {
  if (!installed) {
    installed = true;
    process.on('exit', onHostExit);
  }
  managers.add(kill);
}

export function releaseHostExit(kill: KillSync): void {
  managers.delete(kill);
}
