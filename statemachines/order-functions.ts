/**
 * The Lambda functions of the order state machine, declared once beside its definition: for each
 * `${…}` substitution of `order.asl.json`, the function's name and its handler module. The CDK
 * stack deploys one function per entry, the local stack runs the same handler modules under the
 * same names, and the tests check the ASL against this list — so none of them needs the others.
 *
 * Plain data only: the CDK app loads this module, and it must not pull the local stack (or any
 * handler) in with it.
 */

/** The one definition of the order workflow (JSONPath ASL with `${…}` substitutions). */
export const ORDER_ASL_PATH = new URL('./order.asl.json', import.meta.url);

/** The ASL file's path from the repository root, for messages and descriptions. */
export const ORDER_ASL_FILE = 'statemachines/order.asl.json';

/** One workflow function. */
interface OrderFunction {
  /** The Lambda function's name (locally, the last part of its ARN). */
  functionName: string;
  /** The module whose `handler` export the function runs, from the repository root. */
  handler: string;
}

/** Substitution name in the ASL → the function that fills it. */
export const ORDER_FUNCTIONS = {
  SearchFunctionArn: { functionName: 'number-orders-search', handler: 'functions/search/handler.ts' },
  RentFunctionArn: { functionName: 'number-orders-rent', handler: 'functions/rent/handler.ts' },
  LinkCampaignFunctionArn: { functionName: 'number-orders-link-campaign', handler: 'functions/link-campaign/handler.ts' },
  AssignToPoolFunctionArn: { functionName: 'number-orders-assign-to-pool', handler: 'functions/assign-to-pool/handler.ts' },
  VerifyFunctionArn: { functionName: 'number-orders-verify', handler: 'functions/verify/handler.ts' },
  RollbackUnrentFunctionArn: { functionName: 'number-orders-rollback-unrent', handler: 'functions/rollback-unrent/handler.ts' },
  FinalizeFunctionArn: { functionName: 'number-orders-finalize', handler: 'functions/finalize/handler.ts' },
  AwaitRegulatoryFunctionArn: { functionName: 'number-orders-await-regulatory', handler: 'functions/await-regulatory/handler.ts' },
  NotifyFunctionArn: { functionName: 'number-orders-notify', handler: 'functions/notify/handler.ts' },
} as const satisfies Record<string, OrderFunction>;

/** A substitution name of the order state machine's ASL, e.g. `RentFunctionArn`. */
export type OrderFunctionKey = keyof typeof ORDER_FUNCTIONS;

/** Every substitution name, in declaration order. */
export const ORDER_FUNCTION_KEYS = Object.keys(ORDER_FUNCTIONS) as OrderFunctionKey[];

/**
 * The ASL's `${Partition}`, in `arn:${Partition}:states:::lambda:invoke`: CDK binds it to
 * `AWS::Partition` (aws, aws-cn, aws-us-gov), the local stack to `aws`.
 */
export const PARTITION_SUBSTITUTION = 'Partition';

/** Every substitution of the ASL: each function's ARN by its name, and the partition. */
export function orderSubstitutions<T>(functionArns: Readonly<Record<string, T>>, partition: T): Record<string, T> {
  return { ...functionArns, [PARTITION_SUBSTITUTION]: partition };
}

/** A handler module's URL, for a dynamic `import()` (the local stack runs the modules Lambda runs). */
export function handlerModuleUrl(key: OrderFunctionKey): URL {
  return new URL(`../${ORDER_FUNCTIONS[key].handler}`, import.meta.url);
}
