// Which processes of a procward manager are alive, found by the marker every child of the manager
// carries in its environment (PROCWARD_MANAGER): a tool shell that left the session is found too.
import { readdirSync, readFileSync } from 'node:fs';

export interface LiveProcess {
  pid: number;
  cmd: string;
}

export function managerProcesses(managerId: string): LiveProcess[] {
  const marker = `PROCWARD_MANAGER=${managerId}`;
  const out: LiveProcess[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue; // a zombie holds nothing
      if (!readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(marker)) continue;
      out.push({ pid: Number(name), cmd: readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').join(' ').trim() });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}
