/**
 * Reading an ASL definition once, when a state machine is registered: validate it, refuse what
 * the local interpreter would silently get wrong, and find every Task with the function it calls.
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { isJsonObject, parseJson, type JsonObject, type JsonValue } from './json.js';

/** The ways a Task calls Lambda that the local endpoint runs. */
export type TaskKind =
  /** `"Resource": "arn:aws:lambda:…:function:f"`: the result is the handler's return. */
  | 'lambda-function'
  /** `"Resource": "arn:aws:states:::lambda:invoke"`: the result is `{ Payload, StatusCode, … }`. */
  | 'lambda-invoke'
  /** `"Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken"`: the result is what `SendTaskSuccess` sends. */
  | 'lambda-invoke-callback';

/** A Task state and how to run it. */
export interface TaskBinding {
  stateName: string;
  kind: TaskKind;
  /** `Resource` as written. */
  resource: string;
  /** The function as the ASL names it, when it is fixed (not `FunctionName.$`). */
  staticFunction: string | undefined;
  /** `TimeoutSeconds`, or undefined for the library's default (60 s). */
  timeoutSeconds: number | undefined;
  /** `HeartbeatSeconds`: enforced for callback tasks only. */
  heartbeatSeconds: number | undefined;
}

/** Where a state sits, which decides how its events chain in the history. */
export type StateScope =
  | { kind: 'root' }
  | { kind: 'map'; map: string }
  | { kind: 'branch'; parallel: string; branch: number };

export interface StateInfo {
  name: string;
  type: string;
  scope: StateScope;
  /** For Map states: whether it sits inside another Map's iterations (several instances at once). */
  insideMap: boolean;
}

export interface CompiledDefinition {
  /** The interpreter, constructed (and so validated) once, on a copy of the definition in which callback tasks get an explicit timeout. */
  machine: StateMachine;
  states: ReadonlyMap<string, StateInfo>;
  tasks: readonly TaskBinding[];
  /** Names of states with a `Retry` field. */
  retryingStates: readonly string[];
  /** Things that work but differ from AWS, worth a log line at registration. */
  warnings: readonly string[];
}

/** The definition cannot be served locally; the message says which state and why. */
export class DefinitionError extends Error {
  override readonly name = 'DefinitionError' as const;
}

/**
 * Longest timer Node keeps (2^31-1 ms): a callback task without `TimeoutSeconds` waits this long,
 * where AWS would wait up to a year; the library's own default of 60 s would end it far too soon.
 */
export const LONGEST_TIMEOUT_SECONDS = 2_147_483;

const LAMBDA_FUNCTION_RESOURCE = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(?::[A-Za-z0-9$_-]+)?$/;
const LAMBDA_INVOKE_RESOURCE = /^arn:aws[a-z-]*:states:::lambda:invoke(\.waitForTaskToken)?$/;

/**
 * Parse, check and validate one definition. `hasHandler` says whether a fixed function reference
 * has a local handler, so a typo in an ARN fails here rather than at the first execution.
 */
