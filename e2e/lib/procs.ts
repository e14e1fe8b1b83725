// The state dir's `pids` file: one "PID STARTTIME NAME" line per process a run started. The start time
// (field 22 of /proc/PID/stat) tells a live process from a later one that reused its PID.
import { appendFileSync, readFileSync } from 'node:fs';

export interface RecordedProcess {
  pid: number;
  startTime: string;
  name: string;
}

/** The process's start time, or undefined once it has exited (zombies count as exited). */
export function startTimeOf(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' ? undefined : fields[19];
}

export function isRunning(process: RecordedProcess): boolean {
  return startTimeOf(process.pid) === process.startTime;
}

export function parsePids(text: string): RecordedProcess[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [pid, startTime, ...name] = line.trim().split(/\s+/);
      return { pid: Number(pid), startTime, name: name.join(' ') };
    });
}

export function readPids(pidsFile: string): RecordedProcess[] {
  try {
    return parsePids(readFileSync(pidsFile, 'utf8'));
  } catch {
    return [];
  }
}

/** Records a process this run started, so that down.sh stops it even if this Node process dies. */
export function recordPid(pidsFile: string, pid: number, name: string): RecordedProcess | undefined {
  const startTime = startTimeOf(pid);
  if (startTime === undefined) return undefined;
  appendFileSync(pidsFile, `${pid} ${startTime} ${name.replace(/\s+/g, '_')}\n`);
  return { pid, startTime, name };
}
