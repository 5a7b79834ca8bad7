import { Logger, type LogItem } from '@aws-lambda-powertools/logger';

/** A Powertools Logger that keeps its JSON lines in memory instead of printing them. */
export class CapturingLogger extends Logger {
  readonly entries: Record<string, unknown>[] = [];

  constructor(serviceName = 'orders-api') {
    super({ serviceName, logLevel: 'DEBUG' });
  }

  protected override printLog(_level: number, log: LogItem): void {
    // Through JSON, as it would be printed: what a log reader would see.
    this.entries.push(JSON.parse(JSON.stringify(log.getAttributes(), this.getJsonReplacer())) as Record<string, unknown>);
  }

  text(): string {
    return this.entries.map((entry) => JSON.stringify(entry)).join('\n');
  }

  clear(): void {
    this.entries.length = 0;
  }
}
