/**
 * The local stack's data directory (`--data-dir`): where DynamoDB Local keeps its tables, the Plivo
 * sandbox its state file, and the local Step Functions endpoint its executions' journal, so that a
 * stack killed with SIGKILL and started again with the same directory goes on where it stopped.
 *
 * One stack at a time: a lock file holds the pid of the stack that uses the directory. A second
 * stack refuses while that process lives; a lock left by a killed stack is taken over.
 */
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError' as const;

  constructor(
    readonly directory: string,
    readonly pid: number,
  ) {
    super(`data directory ${directory} is in use by another local stack (pid ${pid}): stop that one, or start with another --data-dir`);
  }
}

export interface DataDir {
  /** The directory, absolute. */
  path: string;
  /** DynamoDB Local's -dbPath. */
  dynamodb: string;
  /** The Plivo sandbox's state file. */
  sandboxState: string;
  /** The local Step Functions endpoint's journal. */
  stepFunctionsJournal: string;
  /** Removes the lock (the stack stops). */
  release(): Promise<void>;
}

const LOCK = 'stack.lock';

/** Whether a process with this pid runs (EPERM: it does, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Creates the directory if missing and takes its lock.
 * @throws DataDirInUseError when a living process holds the lock.
 */
export async function openDataDir(directory: string): Promise<DataDir> {
  const path = resolve(directory);
  await mkdir(path, { recursive: true });
  const lock = join(path, LOCK);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new DataDirInUseError(path, pid);
      // Left by a stack that was killed (or is unreadable): take it over.
      await unlink(lock).catch(() => undefined);
    }
  }
  return {
    path,
    dynamodb: join(path, 'dynamodb'),
    sandboxState: join(path, 'plivo-sandbox.json'),
    stepFunctionsJournal: join(path, 'stepfunctions-executions.jsonl'),
    release: async () => {
      const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (holder === process.pid) await unlink(lock).catch(() => undefined);
    },
  };
}
