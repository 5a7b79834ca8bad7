/**
 * Ports of the local stack: a port that is taken is one clear line naming the flag that moves it,
 * never a stack trace, and never a silent use of whatever already listens there (another stack's
 * DynamoDB Local would answer the readiness probe as if it were ours).
 */
import { createServer } from 'node:net';

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError' as const;

  constructor(
    readonly port: number,
    readonly flag: string,
  ) {
    super(`port ${port} is in use (another program, or another local stack, listens there): stop it, or start with ${flag} N (${flag} 0 picks a free port)`);
  }
}

/** Resolves when nothing listens on `port` of loopback; otherwise throws `PortInUseError` naming `flag`. */
export async function assertPortFree(port: number, flag: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, flag) : error));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/** The port of an `EADDRINUSE` error from a `listen`, if that is what `error` is. */
export function portInUse(error: unknown): number | undefined {
  const errno = error as (NodeJS.ErrnoException & { port?: number }) | undefined;
  return errno?.code === 'EADDRINUSE' && typeof errno.port === 'number' ? errno.port : undefined;
}
