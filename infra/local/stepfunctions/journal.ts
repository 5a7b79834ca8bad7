/**
 * The executions' journal: what DescribeExecution and ListExecutions report of each execution (ARN,
 * name, state machine, input, status, start and stop dates, output or error), kept in a file so a
 * restarted endpoint still answers for the executions of the one before. Not the in-flight program
 * counter: an execution that was running when the endpoint died cannot go on (see `lostExecution`).
 *
 * One JSON line per start and per end, appended synchronously before the API call that made it is
 * answered: a SIGKILL of the process loses no execution a client was told of (the line is in the
 * kernel's page cache; an operating-system crash is another matter). A line the kill cut short is
 * the last one, and is skipped. On open the file is rewritten compact (one start and one end line
 * per execution), through a temporary file and a rename.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { ExecutionStatus } from './types.js';

const FORMAT = 'local-stepfunctions-executions/1';

const startLine = z.object({
  type: z.literal('start'),
  executionArn: z.string(),
  stateMachineArn: z.string(),
  name: z.string(),
  input: z.string(),
  startDate: z.number(),
});

const endLine = z.object({
  type: z.literal('end'),
  executionArn: z.string(),
  status: z.enum(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT']),
  stopDate: z.number(),
  output: z.string().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
});

const journalLine = z.discriminatedUnion('type', [z.object({ type: z.literal('format'), format: z.literal(FORMAT) }), startLine, endLine]);

type StartLine = z.infer<typeof startLine>;
type EndLine = z.infer<typeof endLine>;

/** An execution as the journal kept it; `end` is missing for one that was running when the endpoint stopped. */
export interface JournalExecution {
  start: StartLine;
  end: EndLine | undefined;
}

export class ExecutionJournal {
  private constructor(private readonly file: string) {}

  /**
   * Reads the journal (none yet: no executions), rewrites it compact, and keeps it open for appends.
   * @throws Error naming the file and the line when a line other than the last does not fit.
   */
  static open(file: string): { journal: ExecutionJournal; executions: JournalExecution[] } {
    const executions = readJournal(file);
    const compact = [{ type: 'format', format: FORMAT }, ...executions.flatMap(({ start, end }) => (end ? [start, end] : [start]))];
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, compact.map((line) => `${JSON.stringify(line)}\n`).join(''));
    renameSync(temporary, file);
    return { journal: new ExecutionJournal(file), executions };
  }

  started(line: Omit<StartLine, 'type'>): void {
    this.append({ type: 'start', ...line });
  }

  ended(line: Omit<EndLine, 'type'>): void {
    this.append({ type: 'end', ...line });
  }

  private append(line: StartLine | EndLine): void {
    appendFileSync(this.file, `${JSON.stringify(line)}\n`);
  }
}

function readJournal(file: string): JournalExecution[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n');
  const executions = new Map<string, JournalExecution>();
  lines.forEach((text, index) => {
    if (text.trim() === '') return;
    const parsed = parseLine(text);
    if (parsed === undefined) {
      // Only the last line can be cut short by a kill; anything else is not this file format.
      if (index === lines.length - 1) return;
      throw new Error(`local Step Functions journal ${file}: line ${index + 1} does not fit ${FORMAT}`);
    }
    if (parsed.type === 'start') executions.set(parsed.executionArn, { start: parsed, end: undefined });
    else if (parsed.type === 'end') {
      const execution = executions.get(parsed.executionArn);
      if (execution) execution.end = parsed;
    }
  });
  return [...executions.values()];
}

function parseLine(text: string): z.infer<typeof journalLine> | undefined {
  try {
    const parsed = journalLine.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** How the endpoint reports an execution that was running when the endpoint stopped without closing it. */
export const lostExecution = {
  status: 'FAILED' satisfies ExecutionStatus,
  error: 'Local.EndpointLost',
  cause: 'The local Step Functions endpoint stopped (killed or crashed) while this execution ran; where it was is not kept, so it cannot go on',
} as const;