export function compileDefinition(
  machineName: string,
  definitionText: string,
  hasHandler: (functionReference: string) => boolean,
): CompiledDefinition {
  const fail = (message: string): never => {
    throw new DefinitionError(`State machine "${machineName}": ${message}`);
  };
  const parsed = parseJson(definitionText);
  if (!parsed.ok) return fail(`definition is not JSON: ${parsed.reason}`);
  if (!isJsonObject(parsed.value)) return fail('definition is not a JSON object');
  const definition = parsed.value;

  const libraryDefinition = structuredClone(definition);
  const states = new Map<string, StateInfo>();
  const tasks: TaskBinding[] = [];
  const retryingStates: string[] = [];
  const warnings: string[] = [];

  if (definition['QueryLanguage'] === 'JSONata') {
    fail('QueryLanguage JSONata is not supported locally (aws-local-stepfunctions ignores it); write the states in JSONPath');
  }

  const walk = (machinePart: JsonObject, libraryPart: JsonObject, scope: StateScope, insideMap: boolean): void => {
    const stateEntries = machinePart['States'];
    const libraryStates = libraryPart['States'];
    if (!isJsonObject(stateEntries) || !isJsonObject(libraryStates)) return;
    for (const [name, state] of Object.entries(stateEntries)) {
      const libraryState = libraryStates[name];
      if (!isJsonObject(state) || !isJsonObject(libraryState)) continue;
      const type = typeof state['Type'] === 'string' ? state['Type'] : '';
      states.set(name, { name, type, scope, insideMap });
      checkCommonFields(name, state, fail);
      if (Array.isArray(state['Retry']) && state['Retry'].length > 0) retryingStates.push(name);

      if (type === 'Task') {
        const binding = bindTask(name, state, hasHandler, fail, warnings);
        tasks.push(binding);
        if (binding.kind === 'lambda-invoke-callback' && binding.timeoutSeconds === undefined && !('TimeoutSecondsPath' in state)) {
          libraryState['TimeoutSeconds'] = LONGEST_TIMEOUT_SECONDS;
        }
        // A callback wait's TimeoutSecondsPath may name weeks or months, and the library hands the
        // value to a Node timer, which fires at once past ~24.8 days: locally such a wait has the
        // longest timer instead (ended earlier by whoever sends its token, as in AWS).
        if (binding.kind === 'lambda-invoke-callback' && 'TimeoutSecondsPath' in state) {
          delete libraryState['TimeoutSecondsPath'];
          libraryState['TimeoutSeconds'] = LONGEST_TIMEOUT_SECONDS;
          warnings.push(`Task "${name}": TimeoutSecondsPath is not evaluated locally (a Node timer cannot wait months); its wait has ${LONGEST_TIMEOUT_SECONDS} s`);
        }
        // Node timers cannot wait longer than ~24.8 days (a longer one fires at once): a longer
        // TimeoutSeconds (a wait of months) is clamped locally.
        if (binding.timeoutSeconds !== undefined && binding.timeoutSeconds > LONGEST_TIMEOUT_SECONDS) {
          libraryState['TimeoutSeconds'] = LONGEST_TIMEOUT_SECONDS;
          warnings.push(`Task "${name}": TimeoutSeconds ${binding.timeoutSeconds} is longer than a Node timer can wait; locally it is ${LONGEST_TIMEOUT_SECONDS}`);
        }
      } else if (type === 'Map') {
        checkMapFields(name, state, fail);
        const processor = state['ItemProcessor'] ?? state['Iterator'];
        const libraryProcessor = libraryState['ItemProcessor'] ?? libraryState['Iterator'];
        if (isJsonObject(processor) && isJsonObject(libraryProcessor)) {
          walk(processor, libraryProcessor, { kind: 'map', map: name }, true);
        }
      } else if (type === 'Parallel') {
        const branches = state['Branches'];
        const libraryBranches = libraryState['Branches'];
        if (Array.isArray(branches) && Array.isArray(libraryBranches)) {
          branches.forEach((branch, index) => {
            const libraryBranch = libraryBranches[index];
            if (isJsonObject(branch) && isJsonObject(libraryBranch)) {
              walk(branch, libraryBranch, { kind: 'branch', parallel: name, branch: index }, insideMap);
            }
          });
        }
      }
    }
  };
  walk(definition, libraryDefinition, { kind: 'root' }, false);

  // The constructor validates (asl-validator, with JSONPath and ARN checks); run() never does, and
  // Map and Parallel build their inner machines with validation off. So this is the one validation,
  // and every execution of this state machine runs on this instance.
  let machine: StateMachine;
  try {
    machine = new StateMachine(libraryDefinition as unknown as StateMachineDefinition);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  return { machine, states, tasks, retryingStates, warnings };
}

type Fail = (message: string) => never;

function checkCommonFields(name: string, state: JsonObject, fail: Fail): void {
  if (state['QueryLanguage'] === 'JSONata') {
    fail(`state "${name}" uses JSONata, which the local interpreter ignores; write it in JSONPath`);
  }
  for (const field of ['Assign', 'Arguments', 'Output'] as const) {
    if (field in state) {
      fail(`state "${name}" uses "${field}", which the local interpreter ignores (no variables, no JSONata)`);
    }
  }
  const text = JSON.stringify(state);
  if (text.includes('$$.State.')) {
    fail(`state "${name}" reads $$.State, which the local interpreter's Context Object does not have`);
  }
}

function checkMapFields(name: string, state: JsonObject, fail: Fail): void {
  for (const field of [
    'ItemReader',
    'ItemBatcher',
    'ResultWriter',
    'ToleratedFailureCount',
    'ToleratedFailureCountPath',
    'ToleratedFailurePercentage',
    'ToleratedFailurePercentagePath',
    'Label',
  ] as const) {
    if (field in state) fail(`Map state "${name}" uses "${field}" (Distributed Map), which runs only in AWS`);
  }
  const processor = state['ItemProcessor'];
  if (isJsonObject(processor)) {
    const config = processor['ProcessorConfig'];
    if (isJsonObject(config) && config['Mode'] === 'DISTRIBUTED') {
      fail(`Map state "${name}" is a Distributed Map, which runs only in AWS; use Mode INLINE`);
    }
  }
}

function bindTask(name: string, state: JsonObject, hasHandler: (reference: string) => boolean, fail: Fail, warnings: string[]): TaskBinding {
  const resource = typeof state['Resource'] === 'string' ? state['Resource'] : '';
  const timeoutSeconds = typeof state['TimeoutSeconds'] === 'number' ? state['TimeoutSeconds'] : undefined;
  const heartbeatSeconds = typeof state['HeartbeatSeconds'] === 'number' ? state['HeartbeatSeconds'] : undefined;
  const parametersText = JSON.stringify(state['Parameters'] ?? null);
  if ('Credentials' in state) fail(`Task "${name}" uses "Credentials" (cross-account), which has no local meaning`);

  let kind: TaskKind;
  let staticFunction: string | undefined;
  if (LAMBDA_FUNCTION_RESOURCE.test(resource)) {
    kind = 'lambda-function';
    staticFunction = resource;
  } else {
    const invoke = LAMBDA_INVOKE_RESOURCE.exec(resource);
    if (!invoke) {
      return fail(
        `Task "${name}" has Resource "${resource}"; the local endpoint runs only Lambda tasks ` +
          '(a function ARN, arn:aws:states:::lambda:invoke or arn:aws:states:::lambda:invoke.waitForTaskToken)',
      );
    }
    kind = invoke[1] === undefined ? 'lambda-invoke' : 'lambda-invoke-callback';
    const parameters = state['Parameters'];
    if (!isJsonObject(parameters)) return fail(`Task "${name}" calls ${resource} without Parameters (FunctionName, Payload)`);
    const functionName = parameters['FunctionName'];
    if (typeof functionName === 'string') staticFunction = functionName;
    else if (typeof parameters['FunctionName.$'] !== 'string') fail(`Task "${name}" calls ${resource} without Parameters.FunctionName`);
    const invocationType: JsonValue | undefined = parameters['InvocationType'];
    if (invocationType !== undefined && invocationType !== 'RequestResponse') {
      fail(`Task "${name}" uses InvocationType ${JSON.stringify(invocationType)}; the local endpoint runs RequestResponse only`);
    }
  }

  if (staticFunction !== undefined && !hasHandler(staticFunction)) {
    fail(`Task "${name}" calls ${staticFunction}, which has no local handler (lambdaHandlers is keyed by function ARN)`);
  }
  if (kind === 'lambda-invoke-callback') {
    if (!parametersText.includes('$$.Task.Token')) {
      fail(`Task "${name}" waits for a task token but its Parameters never pass $$.Task.Token`);
    }
    // TimeoutSecondsPath is evaluated by the interpreter itself on the state's input (a deadline
    // computed by an earlier step); HeartbeatSecondsPath is not supported locally.
    if ('HeartbeatSecondsPath' in state) {
      fail(`Task "${name}" waits for a task token with HeartbeatSecondsPath; locally use HeartbeatSeconds`);
    }
  } else {
    if (parametersText.includes('$$.Task.Token')) {
      fail(`Task "${name}" passes $$.Task.Token but its Resource does not end in .waitForTaskToken`);
    }
    if (heartbeatSeconds !== undefined || 'HeartbeatSecondsPath' in state) {
      warnings.push(`Task "${name}": HeartbeatSeconds is ignored locally except on .waitForTaskToken tasks`);
    }
  }
  if (timeoutSeconds === undefined && !('TimeoutSecondsPath' in state) && kind !== 'lambda-invoke-callback') {
    warnings.push(`Task "${name}" has no TimeoutSeconds: the local interpreter stops it after 60 s (AWS: 99999999 s)`);
  }
  return { stateName: name, kind, resource, staticFunction, timeoutSeconds, heartbeatSeconds };
}
