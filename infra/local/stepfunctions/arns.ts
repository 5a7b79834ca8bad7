/**
 * ARNs the local endpoint hands out and understands, and the `${Name}` substitution that CDK's
 * `definitionSubstitutions` performs on the ASL files.
 */

/** Where local resources pretend to live. */
export interface ArnScope {
  /**
   * AWS region in the ARNs.
   * @default 'us-east-1'
   */
  region?: string;
  /**
   * Twelve-digit account id in the ARNs.
   * @default '000000000000'
   */
  accountId?: string;
}

/** The partition of every local ARN (the ASL's `${Partition}` locally). */
export const LOCAL_PARTITION = 'aws';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_ACCOUNT_ID = '000000000000';

/** `arn:aws:lambda:{region}:{account}:function:{functionName}`, as CDK's `functionArn` renders it. */
export function lambdaFunctionArn(functionName: string, scope: ArnScope = {}): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(functionName)) {
    throw new Error(`lambdaFunctionArn: "${functionName}" is not a Lambda function name (1-64 of A-Z a-z 0-9 _ -)`);
  }
  const region = scope.region ?? DEFAULT_REGION;
  const accountId = scope.accountId ?? DEFAULT_ACCOUNT_ID;
  return `arn:${LOCAL_PARTITION}:lambda:${region}:${accountId}:function:${functionName}`;
}

export function stateMachineArn(name: string, region: string, accountId: string): string {
  return `arn:${LOCAL_PARTITION}:states:${region}:${accountId}:stateMachine:${name}`;
}

export function executionArn(stateMachineName: string, executionName: string, region: string, accountId: string): string {
  return `arn:${LOCAL_PARTITION}:states:${region}:${accountId}:execution:${stateMachineName}:${executionName}`;
}

const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9$_-]+))?$/;
const PARTIAL_FUNCTION_ARN = /^(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9$_-]+))?$/;
const FUNCTION_NAME = /^([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9$_-]+))?$/;

/** The parts of a Lambda function reference: a full ARN, a partial ARN or a name, each with an optional qualifier. */
export interface FunctionReference {
  /** The unqualified function ARN. */
  arn: string;
  functionName: string;
  qualifier: string | undefined;
}

/**
 * Read a Lambda function reference the way Lambda's `Invoke` accepts it (`FunctionName` may be a
 * name, a partial ARN or a full ARN, each with `:version` or `:alias`), filling region and account
 * from `scope` where the reference leaves them out. Undefined when it is none of these.
 */
export function parseFunctionReference(reference: string, scope: Required<ArnScope>): FunctionReference | undefined {
  const full = FUNCTION_ARN.exec(reference);
  if (full) {
    const [, region = '', accountId = '', functionName = '', qualifier] = full;
    return { arn: lambdaFunctionArn(functionName, { region, accountId }), functionName, qualifier };
  }
  const partial = PARTIAL_FUNCTION_ARN.exec(reference);
  if (partial) {
    const [, accountId = '', functionName = '', qualifier] = partial;
    return { arn: lambdaFunctionArn(functionName, { region: scope.region, accountId }), functionName, qualifier };
  }
  const name = FUNCTION_NAME.exec(reference);
  if (name) {
    const [, functionName = '', qualifier] = name;
    return { arn: lambdaFunctionArn(functionName, scope), functionName, qualifier };
  }
  return undefined;
}

/** Thrown when an ASL text names a `${Placeholder}` that the substitutions do not bind. */
export class UnboundSubstitutionError extends Error {
  override readonly name = 'UnboundSubstitutionError' as const;
  readonly missing: readonly string[];

  constructor(missing: readonly string[], source: string | undefined) {
    const where = source === undefined ? '' : ` in ${source}`;
    super(`ASL substitution${missing.length > 1 ? 's' : ''} not bound${where}: ${missing.map((name) => '${' + name + '}').join(', ')}`);
    this.missing = missing;
  }
}

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/**
 * Replace every `${Name}` in an ASL text with `values[Name]`, as CDK's `definitionSubstitutions` does
 * (the text is substituted as is, so values must not need JSON escaping: ARNs and names do not).
 * Every placeholder must be bound; otherwise it throws {@link UnboundSubstitutionError} naming all
 * the missing ones, because a state machine with a literal `${RentFunctionArn}` in it would only
 * fail later, at the first execution that reaches that state.
 *
 * @param source names the file in the error message, e.g. `statemachines/order.asl.json`.
 */
export function substituteDefinition(text: string, values: Readonly<Record<string, string>>, source?: string): string {
  const missing = new Set<string>();
  const result = text.replace(PLACEHOLDER, (placeholder, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) {
      missing.add(name);
      return placeholder;
    }
    return value;
  });
  if (missing.size > 0) throw new UnboundSubstitutionError([...missing].sort(), source);
  return result;
}
